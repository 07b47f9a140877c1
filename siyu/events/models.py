"""Behaviour events: visits, views, searches, carts, follows, shares and order milestones.

One row per thing a person did. Events arrive from clients that retry, so each carries the
client's ``event_id`` and a merchant sees each id once. The table is append-only and grows
fastest of all: it keeps only the indexes its readers need (time range per merchant, one
customer's history), and a later change makes it a monthly-partitioned table on PostgreSQL.
"""

from __future__ import annotations

from django.db import models
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
    ORDER_CREATED = "order_created", _("Order created")
    ORDER_PAID = "order_paid", _("Order paid")
    REFUND = "refund", _("Refund")


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
    merchant = models.ForeignKey(
        "tenancy.Merchant", on_delete=models.CASCADE, related_name="+", db_index=False
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
        constraints = [models.UniqueConstraint(fields=["merchant", "event_id"], name="event_id_per_merchant")]
        indexes = [
            models.Index(fields=["merchant", "occurred_at"], name="event_merchant_time"),
            models.Index(fields=["merchant", "customer", "occurred_at"], name="event_customer_time"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.occurred_at:%Y-%m-%d %H:%M}"
