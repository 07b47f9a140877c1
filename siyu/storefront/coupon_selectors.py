"""Reads of the coupon centre and the customer's coupons, each in a fixed number of queries.

Labels ("满200减20券", "¥20 off over ¥200 coupon") come from the pricing engine's own
``coupon_label``, so the centre, the wallet and the checkout name a coupon the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from siyu.members.models import Customer
from siyu.promotions import engine as e
from siyu.promotions.engine.explain import coupon_label
from siyu.promotions.models import (
    Coupon,
    CouponHolding,
    CouponStatus,
    CouponTemplate,
    TemplateStatus,
    Validity,
)
from siyu.promotions.models.coupons import CodeMode
from siyu.promotions.rules import template_coupon_fields
from siyu.tenancy.models import Merchant

WALLET_TABS = ("usable", "used", "expired")


def label(template: CouponTemplate) -> tuple[str, str]:
    fields = template_coupon_fields(template)
    return coupon_label(e.Coupon(id=f"template:{template.pk}", **fields))


@dataclass(frozen=True)
class Offer:
    """A coupon the centre offers, and where this customer stands with it."""

    template: CouponTemplate
    zh: str
    en: str
    held: int  # coupons of it this customer has been given

    @property
    def sold_out(self) -> bool:
        total = self.template.total_quantity
        return total is not None and self.template.issued >= total

    @property
    def limit_reached(self) -> bool:
        return self.held >= self.template.per_customer_limit


def offers(*, merchant: Merchant, customer: Customer | None, now: datetime) -> list[Offer]:
    """Templates claimable now (active, offered, in their claim window, not expired): 2 queries."""
    rows = list(
        CouponTemplate.objects.for_merchant(merchant)
        .filter(status=TemplateStatus.ACTIVE, claimable=True, code_mode=CodeMode.NONE)
        .filter(Q(claim_starts_at__isnull=True) | Q(claim_starts_at__lte=now))
        .filter(Q(claim_ends_at__isnull=True) | Q(claim_ends_at__gt=now))
        .exclude(validity=Validity.FIXED, valid_until__lte=now)
        .order_by("-id")[:50]
    )
    held: dict[int, int] = {}
    if customer is not None and rows:
        held = dict(
            CouponHolding.objects.filter(
                merchant_id=merchant.pk, customer=customer, template_id__in=[r.pk for r in rows]
            ).values_list("template_id", "count")
        )
    result = []
    for row in rows:
        zh, en = label(row)
        result.append(Offer(template=row, zh=zh, en=en, held=held.get(row.pk, 0)))
    return result


@dataclass(frozen=True)
class Held:
    coupon: Coupon
    zh: str
    en: str


def wallet(*, customer: Customer, tab: str, now: datetime) -> list[Held]:
    """The customer's coupons on one tab (usable, used, expired), soonest to expire first: 1 query."""
    qs = (
        Coupon.objects.for_merchant(customer.merchant_id).filter(customer=customer).select_related("template")
    )
    alive = Q(valid_until__isnull=True) | Q(valid_until__gt=now)
    if tab == "used":
        qs = qs.filter(status=CouponStatus.USED).order_by("-used_at", "-id")
    elif tab == "expired":
        qs = qs.filter(status__in=[CouponStatus.UNUSED, CouponStatus.LOCKED]).exclude(alive).order_by("-id")
    else:
        qs = qs.filter(alive, status__in=[CouponStatus.UNUSED, CouponStatus.LOCKED]).order_by(
            "valid_until", "id"
        )
    result = []
    for coupon in qs[:100]:
        zh, en = label(coupon.template)
        result.append(Held(coupon=coupon, zh=zh, en=en))
    return result


def usable_count(*, customer: Customer, now: datetime) -> int:
    alive = Q(valid_until__isnull=True) | Q(valid_until__gt=now)
    return (
        Coupon.objects.for_merchant(customer.merchant_id)
        .filter(alive, customer=customer, status=CouponStatus.UNUSED)
        .count()
    )
