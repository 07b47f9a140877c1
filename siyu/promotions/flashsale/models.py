"""秒杀 flash sales: a time window, SKUs at a flash price with a quota each, a per-customer limit.

The database is the source of truth for every unit: ``FlashSaleItem`` counts the units held by
unpaid orders (``reserved``) and paid for (``sold``) under a CHECK that they never pass the quota;
``FlashSalePurchase`` counts one customer's units of one item under the per-customer limit;
``FlashSaleEntry`` links one order to the units it took, so payment and cancellation move them
exactly once (compare-and-set on its status). Redis, when configured, only gates requests in front
of these rows (``redis_gate.py``).
"""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from siyu.core.models import TenantModel
from siyu.core.statemachine import StateMachine
from siyu.promotions.kit.models import Activity


class FlashSaleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    ENDED = "ended", _("Ended")


S = FlashSaleStatus
# Published sales sell whenever now is inside [starts_at, ends_at): the scheduled -> running ->
# ended moves made by the periodic task only keep the stored status in step for lists and filters.
FLASH_SALE_MACHINE = StateMachine(
    {
        S.DRAFT: {S.SCHEDULED, S.ENDED},
        S.SCHEDULED: {S.RUNNING, S.PAUSED, S.ENDED},
        S.RUNNING: {S.PAUSED, S.ENDED},
        S.PAUSED: {S.SCHEDULED, S.RUNNING, S.ENDED},
    }
)
# Statuses in which a sale takes orders (inside its window) and holds its SKUs against other activities.
SELLING = (S.SCHEDULED, S.RUNNING)
PUBLISHED = (S.SCHEDULED, S.RUNNING, S.PAUSED)


class FlashSale(Activity):
    """One 秒杀: SKUs at a flash price inside a window. Drafts are published (scheduled), the
    periodic task moves them to running and ended, staff pause, resume and end them."""

    title = models.CharField(max_length=60)
    status = models.CharField(max_length=12, choices=FlashSaleStatus.choices, default=FlashSaleStatus.DRAFT)
    per_customer_limit = models.PositiveSmallIntegerField(
        default=1, help_text="units of each item one customer may hold or buy"
    )
    payment_minutes = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="unpaid orders are cancelled after this (default: the merchant's)"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    machine = FLASH_SALE_MACHINE
    verbs = {"publish": S.SCHEDULED, "pause": S.PAUSED, "end": S.ENDED}  # resume: by the clock
    stamps = {"publish": "published_at", "end": "ended_at"}
    live_statuses = SELLING

    class Meta:
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="flash_sale_window"),
            models.CheckConstraint(condition=Q(per_customer_limit__gte=1), name="flash_sale_limit_positive"),
        ]
        indexes = [models.Index(fields=["merchant", "status", "ends_at"])]

    @property
    def name(self) -> str:  # type: ignore[override]
        """A sale's name is its title (the column flash sales have always had)."""
        return self.title

    def status_after(self, verb: str, now: datetime) -> str:
        """A resumed sale runs if its window has begun, else it waits (scheduled)."""
        if verb == "resume":
            return S.RUNNING if self.starts_at <= now else S.SCHEDULED
        return super().status_after(verb, now)


class FlashSaleItem(TenantModel):
    """One SKU of a sale: its flash price and quota, and how many units orders hold and bought."""

    flash_sale = models.ForeignKey(FlashSale, on_delete=models.CASCADE, related_name="items")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    price = models.PositiveIntegerField(help_text="fen per unit")
    quota = models.PositiveIntegerField()
    reserved = models.PositiveIntegerField(default=0, help_text="units held by unpaid orders")
    sold = models.PositiveIntegerField(default=0, help_text="units paid for")
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["flash_sale", "sku"], name="flash_item_one_per_sku"),
            models.CheckConstraint(
                condition=Q(reserved__lte=F("quota") - F("sold")), name="flash_item_never_oversold"
            ),
        ]

    @property
    def remaining(self) -> int:
        return max(0, self.quota - self.reserved - self.sold)


class FlashSalePurchase(TenantModel):
    """How many units of an item one customer holds or bought (released units come off again)."""

    item = models.ForeignKey(FlashSaleItem, on_delete=models.CASCADE, related_name="purchases")
    customer = models.ForeignKey("members.Customer", on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "customer"], name="flash_purchase_one_per_customer")
        ]


class EntryStatus(models.TextChoices):
    RESERVED = "reserved", _("Reserved")  # the order awaits payment
    PAID = "paid", _("Paid")
    RELEASED = "released", _("Released")  # the unpaid order was cancelled: units back in the quota
    REFUNDED = "refunded", _("Refunded")  # the paid order was fully refunded (the units stay sold)


class FlashSaleEntry(TenantModel):
    """The units one order took from one item."""

    item = models.ForeignKey(FlashSaleItem, on_delete=models.CASCADE, related_name="entries")
    customer = models.ForeignKey("members.Customer", on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()
    unit_price = models.PositiveIntegerField(help_text="the flash price when the order was placed")
    status = models.CharField(max_length=10, choices=EntryStatus.choices, default=EntryStatus.RESERVED)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "item"], name="flash_entry_one_per_order_item")
        ]
        indexes = [models.Index(fields=["item", "status"])]
