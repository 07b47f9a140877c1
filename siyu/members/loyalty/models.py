"""Membership (会员成长体系): tiers, the merchant's rules, each customer's membership and its ledgers.

The ledgers (``PointsEntry``, ``GrowthEntry``, ``TierChange``, ``CheckIn``) are append-only: a row
is never changed or deleted, a correction is a new row. ``Membership.points_balance`` and
``growth_value`` are caches of the ledger sums, moved only by conditional UPDATEs in the same
transaction as the entry (``balance_after`` is the cache right after the entry), and a CHECK keeps
them from going below zero. Rules and defaults: docs/membership.md.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from siyu.core.models import TenantModel

FULL_RATE = 10_000  # basis points


class MemberTier(TenantModel):
    """A tier (会员等级): reached when growth passes ``growth_threshold``; higher ``rank`` is better.

    ``code`` is what member-price promotions and audiences name the tier by (``tier_rate_bp``).
    """

    code = models.SlugField(max_length=32)
    name = models.CharField(max_length=32)
    rank = models.PositiveSmallIntegerField()
    growth_threshold = models.PositiveIntegerField()
    keep_threshold = models.PositiveIntegerField(
        default=0, help_text="growth to earn in each downgrade period to keep this tier"
    )
    discount_bp = models.PositiveIntegerField(
        default=FULL_RATE, help_text="share of the price members of this tier pay; 10000 = no discount"
    )
    free_shipping = models.BooleanField(default=False)
    birthday_template = models.ForeignKey(
        "promotions.CouponTemplate", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    points_multiplier_bp = models.PositiveIntegerField(
        default=FULL_RATE, help_text="points earned on orders, in basis points of the base rate"
    )
    upgrade_points = models.PositiveIntegerField(default=0, help_text="points given on reaching the tier")
    upgrade_template = models.ForeignKey(
        "promotions.CouponTemplate",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="coupon given on reaching the tier",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "code"], name="tier_code_per_merchant"),
            models.UniqueConstraint(fields=["merchant", "rank"], name="tier_rank_per_merchant"),
            models.CheckConstraint(
                condition=Q(discount_bp__gte=1, discount_bp__lte=FULL_RATE), name="tier_discount_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class LoyaltySettings(TenantModel):
    """The merchant's membership rules. No row: the programme is not set up, nothing is earned."""

    enabled = models.BooleanField(default=True)
    earn_points_per_yuan = models.PositiveIntegerField(default=1, help_text="points per ¥1 paid (goods)")
    redeem_points_per_yuan = models.PositiveIntegerField(default=100, help_text="points that pay ¥1")
    redeem_max_share_bp = models.PositiveIntegerField(default=5_000, help_text="most of the goods paid")
    redeem_step_fen = models.PositiveIntegerField(default=1, help_text="100 = whole yuan only")
    points_valid_days = models.PositiveIntegerField(
        null=True, blank=True, default=365, help_text="each credit expires this many days later; None = never"
    )
    growth_per_yuan = models.PositiveIntegerField(default=1)
    check_in_points = models.PositiveIntegerField(default=1)
    check_in_growth = models.PositiveIntegerField(default=1)
    streak_cycle_days = models.PositiveIntegerField(
        default=7, help_text="the reward table repeats after this many days; 0 = no repeat"
    )
    streak_rewards = models.JSONField(
        default=list, blank=True, help_text="[{day, points, growth, coupon_template_id}] on top of the base"
    )
    downgrade_enabled = models.BooleanField(default=False)
    downgrade_period_days = models.PositiveIntegerField(default=365)
    points_expired_through = models.DateTimeField(
        null=True, blank=True, help_text="lots expiring up to here have been expired"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["merchant"], name="one_loyalty_settings_per_merchant")]


class Membership(TenantModel):
    """One customer's membership: tier, growth and points (caches of the ledgers), check-in streak."""

    customer = models.OneToOneField("members.Customer", on_delete=models.CASCADE, related_name="membership")
    tier = models.ForeignKey(MemberTier, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    tier_since = models.DateTimeField()
    tier_evaluated_at = models.DateTimeField(null=True, blank=True, help_text="last downgrade evaluation")
    growth_value = models.PositiveIntegerField(default=0)
    points_balance = models.PositiveIntegerField(default=0)
    streak = models.PositiveIntegerField(default=0)
    last_check_in_on = models.DateField(null=True, blank=True)
    birthday_coupon_year = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(points_balance__gte=0), name="membership_points_not_negative"),
            models.CheckConstraint(condition=Q(growth_value__gte=0), name="membership_growth_not_negative"),
        ]
        indexes = [models.Index(fields=["merchant", "tier"])]


class PointsKind(models.TextChoices):
    EARN = "earn", _("Earned on an order")
    REDEEM = "redeem", _("Used on an order")
    REFUND_REVERSE = "refund_reverse", _("Taken back on a refund")
    REDEEM_RETURN = "redeem_return", _("Returned from an order")
    EXPIRE = "expire", _("Expired")
    ADJUST = "adjust", _("Adjusted by staff")
    CHECK_IN = "check_in", _("Daily check-in")
    TASK = "task", _("Task reward")
    UPGRADE = "upgrade", _("Tier upgrade gift")


class PointsEntry(TenantModel):
    """One movement of points. A credit (``delta > 0``) is a lot that expires at ``expires_at``.

    ``shortfall`` is what a refund should have taken back but could not: the customer had already
    spent it (the balance never goes below zero).
    """

    customer = models.ForeignKey("members.Customer", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=PointsKind.choices)
    delta = models.IntegerField()
    balance_after = models.PositiveIntegerField()
    shortfall = models.PositiveIntegerField(default=0)
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=80)
    note = models.CharField(max_length=200, blank=True)
    staff = models.ForeignKey(
        "tenancy.Staff", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "idempotency_key"], name="points_entry_key_per_merchant"
            )
        ]
        indexes = [
            models.Index(fields=["merchant", "customer", "-id"]),
            models.Index(fields=["customer", "expires_at"]),
            models.Index(fields=["merchant", "expires_at"]),
        ]


class GrowthKind(models.TextChoices):
    ORDER = "order", _("Paid order")
    REFUND_REVERSE = "refund_reverse", _("Taken back on a refund")
    CHECK_IN = "check_in", _("Daily check-in")
    TASK = "task", _("Task reward")
    ADJUST = "adjust", _("Adjusted by staff")
    DOWNGRADE = "downgrade", _("Reset on downgrade")


class GrowthEntry(TenantModel):
    """One movement of growth value (成长值)."""

    customer = models.ForeignKey("members.Customer", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=GrowthKind.choices)
    delta = models.IntegerField()
    growth_after = models.PositiveIntegerField()
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    idempotency_key = models.CharField(max_length=80)
    note = models.CharField(max_length=200, blank=True)
    staff = models.ForeignKey(
        "tenancy.Staff", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "idempotency_key"], name="growth_entry_key_per_merchant"
            )
        ]
        indexes = [models.Index(fields=["customer", "created_at"])]


class TierChange(TenantModel):
    """A tier a customer moved to, and why (upgrade on growth, downgrade at evaluation, a tier edit)."""

    customer = models.ForeignKey("members.Customer", on_delete=models.CASCADE, related_name="+")
    from_tier = models.ForeignKey(MemberTier, null=True, on_delete=models.PROTECT, related_name="+")
    to_tier = models.ForeignKey(MemberTier, null=True, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=16)
    growth_value = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["merchant", "customer", "-id"])]


class CheckIn(TenantModel):
    """A daily check-in (签到) on a local date, with the streak it made and what it gave."""

    customer = models.ForeignKey("members.Customer", on_delete=models.CASCADE, related_name="+")
    on = models.DateField()
    streak = models.PositiveIntegerField()
    points = models.PositiveIntegerField(default=0)
    growth = models.PositiveIntegerField(default=0)
    coupon = models.ForeignKey(
        "promotions.Coupon", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-on"]
        constraints = [models.UniqueConstraint(fields=["customer", "on"], name="one_check_in_per_day")]
