"""What an order does to a membership: points spent at checkout, points and growth earned on
payment, and what a cancellation or refund gives back or takes back.

All of it runs inside the order's own transaction (checkout calls ``redeem_for_order``; the
order hooks in ``siyu.members.loyalty.hooks`` call the rest), and every write is keyed by the
order, so a replayed hook writes nothing twice. Refunds work on cumulative totals: after each
refund the order's entries are brought to ``share x what the order earned`` (the share refunded
so far), so partial refunds add up exactly and the last one takes the exact rest.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.db.models import Sum
from django.utils import timezone

from siyu.members.loyalty.models import FULL_RATE, GrowthEntry, GrowthKind, PointsEntry, PointsKind
from siyu.members.loyalty.services import ledger
from siyu.orders.models import Order, OrderLine


def earn_rates(order: Order, multiplier_bp: int, settings) -> tuple[int, int]:
    """(points, growth) a paid order earns: on the goods paid in cash (shipping and points excluded),
    points x the tier's multiplier, each rounded down."""
    base = max(order.payable_amount - order.shipping_fee, 0)
    points = base * settings.earn_points_per_yuan * multiplier_bp // (100 * FULL_RATE)
    growth = base * settings.growth_per_yuan // 100
    return points, growth


def redeem_for_order(*, order: Order, points: int) -> PointsEntry | None:
    """Spend ``points`` on a new order, in checkout's transaction; ``PointsInsufficient`` rolls the
    order back when a concurrent spend took them first."""
    now = timezone.now()
    move = ledger.Movement(
        order.merchant_id, order.customer_id, PointsKind.REDEEM, f"redeem:{order.pk}", now, order.pk
    )
    return ledger.debit_points(move, points)


def earn_for_order(order: Order) -> None:
    """Points and growth for a paid order, points multiplied by the tier held when it was paid."""
    settings = ledger.program(order.merchant_id)
    if settings is None:
        return
    now = timezone.now()
    membership = ledger.ensure_membership(
        merchant_id=order.merchant_id, customer_id=order.customer_id, now=now
    )
    multiplier = membership.tier.points_multiplier_bp if membership.tier else FULL_RATE
    points, growth = earn_rates(order, multiplier, settings)
    note = f"x{multiplier / FULL_RATE:g}" if multiplier != FULL_RATE else ""
    earn = ledger.Movement(
        order.merchant_id, order.customer_id, PointsKind.EARN, f"earn:{order.pk}", now, order.pk, note=note
    )
    ledger.credit_points(earn, points, expires_at=ledger.lot_expiry(settings, now))
    ledger.add_growth(replace(earn, kind=GrowthKind.ORDER, key=f"order:{order.pk}", note=""), growth)


def _sums(model: type[PointsEntry] | type[GrowthEntry], order: Order) -> dict[str, tuple[int, int]]:
    """kind -> (sum of deltas, sum of shortfalls) of the order's entries."""
    rows = model.objects.filter(merchant_id=order.merchant_id, order=order).values("kind")
    if model is PointsEntry:
        rows = rows.annotate(total=Sum("delta"), short=Sum("shortfall"))
        return {r["kind"]: (r["total"] or 0, r["short"] or 0) for r in rows}
    return {r["kind"]: (r["total"] or 0, 0) for r in rows.annotate(total=Sum("delta"))}


def return_for_cancel(order: Order) -> None:
    """An unpaid order was cancelled (by anyone, or its payment deadline): its points come back."""
    sums = _sums(PointsEntry, order)
    redeemed = -sums.get(PointsKind.REDEEM, (0, 0))[0]
    due = redeemed - sums.get(PointsKind.REDEEM_RETURN, (0, 0))[0]
    if due <= 0:
        return
    now = timezone.now()
    move = ledger.Movement(
        order.merchant_id,
        order.customer_id,
        PointsKind.REDEEM_RETURN,
        f"redeem_return:{order.pk}:cancel",
        now,
        order.pk,
    )
    ledger.credit_points(move, due, expires_at=ledger.lot_expiry(ledger.program(order.merchant_id), now))


@dataclass(frozen=True)
class Share:
    """The share of an order refunded so far: of the cash paid for goods, or of the units when the
    order was paid entirely in points."""

    refunded: int
    whole: int

    def of(self, total: int) -> int:
        if self.whole <= 0 or self.refunded >= self.whole:
            return total
        return total * self.refunded // self.whole


def refunded_share(order: Order) -> Share:
    totals = OrderLine.objects.filter(order=order).aggregate(
        paid=Sum("paid_amount"),
        refunded=Sum("refunded_amount"),
        units=Sum("quantity"),
        back=Sum("refunded_quantity"),
    )
    if totals["paid"]:
        return Share(totals["refunded"] or 0, totals["paid"])
    return Share(totals["back"] or 0, totals["units"] or 0)


def settle_refund(order: Order) -> None:
    """After a refund: give back the points the order spent and take back the points and growth it
    earned, each in the share refunded so far. Points already spent elsewhere are not taken below
    zero: the entry takes what is left and records the rest as its shortfall."""
    points, growth = _sums(PointsEntry, order), _sums(GrowthEntry, order)
    if not points and not growth:
        return
    share = refunded_share(order)
    now = timezone.now()
    settings = ledger.program(order.merchant_id)

    def move(kind: str, key: str) -> ledger.Movement:
        return ledger.Movement(order.merchant_id, order.customer_id, kind, key, now, order.pk)

    redeemed = -points.get(PointsKind.REDEEM, (0, 0))[0]
    target = share.of(redeemed)
    due = target - points.get(PointsKind.REDEEM_RETURN, (0, 0))[0]
    if due > 0:  # returned first, so the reversal below can take from them
        key = f"redeem_return:{order.pk}:{target}"
        ledger.credit_points(
            move(PointsKind.REDEEM_RETURN, key), due, expires_at=ledger.lot_expiry(settings, now)
        )
    earned = points.get(PointsKind.EARN, (0, 0))[0]
    total, short = points.get(PointsKind.REFUND_REVERSE, (0, 0))
    target = share.of(earned)
    due = target - (-total + short)
    if due > 0:
        ledger.debit_points_partly(
            move(PointsKind.REFUND_REVERSE, f"refund_reverse:{order.pk}:{target}"), due
        )
    grown = growth.get(GrowthKind.ORDER, (0, 0))[0]
    target = share.of(grown)
    due = target + growth.get(GrowthKind.REFUND_REVERSE, (0, 0))[0]
    if due > 0:
        ledger.add_growth(move(GrowthKind.REFUND_REVERSE, f"growth_reverse:{order.pk}:{target}"), -due)
