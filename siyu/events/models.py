"""Behaviour events: visits, views, searches, carts, follows, shares and server-side milestones.

One row per thing a person did. Events arrive from clients that retry, so each carries the
client's ``event_id`` and a merchant sees each id once: ``EventKey`` holds one row per
(merchant, event id) and an event is written only when its key is new (see docs/events.md for why
the key lives in a table of its own). On PostgreSQL the events table is range-partitioned by month
on ``occurred_at`` (migration 0003); SQLite keeps a plain table. It is append-only and grows
fastest of all: it keeps only the indexes its readers need (time range per merchant, one
customer's history, an anonymous visitor's not-yet-attached events).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from siyu.core.models import TenantModel
from siyu.members.models import Source


class EventKind(models.TextChoices):
    VISIT = "visit", _("Visit")
    PAGE_VIEW = "page_view", _("Page view")
    PRODUCT_VIEW = "product_view", _("Product view")
    SEARCH = "search", _("Search")
    FAVOURITE = "favourite", _("Favourite")
    ADD_TO_CART = "add_to_cart", _("Add to cart")
    FOLLOW = "follow", _("Follow")
    SHARE = "share", _("Share")
    # Emitted by the services themselves; a client may not send these.
    ORDER_CREATED = "order_created", _("Order created")
    ORDER_PAID = "order_paid", _("Order paid")
    REFUND = "refund", _("Order refunded")
    COUPON_CLAIMED = "coupon_claimed", _("Coupon claimed")
    COUPON_USED = "coupon_used", _("Coupon used")
    GROUP_JOINED = "group_joined", _("Group buy joined")


# What a client (mini-program, H5, app) may report; the rest only the server writes.
CLIENT_KINDS = frozenset(
    {
        EventKind.VISIT,
        EventKind.PAGE_VIEW,
        EventKind.PRODUCT_VIEW,
        EventKind.SEARCH,
        EventKind.FAVOURITE,
        EventKind.ADD_TO_CART,
        EventKind.FOLLOW,
        EventKind.SHARE,
    }
)

# Value behaviours: a customer who shows one of these but never orders is a semi-private member.
VALUE_KINDS = (
    EventKind.SEARCH,
    EventKind.PRODUCT_VIEW,
    EventKind.FAVOURITE,
    EventKind.ADD_TO_CART,
    EventKind.FOLLOW,
)


class Event(TenantModel):
    """One behaviour event of a customer, or of an anonymous visitor who has not logged in."""

    # The composite indexes below start with the merchant, so a separate one would only slow writes.
    # No database constraint either: the merchant comes from the request's path, never from the
    # client, and the check cost ~8 us per event (a fifth of the insert); deleting a merchant still
    # deletes its events (Django's CASCADE).
    merchant = models.ForeignKey(
        "tenancy.Merchant", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    event_id = models.UUIDField(help_text="Sent by the client; a replay with the same id is a duplicate")
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    # Served by the (merchant, customer, occurred_at) index; customers with orders cannot be
    # deleted (orders protect them), so the cascade only ever scans for people who never bought.
    customer = models.ForeignKey(
        "members.Customer", null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    anonymous_id = models.CharField(
        max_length=64, blank=True, help_text="Device id of a visitor not logged in"
    )
    occurred_at = models.DateTimeField()
    properties = models.JSONField(default=dict, blank=True, help_text="product_id, keywords, order_id, ...")
    source = models.CharField(max_length=16, choices=Source.choices, blank=True)
    campaign = models.CharField(max_length=64, blank=True)
    content_id = models.CharField(max_length=64, blank=True, help_text="Article, live session or poster")
    # A plain id, not a foreign key: a share link outlives its sharer, and ingest must not fail on it.
    sharer_id = models.BigIntegerField(
        null=True, blank=True, help_text="Customer whose share brought this visit"
    )
    device = models.CharField(max_length=16, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["merchant", "occurred_at"], name="event_merchant_time"),
            models.Index(fields=["merchant", "customer", "occurred_at"], name="event_customer_time"),
            # Only events not yet attached to a customer: a login finds its visitor's history here,
            # and the attaching UPDATE takes each row out of the index again.
            models.Index(
                fields=["merchant", "anonymous_id"],
                condition=Q(customer__isnull=True),
                name="event_anonymous",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.occurred_at:%Y-%m-%d %H:%M}"


class EventKey(TenantModel):
    """The event ids a merchant has seen: the dedup key of ``Event``, unpartitioned.

    A partitioned table's unique keys must include its partition key, so ``(merchant, event_id)``
    cannot be unique on the events table itself; it is unique here, and an event is written only
    in the same statement that claimed its key.
    """

    pk = models.CompositePrimaryKey("merchant_id", "event_id")
    merchant = models.ForeignKey(  # no database constraint, as on Event
        "tenancy.Merchant", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    event_id = models.UUIDField()
    occurred_at = models.DateTimeField(help_text="The event's time, to find its row (and its partition)")

    def __str__(self) -> str:
        return str(self.event_id)


class LinkVia(models.TextChoices):
    LOGIN = "login", _("Login")
    PHONE = "phone", _("Phone binding")


class IdentityLink(TenantModel):
    """An anonymous visitor (device id) who turned out to be a customer: the history of who was who.

    Append-only: a shared device that two customers logged in on has a row for each, and events
    that still arrive anonymously go to the most recent one.
    """

    merchant = models.ForeignKey(
        "tenancy.Merchant", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    anonymous_id = models.CharField(max_length=64)
    customer = models.ForeignKey("members.Customer", on_delete=models.CASCADE, related_name="+")
    via = models.CharField(max_length=8, choices=LinkVia.choices)
    events_attached = models.PositiveIntegerField(default=0, help_text="Anonymous events attached then")
    linked_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["merchant", "anonymous_id", "-linked_at"], name="identity_link_lookup"),
        ]

    def __str__(self) -> str:
        return f"{self.anonymous_id} -> {self.customer_id}"
