"""Coupons: the template staff design (券模板), the coupons customers hold, codes, per-customer counts.

Quantities are counters changed by conditional UPDATEs (``issued < total_quantity``), so 64
concurrent claims of the last coupon give exactly one coupon; a held coupon's status changes by
compare-and-set, so one coupon used on five concurrent orders is used once.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from siyu.core.models import TenantModel
from siyu.core.statemachine import StateMachine


class CouponKindChoice(models.TextChoices):
    AMOUNT = "amount", _("Amount off")
    PERCENT = "percent", _("Percent off")
    SHIPPING = "shipping", _("Shipping")


class Validity(models.TextChoices):
    FIXED = "fixed", _("Between two dates")
    AFTER_CLAIM = "after_claim", _("N days after claim")


class TemplateStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    ENDED = "ended", _("Ended")


class CouponTrigger(models.TextChoices):
    """Events that issue a coupon by themselves (发券时机)."""

    REGISTER = "register", _("On registration")
    FOLLOW = "follow", _("On following the official account")
    FIRST_ORDER = "first_order", _("After the first paid order")
    SHARE = "share", _("On sharing")


class CodeMode(models.TextChoices):
    NONE = "none", _("No code")
    SHARED = "shared", _("One shared code")
    UNIQUE = "unique", _("Single-use codes")


class CouponTemplate(TenantModel):
    """What a coupon gives and who may get it. ``issued`` counts coupons handed out, whatever the way."""

    title = models.CharField(max_length=64)
    kind = models.CharField(max_length=12, choices=CouponKindChoice.choices)
    amount = models.PositiveIntegerField(default=0, help_text="fen off (amount and shipping kinds)")
    rate_bp = models.PositiveIntegerField(
        default=10_000, help_text="share paid, in basis points (percent kind)"
    )
    max_discount = models.PositiveIntegerField(null=True, blank=True, help_text="cap in fen (percent kind)")
    threshold = models.PositiveIntegerField(default=0, help_text="fen of eligible goods needed")
    scope = models.JSONField(
        default=dict, blank=True, help_text="sku_ids, product_ids, category_ids, roles, exclude_*"
    )
    new_customers_only = models.BooleanField(default=False)
    validity = models.CharField(max_length=12, choices=Validity.choices, default=Validity.FIXED)
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    valid_days = models.PositiveIntegerField(null=True, blank=True, help_text="after_claim: days of validity")
    total_quantity = models.PositiveIntegerField(null=True, blank=True, help_text="None = unlimited")
    issued = models.PositiveIntegerField(default=0)
    used = models.PositiveIntegerField(default=0)
    per_customer_limit = models.PositiveIntegerField(default=1)
    claimable = models.BooleanField(default=True, help_text="shown in the coupon centre")
    claim_starts_at = models.DateTimeField(null=True, blank=True)
    claim_ends_at = models.DateTimeField(null=True, blank=True)
    code_mode = models.CharField(max_length=8, choices=CodeMode.choices, default=CodeMode.NONE)
    triggers = models.JSONField(default=list, blank=True, help_text="CouponTrigger values that issue it")
    stack_group = models.CharField(max_length=16, blank=True, help_text="default: goods, or shipping")
    stacks_with_groups = models.JSONField(null=True, blank=True, help_text="None = any group but its own")
    stacks_with_stages = models.JSONField(
        default=list, blank=True, help_text="promotion stages it shares lines with; empty = all"
    )
    status = models.CharField(max_length=8, choices=TemplateStatus.choices, default=TemplateStatus.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(total_quantity__isnull=True) | Q(issued__lte=F("total_quantity")),
                name="coupon_issued_within_total",
            ),
        ]
        indexes = [models.Index(fields=["merchant", "status", "claimable"])]

    def __str__(self) -> str:
        return self.title


class CouponStatus(models.TextChoices):
    UNUSED = "unused", _("Unused")
    LOCKED = "locked", _("In an unpaid order")
    USED = "used", _("Used")
    VOIDED = "voided", _("Voided")


class Coupon(TenantModel):
    """One coupon a customer holds. Expiry is a date, not a status: an unused coupon past
    ``valid_until`` simply cannot be used."""

    template = models.ForeignKey(CouponTemplate, on_delete=models.PROTECT, related_name="coupons")
    customer = models.ForeignKey("members.Customer", on_delete=models.CASCADE, related_name="coupons")
    status = models.CharField(max_length=8, choices=CouponStatus.choices, default=CouponStatus.UNUSED)
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    source = models.CharField(
        max_length=16, help_text="centre, code, staff, register, follow, ... or a playbook"
    )
    code = models.ForeignKey("CouponCode", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    claim_key = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001 - unique among set keys
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="coupons"
    )
    claimed_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    machine = StateMachine(
        {
            CouponStatus.UNUSED: {CouponStatus.LOCKED, CouponStatus.VOIDED},
            CouponStatus.LOCKED: {CouponStatus.USED, CouponStatus.UNUSED},
            CouponStatus.USED: set(),
        }
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "claim_key"],
                condition=Q(claim_key__isnull=False),
                name="one_coupon_per_claim_key",
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "customer", "status"]),
            models.Index(fields=["merchant", "template", "status"]),
        ]


class CouponHolding(TenantModel):
    """How many coupons of a template a customer has been given: the per-customer limit's counter."""

    template = models.ForeignKey(CouponTemplate, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey("members.Customer", on_delete=models.CASCADE, related_name="+")
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["template", "customer"], name="one_holding_per_template_customer")
        ]


class CouponCode(TenantModel):
    """优惠码: a shared code many may redeem (once each), or a single-use code."""

    template = models.ForeignKey(CouponTemplate, on_delete=models.CASCADE, related_name="codes")
    code = models.CharField(max_length=32)
    single_use = models.BooleanField(default=True)
    redeemed = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "code"], name="coupon_code_per_merchant"),
            models.CheckConstraint(
                condition=Q(single_use=False) | Q(redeemed__lte=1), name="single_use_code_once"
            ),
        ]
