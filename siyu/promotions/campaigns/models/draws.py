"""支付抽奖 and 盲盒: a prize pool with weights (basis points) and stock, and one row per draw.

Every draw stores its seed and the pool it saw, so ``services.draws.audit_draw`` can recompute it.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from siyu.core.models import TenantModel
from siyu.core.statemachine import StateMachine
from siyu.promotions.campaigns.models.common import Campaign


class DrawKind(models.TextChoices):
    PAY_LOTTERY = "pay_lottery", _("Pay-and-draw lottery")
    BLIND_BOX = "blind_box", _("Blind box")


class DrawCampaign(Campaign):
    kind = models.CharField(max_length=12, choices=DrawKind.choices)
    secret = models.CharField(max_length=64, help_text="seeds the draws; shown only after the campaign ended")
    # Pay-and-draw lottery.
    min_order_amount = models.PositiveIntegerField(default=0, help_text="fen paid for a chance")
    chance_days = models.PositiveSmallIntegerField(default=7, help_text="days a chance may be used")
    # Blind box.
    sku = models.ForeignKey("catalog.Sku", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    box_price = models.PositiveIntegerField(default=0, help_text="fen per box")
    per_customer_limit = models.PositiveIntegerField(
        null=True, blank=True, help_text="boxes; None = no limit"
    )
    box_quota = models.PositiveIntegerField(default=0, help_text="boxes for sale: the prizes' total stock")
    boxes_taken = models.PositiveIntegerField(default=0, help_text="boxes in unpaid or paid orders")

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(boxes_taken__lte=F("box_quota")), name="boxes_within_quota"),
        ]
        indexes = [models.Index(fields=["merchant", "kind", "status"])]


class PrizeKind(models.TextChoices):
    ITEM = "item", _("Goods")  # shipped with the order (blind box) or by staff
    COUPON = "coupon", _("Coupon")
    POINTS = "points", _("Points")
    NOTHING = "nothing", _("Thanks for playing")


class Prize(TenantModel):
    campaign = models.ForeignKey(DrawCampaign, on_delete=models.CASCADE, related_name="prizes")
    name = models.CharField(max_length=64)
    kind = models.CharField(max_length=8, choices=PrizeKind.choices)
    value = models.PositiveIntegerField(
        default=0, help_text="coupon face value in fen, points, or goods value"
    )
    coupon_template_id = models.BigIntegerField(null=True, blank=True)
    sku = models.ForeignKey("catalog.Sku", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    weight_bp = models.PositiveIntegerField(help_text="probability in basis points while in stock")
    stock_total = models.PositiveIntegerField(null=True, blank=True, help_text="None = unlimited")
    stock_left = models.PositiveIntegerField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stock_total__isnull=True) | Q(stock_left__lte=F("stock_total")),
                name="prize_stock_within_total",
            ),
        ]


class DrawStatus(models.TextChoices):
    PENDING = "pending", _("Not drawn yet")
    DRAWN = "drawn", _("Drawn")
    VOID = "void", _("Void")  # the order was cancelled or refunded before the draw, or the chance lapsed
    RETURNED = "returned", _("Returned")  # drawn, then the order was refunded: the prize went back


class Draw(TenantModel):
    """One chance (lottery: one per qualifying order) or one box (blind box: one per unit bought)."""

    campaign = models.ForeignKey(DrawCampaign, on_delete=models.CASCADE, related_name="draws")
    customer = models.ForeignKey("members.Customer", on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="+")
    unit = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=8, choices=DrawStatus.choices, default=DrawStatus.PENDING)
    seed = models.CharField(max_length=64, blank=True)
    pool = models.JSONField(default=dict, blank=True, help_text="the pool the draw saw")
    roll = models.CharField(max_length=80, blank=True, help_text="the number drawn / the total")
    prize = models.ForeignKey(Prize, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    expires_at = models.DateTimeField(null=True, blank=True, help_text="lottery: use the chance before")
    created_at = models.DateTimeField(auto_now_add=True)
    drawn_at = models.DateTimeField(null=True, blank=True)

    machine = StateMachine(
        {
            DrawStatus.PENDING: {DrawStatus.DRAWN, DrawStatus.VOID},
            DrawStatus.DRAWN: {DrawStatus.RETURNED},
        }
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "order", "unit"], name="one_draw_per_order_unit"),
        ]
        indexes = [
            models.Index(fields=["merchant", "customer", "status"]),
            models.Index(fields=["merchant", "status", "expires_at"]),
        ]
