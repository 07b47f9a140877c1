"""What an order takes from promotions and coupons, and what it gives back.

``record_order_promotions`` runs in checkout's transaction: it locks the chosen coupons
(compare-and-set, so a coupon used on five concurrent orders is used once), takes gift stock
(conditional UPDATE) and books one ``Redemption`` per rule and line. The order's later life reaches
the functions below through ``siyu/promotions/hooks.py``: payment uses the coupons, cancellation
returns them.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from django.db.models import F
from django.utils import timezone

from siyu.events.models import EventKind
from siyu.events.services import record_server_event
from siyu.orders.models import Order, OrderStatus
from siyu.promotions import engine as e
from siyu.promotions.errors import CouponUnavailable, GiftOutOfStock
from siyu.promotions.models import Coupon, CouponStatus, CouponTemplate, CouponTrigger, GiftStock, Redemption
from siyu.promotions.services.coupons import issue_for_trigger

if TYPE_CHECKING:
    from siyu.orders.services.checkout import Quote


GIFT_STAGE = "gift"  # a Redemption row for a gift given (its list value), not a discount on a line


def _gift_rule(line: e.PricedLine) -> str:
    # Gift lines are keyed "G:<rule id>:<sku id>" by the engine.
    return line.key.split(":", 1)[1].rsplit(":", 1)[0]


def record_order_promotions(*, order: Order, quote: Quote) -> None:
    result = quote.result
    # Rows are locked in pk order (coupons, then gift stock) so concurrent checkouts cannot deadlock.
    for coupon in sorted(quote.chosen_coupons(), key=lambda c: c.pk):
        locked = Coupon.objects.filter(
            pk=coupon.pk, customer_id=order.customer_id, status=CouponStatus.UNUSED
        ).update(status=CouponStatus.LOCKED, order=order)
        if locked != 1:
            raise CouponUnavailable(detail={"coupon_id": coupon.pk})
    gifts = [
        (quote.book.rows.get(_gift_rule(line)), line) for line in result.lines if line.kind is e.LineKind.GIFT
    ]
    for row, line in sorted(gifts, key=lambda g: (g[0].pk if g[0] is not None else 0, g[1].sku_id)):
        taken = (
            GiftStock.objects.filter(promotion=row, sku_id=line.sku_id, remaining__gte=line.quantity).update(
                remaining=F("remaining") - line.quantity, given=F("given") + line.quantity
            )
            if row is not None
            else 0
        )
        if taken != 1:
            raise GiftOutOfStock(detail={"sku_id": line.sku_id})
    by_key = {line.key: line for line in result.lines}
    rows = []
    for applied in result.applied:
        promotion = quote.book.rows.get(applied.rule_id)
        coupon = quote.wallet.coupons.get(applied.rule_id)
        common = {
            "merchant_id": order.merchant_id,
            "order": order,
            "customer_id": order.customer_id,
            "rule_id": applied.rule_id[:40],
            "stage": str(applied.stage),
            "promotion": promotion,
            "coupon": coupon,
        }
        if not applied.allocations:  # shipping waivers and shipping coupons: the order as a whole
            rows.append(Redemption(**common, amount=applied.amount))
            continue
        for key, amount in applied.allocations:
            line = by_key[key]
            rows.append(Redemption(**common, sku_id=line.sku_id, units=line.quantity, amount=amount))
    for line in result.lines:  # gifts are worth their list price to the customer
        if line.kind is e.LineKind.GIFT:
            rule_id = _gift_rule(line)
            gift_value = quote.skus[line.sku_id].price * line.quantity
            rows.append(
                Redemption(
                    merchant_id=order.merchant_id,
                    order=order,
                    customer_id=order.customer_id,
                    rule_id=rule_id[:40],
                    stage=GIFT_STAGE,
                    promotion=quote.book.rows.get(rule_id),
                    sku_id=line.sku_id,
                    units=line.quantity,
                    amount=gift_value,
                )
            )
    Redemption.objects.bulk_create(rows)


def use_coupons(order: Order) -> None:
    """The order was paid: its locked coupons are used; a customer's first paid order issues the
    first-order coupons."""
    now = timezone.now()
    used = list(
        Coupon.objects.filter(order=order, status=CouponStatus.LOCKED).values_list("pk", "template_id")
    )
    if used:
        Coupon.objects.filter(pk__in=[pk for pk, _t in used], status=CouponStatus.LOCKED).update(
            status=CouponStatus.USED, used_at=now
        )
        # One UPDATE per template, in pk order: two orders paid at once that share templates take
        # the row locks in the same order and cannot deadlock.
        for template_id, count in sorted(Counter(template_id for _pk, template_id in used).items()):
            CouponTemplate.objects.filter(pk=template_id).update(used=F("used") + count)
        for pk, template_id in used:
            record_server_event(
                merchant_id=order.merchant_id,
                customer_id=order.customer_id,
                kind=EventKind.COUPON_USED,
                key=f"coupon:{pk}",
                properties={"coupon_id": pk, "template_id": template_id, "order_id": order.pk},
                occurred_at=now,
            )
    earlier = Order.objects.filter(customer_id=order.customer_id, paid_at__isnull=False).exclude(pk=order.pk)
    if not earlier.exists():
        issue_for_trigger(customer=order.customer, trigger=CouponTrigger.FIRST_ORDER)


def return_coupons(order: Order) -> None:
    """An unpaid order was cancelled: its coupons come back, its gifts go back on the shelf."""
    Coupon.objects.filter(order=order, status=CouponStatus.LOCKED).update(
        status=CouponStatus.UNUSED, order=None
    )
    if order.status != OrderStatus.CANCELLED:
        return
    for line in order.lines.filter(kind="gift"):
        rule_id = (
            Redemption.objects.filter(
                order=order, sku_id=line.sku_id, stage=GIFT_STAGE, promotion__isnull=False
            )
            .values_list("promotion_id", flat=True)
            .first()
        )
        if rule_id is not None:
            GiftStock.objects.filter(promotion_id=rule_id, sku_id=line.sku_id).update(
                remaining=F("remaining") + line.quantity, given=F("given") - line.quantity
            )
    Redemption.objects.filter(order=order).update(active=False)
