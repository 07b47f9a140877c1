"""Customer value models as stored state: one row per customer, recomputed by tasks.

RFM scores and class, lifecycle stage, value tier, semi-private membership, the loyalty ladder,
category preference, discount sensitivity and the preferred contact hour. Segments, reach
automation and reports read these columns; nothing here is only a chart.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from siyu.core.models import TenantModel


class RfmClass(models.TextChoices):
    """The eight classic RFM classes: each of R, F, M is high or low against the merchant's mean."""

    IMPORTANT_VALUE = "important_value", _("Important value")  # 重要价值 R↑ F↑ M↑
    IMPORTANT_DEVELOP = "important_develop", _("Important to develop")  # 重要发展 R↑ F↓ M↑
    IMPORTANT_KEEP = "important_keep", _("Important to keep")  # 重要保持 R↓ F↑ M↑
    IMPORTANT_RETAIN = "important_retain", _("Important to win back")  # 重要挽留 R↓ F↓ M↑
    GENERAL_VALUE = "general_value", _("General value")  # 一般价值 R↑ F↑ M↓
    GENERAL_DEVELOP = "general_develop", _("General to develop")  # 一般发展 R↑ F↓ M↓
    GENERAL_KEEP = "general_keep", _("General to keep")  # 一般保持 R↓ F↑ M↓
    GENERAL_RETAIN = "general_retain", _("General to win back")  # 一般挽留 R↓ F↓ M↓


class LifecycleStage(models.TextChoices):
    INTRODUCTION = "introduction", _("Introduction")  # 引入期
    GROWTH = "growth", pgettext_lazy("lifecycle stage", "Growth")  # 成长期
    MATURITY = "maturity", _("Maturity")  # 成熟期
    DORMANCY = "dormancy", _("Dormancy")  # 休眠期
    CHURN = "churn", _("Churn")  # 流失期


class ValueTier(models.TextChoices):
    NEWLY_ACTIVATED = "newly_activated", _("Newly activated")  # 新激活
    ORDINARY = "ordinary", _("Ordinary")  # 普通
    ACTIVE = "active", pgettext_lazy("value tier", "Active")  # 活跃
    PAYING = "paying", _("Paying")  # 付费
    DIE_HARD = "die_hard", _("Die-hard fan")  # 铁粉


class CustomerValue(TenantModel):
    """What the value models concluded about one customer at ``computed_at``.

    Customers who never ordered have a row too (lifecycle introduction, ladder 0, maybe
    semi-private); their RFM columns are 0 / blank.
    """

    customer = models.OneToOneField(
        "members.Customer", primary_key=True, on_delete=models.CASCADE, related_name="value"
    )
    # Purchases: paid orders net of fully refunded ones.
    order_count = models.PositiveIntegerField(default=0)
    paid_total = models.BigIntegerField(default=0, help_text="Fen paid, net of refunds")
    first_order_at = models.DateTimeField(null=True, blank=True)
    last_order_at = models.DateTimeField(null=True, blank=True)
    # RFM: quintile scores 1..5 within the merchant's buyers (0 = never bought).
    recency_days = models.PositiveIntegerField(null=True, blank=True)
    r_score = models.PositiveSmallIntegerField(default=0)
    f_score = models.PositiveSmallIntegerField(default=0)
    m_score = models.PositiveSmallIntegerField(default=0)
    rfm_class = models.CharField(max_length=24, choices=RfmClass.choices, blank=True)
    lifecycle_stage = models.CharField(
        max_length=16, choices=LifecycleStage.choices, default=LifecycleStage.INTRODUCTION
    )
    value_tier = models.CharField(max_length=16, choices=ValueTier.choices, default=ValueTier.NEWLY_ACTIVATED)
    # Engagement: value behaviours are search, product view, follow, favourite, add-to-cart.
    last_engaged_at = models.DateTimeField(null=True, blank=True)
    is_semi_private = models.BooleanField(
        default=False, help_text="Showed a value behaviour but never ordered (半私域会员)"
    )
    loyalty_rung = models.PositiveSmallIntegerField(default=0, help_text="0, 1, 2 or 3 (= 3 or more orders)")
    # Preference and sensitivity, for reach automation and the price-sensitivity guard.
    favourite_category_id = models.BigIntegerField(null=True, blank=True)
    discount_order_share_bp = models.PositiveSmallIntegerField(
        default=0, help_text="Share of paid orders that carried a discount, in basis points"
    )
    coupon_use_share_bp = models.PositiveSmallIntegerField(
        default=0, help_text="Share of coupons received that were used, in basis points"
    )
    preferred_hour = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Local hour (0-23) the customer engages most"
    )
    computed_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["merchant", "rfm_class"], name="value_rfm_class"),
            models.Index(fields=["merchant", "lifecycle_stage"], name="value_lifecycle"),
            models.Index(fields=["merchant", "value_tier"], name="value_tier"),
        ]

    def __str__(self) -> str:
        return f"value of customer {self.customer_id}"


class RfmRule(models.TextChoices):
    """How a score counts as high (↑) when the eight RFM classes are assigned."""

    ABOVE_MEAN = "above_mean", _("Above the merchant's mean score")
    AT_LEAST = "at_least", _("At least a fixed score")


class ValueModelSettings(TenantModel):
    """A merchant's thresholds for the value models; no row means the documented defaults.

    Times are relative to the merchant's own repurchase cycle (the median days between a
    customer's consecutive purchases), so a tea shop and a furniture shop are judged each by
    its own rhythm. See docs/value-models.md for every default and why.
    """

    # The repurchase cycle: the median over repeat customers of each one's median interval between
    # purchases, measured from the merchant's data unless fixed by hand.
    cycle_days_fixed = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Use this cycle instead of the measured median"
    )
    cycle_window_days = models.PositiveSmallIntegerField(
        default=365, help_text="Intervals whose later purchase is this recent are measured"
    )
    cycle_min_customers = models.PositiveIntegerField(
        default=30, help_text="Fewer repeat customers measured than this: use the default cycle"
    )
    cycle_default_days = models.PositiveSmallIntegerField(default=30)
    cycle_floor_days = models.PositiveSmallIntegerField(default=7)
    cycle_ceiling_days = models.PositiveSmallIntegerField(default=180)
    # Lifecycle: multiples of the cycle without a purchase.
    dormancy_cycles = models.DecimalField(max_digits=4, decimal_places=1, default=2)
    churn_cycles = models.DecimalField(max_digits=4, decimal_places=1, default=4)
    growth_orders = models.PositiveSmallIntegerField(default=2)
    maturity_orders = models.PositiveSmallIntegerField(default=3)
    # Value tiers.
    new_customer_days = models.PositiveSmallIntegerField(default=30)
    active_days = models.PositiveSmallIntegerField(default=30)
    die_hard_orders = models.PositiveSmallIntegerField(default=5)
    die_hard_spend = models.BigIntegerField(default=0, help_text="Fen; 0 = orders alone decide")
    # RFM classes.
    rfm_rule = models.CharField(max_length=16, choices=RfmRule.choices, default=RfmRule.ABOVE_MEAN)
    rfm_min_score = models.PositiveSmallIntegerField(default=3, help_text="High from this score (at_least)")
    # Windows for preferences and sensitivity.
    preference_window_days = models.PositiveSmallIntegerField(default=365)
    discount_window_days = models.PositiveSmallIntegerField(default=365)
    contact_window_days = models.PositiveSmallIntegerField(default=180)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["merchant"], name="one_value_settings_per_merchant")]

    def __str__(self) -> str:
        return f"value settings of merchant {self.merchant_id}"


class ValueModelState(TenantModel):
    """What the last full recompute measured, so one customer's refresh is O(1).

    ``cuts`` holds, for each of R, F and M, the sort key of the first customer of quintiles 2..5;
    a refreshed customer's score is 1 + the number of cut points at or below its own key.
    """

    computed_at = models.DateTimeField()
    full_scan_at = models.DateTimeField(
        null=True, blank=True, help_text="Last run that read every event, not only the recent ones"
    )
    seconds = models.FloatField(default=0)
    customers = models.PositiveIntegerField(default=0)
    buyers = models.PositiveIntegerField(default=0)
    cycle_days = models.PositiveSmallIntegerField()
    cycle_source = models.CharField(max_length=8, help_text="measured, default or fixed")
    cycle_customers = models.PositiveIntegerField(default=0, help_text="Repeat customers measured")
    cycle_median_days = models.FloatField(null=True, blank=True)
    r_sum = models.BigIntegerField(default=0)
    f_sum = models.BigIntegerField(default=0)
    m_sum = models.BigIntegerField(default=0)
    cuts = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["merchant"], name="one_value_state_per_merchant")]

    def __str__(self) -> str:
        return f"value state of merchant {self.merchant_id}"
