"""Item and order promotions staff configure: one row per promotion, its rule as JSON.

``kind`` names the engine rule (siyu/promotions/engine/types.py) and ``config`` holds that rule's
own fields; ``siyu.promotions.rules`` turns a row into the engine's rule and validates it, so a
row that saves is a rule the engine accepts.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from siyu.core.models import TenantModel


class PromotionKind(models.TextChoices):
    LIMITED_TIME_DISCOUNT = "limited_time_discount", _("Limited-time discount")
    MEMBER_PRICE = "member_price", _("Member price")
    NTH_ITEM = "nth_item", _("Nth item discount")
    BUY_N_GET_M = "buy_n_get_m", _("Buy N get M")
    BUNDLE = "bundle", _("Bundle")
    TIERED = "tiered", _("Spend or quantity tiers")
    ADD_ON = "add_on", _("Add-on offer")
    FREE_SHIPPING = "free_shipping", _("Free shipping threshold")


class PromotionStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    ENDED = "ended", _("Ended")


class Promotion(TenantModel):
    title = models.CharField(max_length=64)
    kind = models.CharField(max_length=24, choices=PromotionKind.choices)
    status = models.CharField(max_length=8, choices=PromotionStatus.choices, default=PromotionStatus.ACTIVE)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    priority = models.PositiveIntegerField(default=100)
    stacks_with = models.JSONField(null=True, blank=True, help_text="stages; None = the kind's default")
    exclusive_group = models.CharField(max_length=16, null=True, blank=True)  # noqa: DJ001 - None = kind default
    audience = models.JSONField(
        default=dict, blank=True, help_text="tiers, new_customers_only, segments, tags"
    )
    scope = models.JSONField(default=dict, blank=True)
    config = models.JSONField(default=dict, help_text="the kind's own fields")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["priority", "id"]
        indexes = [models.Index(fields=["merchant", "status", "ends_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def rule_id(self) -> str:
        return f"promotion:{self.pk}"


class GiftStock(TenantModel):
    """赠品 stock a promotion may give away: taken by a conditional UPDATE when an order is placed."""

    promotion = models.ForeignKey(Promotion, on_delete=models.CASCADE, related_name="gift_stock")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    remaining = models.PositiveIntegerField()
    given = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["promotion", "sku"], name="one_gift_stock_per_promotion_sku"),
            models.CheckConstraint(condition=Q(remaining__gte=0), name="gift_stock_not_negative"),
        ]


class PricingPolicy(TenantModel):
    """The merchant's pricing guard rails: the floor no stack of promotions breaks, coupons per order."""

    floor_min_cost_bp = models.PositiveIntegerField(
        null=True, blank=True, help_text="never below this share of cost (10000 = cost); None = no rule"
    )
    floor_min_list_bp = models.PositiveIntegerField(
        null=True, blank=True, help_text="never below this share of the selling price; None = no rule"
    )
    max_goods_coupons = models.PositiveIntegerField(default=1)
    max_shipping_coupons = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["merchant"], name="one_pricing_policy_per_merchant")]
