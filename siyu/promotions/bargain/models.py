"""砍价 bargains: the activity, each customer's bargain record, and the friends' helps.

A record plans its cuts when it starts (``cuts``, from ``seed``; see ``cuts.py``); help ``k``
takes ``cuts[k - 1]`` with a compare-and-set on ``helps_done``, so concurrent helps each take a
different cut and the last planned help lands exactly on the floor price.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from siyu.core.models import TenantModel
from siyu.core.statemachine import StateMachine
from siyu.promotions.kit.models import Activity


class Bargain(Activity):
    """One 砍价 activity on one SKU: friends cut the price from ``start_price`` to ``floor_price``
    (0 for 0元购) in exactly ``helpers_needed`` helps, within ``hours_to_finish``."""

    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    ends_at = models.DateTimeField(help_text="No bargain starts and no help counts after this time")
    start_price = models.PositiveIntegerField(help_text="fen; the SKU's price when the activity was made")
    floor_price = models.PositiveIntegerField(help_text="fen; what the customer pays in the end (0 = 0元购)")
    helpers_needed = models.PositiveSmallIntegerField()
    hours_to_finish = models.PositiveSmallIntegerField(
        help_text="A record must reach the floor and be bought in time"
    )
    quota = models.PositiveIntegerField(
        null=True, blank=True, help_text="Orders allowed in all; None = stock only"
    )
    sold = models.PositiveIntegerField(default=0, help_text="Orders placed and not cancelled")
    per_customer_limit = models.PositiveSmallIntegerField(default=1, help_text="Orders per customer")
    created_by = models.ForeignKey(
        "tenancy.Staff", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="bargain_ends_after_start"),
            models.CheckConstraint(
                condition=Q(start_price__gte=F("floor_price") + F("helpers_needed")),
                name="bargain_one_fen_per_helper",
            ),
            models.CheckConstraint(
                condition=Q(quota__isnull=True) | Q(sold__lte=F("quota")), name="bargain_within_quota"
            ),
        ]
        indexes = [models.Index(fields=["merchant", "status", "ends_at"])]


class RecordStatus(models.TextChoices):
    ONGOING = "ongoing", _("Asking friends to help")
    SUCCEEDED = "succeeded", _("At the floor price, ready to buy")
    EXPIRED = "expired", _("Expired")
    ORDERED = "ordered", _("Ordered")


R = RecordStatus
RECORD_MACHINE = StateMachine(
    {
        R.ONGOING: {R.SUCCEEDED, R.EXPIRED},
        R.SUCCEEDED: {R.ORDERED, R.EXPIRED},
        R.ORDERED: {R.SUCCEEDED, R.EXPIRED},  # the order was cancelled before it was paid
    }
)
LIVE_RECORD = (RecordStatus.ONGOING, RecordStatus.SUCCEEDED)


class BargainRecord(TenantModel):
    """One customer's bargain: its planned cuts, how far the helps have got, and its order."""

    bargain = models.ForeignKey(Bargain, on_delete=models.PROTECT, related_name="records")
    customer = models.ForeignKey("members.Customer", on_delete=models.PROTECT, related_name="+")
    start_price = models.PositiveIntegerField()
    floor_price = models.PositiveIntegerField()
    helpers_needed = models.PositiveSmallIntegerField()
    seed = models.BigIntegerField(help_text="Seed the cuts were planned with")
    cuts = models.JSONField(help_text="fen per help, in order; sums to start_price - floor_price")
    current_price = models.PositiveIntegerField()
    helps_done = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=12, choices=RecordStatus.choices, default=RecordStatus.ONGOING)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ordered_at = models.DateTimeField(null=True, blank=True)

    machine = RECORD_MACHINE

    owned_id_name = "record_id"

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["bargain", "customer"],
                condition=Q(status__in=["ongoing", "succeeded"]),
                name="one_live_bargain_per_customer",
            ),
            models.CheckConstraint(
                condition=Q(helps_done__lte=F("helpers_needed")), name="bargain_helps_within_plan"
            ),
            models.CheckConstraint(
                condition=Q(current_price__gte=F("floor_price")), name="bargain_never_below_floor"
            ),
        ]
        indexes = [models.Index(fields=["status", "expires_at"])]


class BargainHelp(TenantModel):
    record = models.ForeignKey(BargainRecord, on_delete=models.CASCADE, related_name="helps")
    helper = models.ForeignKey("members.Customer", on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveSmallIntegerField(help_text="1 for the first help")
    cut = models.PositiveIntegerField(help_text="fen")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["seq"]
        constraints = [
            models.UniqueConstraint(fields=["record", "helper"], name="bargain_help_once"),
            models.UniqueConstraint(fields=["record", "seq"], name="bargain_help_seq_once"),
        ]
