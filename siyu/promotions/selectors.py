"""Reads for staff: coupon and promotion stats, the coupon centre, a customer's coupons."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q, Sum

from siyu.members.models import Customer
from siyu.orders.models import Order
from siyu.promotions.models import Coupon, CouponStatus, CouponTemplate, Redemption, TemplateStatus
from siyu.promotions.models.coupons import CodeMode
from siyu.promotions.pricing import PAID_STATUSES

REFUNDED = ("closed",)


def _order_stats(merchant_id: int, redemptions: Q) -> dict[str, int]:
    """Orders that took this rule (still standing), their customers, GMV paid and the discount given."""
    rows = Redemption.objects.for_merchant(merchant_id).filter(redemptions, active=True)
    order_ids = rows.values("order_id")
    orders = Order.objects.for_merchant(merchant_id).filter(
        pk__in=order_ids, status__in=(*PAID_STATUSES, *REFUNDED)
    )
    totals = orders.aggregate(
        orders=Count("id"),
        customers=Count("customer_id", distinct=True),
        gmv=Sum("paid_amount"),
        refunded=Sum("refunded_amount"),
    )
    paid_ids = orders.values("id")
    discount = rows.filter(order_id__in=paid_ids).aggregate(total=Sum("amount"))["total"] or 0
    return {
        "orders": totals["orders"],
        "customers": totals["customers"],
        "gmv": totals["gmv"] or 0,
        "refunded": totals["refunded"] or 0,
        "discount_cost": discount,
    }


def template_stats(template: CouponTemplate) -> dict[str, int]:
    counts = (
        Coupon.objects.for_merchant(template.merchant_id)
        .filter(template=template)
        .aggregate(
            holders=Count("customer_id", distinct=True),
            unused=Count("id", filter=Q(status=CouponStatus.UNUSED)),
            locked=Count("id", filter=Q(status=CouponStatus.LOCKED)),
            used=Count("id", filter=Q(status=CouponStatus.USED)),
        )
    )
    return {
        "issued": template.issued,
        "left": -1 if template.total_quantity is None else template.total_quantity - template.issued,
        "holders": counts["holders"],
        "unused": counts["unused"],
        "locked": counts["locked"],
        "used": counts["used"],
        **_order_stats(template.merchant_id, Q(coupon__template=template)),
    }


def promotion_stats(merchant_id: int, rule_id: str) -> dict[str, int]:
    return _order_stats(merchant_id, Q(rule_id=rule_id))


def coupon_centre(customer: Customer, now: datetime) -> list[tuple[CouponTemplate, int]]:
    """Templates offered to claim now, with how many of each the customer already holds."""
    templates = list(
        CouponTemplate.objects.for_merchant(customer.merchant_id)
        .filter(status=TemplateStatus.ACTIVE, claimable=True, code_mode=CodeMode.NONE)
        .filter(Q(claim_starts_at__isnull=True) | Q(claim_starts_at__lte=now))
        .filter(Q(claim_ends_at__isnull=True) | Q(claim_ends_at__gt=now))
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now))
        .order_by("-id")[:100]
    )
    held = dict(
        Coupon.objects.for_merchant(customer.merchant_id)
        .filter(customer=customer, template__in=templates)
        .values_list("template_id")
        .annotate(n=Count("id"))
        .values_list("template_id", "n")
    )
    return [(t, held.get(t.pk, 0)) for t in templates]


def customer_coupons(customer: Customer, *, status: str | None, now: datetime):
    qs = (
        Coupon.objects.for_merchant(customer.merchant_id).filter(customer=customer).select_related("template")
    )
    if status == "expired":
        return qs.filter(status=CouponStatus.UNUSED, valid_until__lte=now)
    if status == CouponStatus.UNUSED:
        return qs.filter(status=CouponStatus.UNUSED).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gt=now)
        )
    if status:
        return qs.filter(status=status)
    return qs
