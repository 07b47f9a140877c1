"""What happens to each demo order, decided before any service runs: the plans, and the planner that
draws them (who buys what, when, and each later step as an offset from the order's creation)."""

from __future__ import annotations

import bisect
import itertools
import math
import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from siyu.members.models import Customer
from siyu.orders.models import (
    AfterSaleKind,
    Order,
)
from siyu.simulate.demo_tables import (
    CANCEL_REASONS,
    HISTORY_DAYS,
    HISTORY_ORDERS,
    HOUR_WEIGHTS,
    ORDER_NOTES,
    ORDER_SOURCES,
    PARTIAL_REASONS,
    PENDING_ORDERS,
    PICKUP_OUTLET_BY_CITY,
    REFUND_BEFORE_SHIP_REASONS,
    REJECT_NOTES,
    RETURN_REASONS,
    SETTLED_AFTER_DAYS,
)
from siyu.tenancy.models import Outlet

if TYPE_CHECKING:
    from siyu.simulate.demo_builder import DemoBuilder


@dataclass
class Buyer:
    customer: Customer
    code: str
    registered_age: float  # days before the reference time
    weight: float
    city: str
    address_ids: list[int]


@dataclass
class AfterSalePlan:
    kind: str
    reason: str
    partial: bool
    requested: datetime
    approved: datetime | None = None
    rejected: datetime | None = None
    return_shipped: datetime | None = None
    returned: datetime | None = None
    note: str = ""

    @property
    def refund_at(self) -> datetime | None:
        """When the money goes back: on approval for refund-only, on receiving goods for returns."""
        return self.approved if self.kind == AfterSaleKind.REFUND_ONLY else self.returned


@dataclass
class OrderPlan:
    buyer: Buyer
    created: datetime
    lines: list[tuple[int, int]]
    outlet: Outlet | None
    address_id: int | None
    source: str
    note: str = ""
    coupon_ids: tuple[int, ...] | None = ()  # () = none; None = the best the customer holds
    points: int = 0  # the most points to spend
    add_ons: dict[int, int] = field(default_factory=dict)  # add-on promotion id -> units (加价购)
    payment_started: datetime | None = None
    paid: datetime | None = None
    cancelled: datetime | None = None
    cancel_reason: str = ""
    shipped: datetime | None = None
    delivered: datetime | None = None
    delivered_by: str = ""  # customer, auto or pickup
    after_sale: AfterSalePlan | None = None
    # Filled in while the services run.
    order: Order | None = None
    payment_number: str = ""
    after_sale_id: int | None = None


class OrderPlanner:
    """Plans the history's orders from the builder's buyers and stock; fills the builder's ``plans``
    (sorted by creation) and takes the units each plan holds off ``available``."""

    def __init__(self, builder: DemoBuilder) -> None:
        self.b = builder
        self.rng: random.Random = builder.rng

    def plan_orders(self) -> None:
        rng = self.rng
        self._buyers_by_age = [b for b in self.b.buyers if b.weight > 0]  # oldest first
        self._buyer_ages = [-b.registered_age for b in self._buyers_by_age]
        self._buyer_cum = list(itertools.accumulate(b.weight for b in self._buyers_by_age))
        for _ in range(HISTORY_ORDERS):
            age = self._order_age()
            plan = self._new_plan(age, self._created_at(age))
            if plan is not None:
                self._plan_fate(plan)
                self.b.plans.append(plan)
        self._plan_open_after_sales()
        for _ in range(PENDING_ORDERS):
            minutes = rng.uniform(3, 22)
            plan = self._new_plan(minutes / 1440, self.b.now - timedelta(minutes=minutes))
            if plan is not None:
                if rng.random() < 0.5:  # opened the cashier, has not paid yet
                    plan.payment_started = plan.created + timedelta(minutes=rng.uniform(0.3, 2))
                self.b.plans.append(plan)
        self.b.plans.sort(key=lambda p: p.created)

    def _order_age(self) -> float:
        """Days before now; a third uniform over the window, the rest rising towards now (growth)."""
        rng = self.rng
        while True:
            u = rng.random()
            age = HISTORY_DAYS * (u if rng.random() < 0.35 else 1 - math.sqrt(u))
            if age >= 0.04:  # keep the last hour for the orders awaiting payment
                return age

    def _created_at(self, age: float) -> datetime:
        """Settled orders get a realistic local hour; recent ones keep the exact offset (determinism)."""
        if age < SETTLED_AFTER_DAYS:
            return self.b.days_ago(age)
        rng = self.rng
        day = timezone.localtime(self.b.days_ago(age), self.b.tz).date()
        hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
        return datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60)), self.b.tz)

    def _new_plan(self, age: float, created: datetime) -> OrderPlan | None:
        rng = self.rng
        buyer = self._pick_buyer(age)
        outlet = None
        code = PICKUP_OUTLET_BY_CITY.get(buyer.city)
        if code and rng.random() < 0.35:
            outlet = self.b.outlets[code]
        lines = self._pick_lines(outlet)
        if not lines and outlet is not None:
            outlet, lines = None, self._pick_lines(None)
        if not lines:
            return None
        for sku_id, qty in lines:
            self.b.available[(sku_id, outlet.pk if outlet else None)] -= qty
        address_id = None
        if outlet is None:
            address_id = buyer.address_ids[0] if rng.random() < 0.8 else rng.choice(buyer.address_ids)
        return OrderPlan(
            buyer=buyer,
            created=created,
            lines=lines,
            outlet=outlet,
            address_id=address_id,
            source="outlet"
            if outlet and rng.random() < 0.3
            else rng.choices(list(ORDER_SOURCES), list(ORDER_SOURCES.values()))[0],
            note=rng.choice(ORDER_NOTES) if rng.random() < 0.06 else "",
        )

    def _pick_buyer(self, age: float) -> Buyer:
        """Someone registered at least a day before the order, weighted by how much they buy."""
        eligible = max(1, bisect.bisect_left(self._buyer_ages, -(age + 1)))
        return self.rng.choices(self._buyers_by_age[:eligible], cum_weights=self._buyer_cum[:eligible])[0]

    def _pick_lines(self, outlet: Outlet | None) -> list[tuple[int, int]]:
        rng = self.rng
        wanted = rng.choices([1, 2, 3, 4], [55, 30, 12, 3])[0]
        lines: dict[int, int] = {}
        products = [p for p, _skus, _w in self.b.on_sale]
        weights = [w for _p, _skus, w in self.b.on_sale]
        for _attempt in range(wanted * 4):
            if len(lines) == wanted:
                break
            index = rng.choices(range(len(products)), weights)[0]
            skus = self.b.on_sale[index][1]
            sku = rng.choices(skus, [5, 3, 2, 1][: len(skus)])[0]
            qty = rng.choices([1, 2, 3], [70, 20, 10])[0]
            key = (sku.pk, outlet.pk if outlet else None)
            if sku.pk not in lines and self.b.available.get(key, 0) >= qty:
                lines[sku.pk] = qty
        return sorted(lines.items())

    def _plan_fate(self, plan: OrderPlan) -> None:
        """Decide every later step as an offset from the order's creation."""
        rng = self.rng
        created, minutes, hours = plan.created, self.b.minutes, self.b.hours
        if rng.random() < 0.10:
            if rng.random() < 0.6:  # never paid: the payment timeout cancels it (worker polls every 30 s)
                if rng.random() < 0.4:
                    plan.payment_started = created + minutes(1, 5)
                plan.cancelled = created + timedelta(minutes=30, seconds=rng.uniform(0, 30))
                plan.cancel_reason = "payment_timeout"
            else:
                if rng.random() < 0.2:
                    plan.payment_started = created + minutes(0.5, 2)
                plan.cancelled = created + minutes(2.5, 25)
                plan.cancel_reason = rng.choice(CANCEL_REASONS)
            return
        pay_delay = rng.uniform(0.5, 12)
        plan.payment_started = created + timedelta(minutes=pay_delay * 0.6)
        plan.paid = created + timedelta(minutes=pay_delay)
        if rng.random() < 0.03:
            requested = plan.paid + minutes(10, 180)
            plan.after_sale = AfterSalePlan(
                AfterSaleKind.REFUND_ONLY,
                rng.choice(REFUND_BEFORE_SHIP_REASONS),
                False,
                requested,
                approved=requested + minutes(20, 480),
            )
            return
        if plan.outlet is not None:
            plan.delivered, plan.delivered_by = plan.paid + hours(0.5, 48), "pickup"
        else:
            plan.shipped = plan.paid + hours(2, 36)
            if rng.random() < 0.7:
                plan.delivered = plan.shipped + timedelta(days=rng.uniform(1, 4) + rng.uniform(0, 1.5))
                plan.delivered_by = "customer"
            else:  # never confirmed: the worker confirms it ten days after shipping
                due = plan.shipped + timedelta(days=self.b.merchant.auto_confirm_receipt_days)
                plan.delivered = min(due + minutes(0, 10), self.b.now) if due <= self.b.now else due
                plan.delivered_by = "auto"
        if rng.random() < 0.11:
            plan.after_sale = self._after_delivery(plan)

    def _after_delivery(self, plan: OrderPlan) -> AfterSalePlan:
        """An after-sale that settles within six days, before the seven-day window completes the order."""
        rng = self.rng
        delivered = plan.delivered
        assert delivered is not None
        hours = self.b.hours
        roll = rng.random()
        if roll < 0.45:
            requested = delivered + hours(2, 72)
            decided = requested + hours(1, 20)
            plan_ = AfterSalePlan(AfterSaleKind.REFUND_ONLY, rng.choice(PARTIAL_REASONS), True, requested)
            if rng.random() < 0.8:
                plan_.approved = decided
            else:
                plan_.rejected, plan_.note = decided, rng.choice(REJECT_NOTES)
            return plan_
        if roll < 0.8:
            requested = delivered + hours(2, 48)
            plan_ = AfterSalePlan(AfterSaleKind.RETURN_REFUND, rng.choice(RETURN_REASONS), False, requested)
            if rng.random() < 0.9:
                plan_.approved = requested + hours(1, 20)
                plan_.return_shipped = plan_.approved + hours(2, 20)
                plan_.returned = plan_.approved + hours(36, 72)
            else:
                plan_.rejected, plan_.note = requested + hours(1, 20), rng.choice(REJECT_NOTES)
            return plan_
        kind = rng.choice([AfterSaleKind.REFUND_ONLY, AfterSaleKind.RETURN_REFUND])
        requested = delivered + hours(24, 96)
        return AfterSalePlan(
            kind,
            rng.choice(RETURN_REASONS),
            False,
            requested,
            rejected=requested + hours(2, 20),
            note=rng.choice(REJECT_NOTES),
        )

    def _plan_open_after_sales(self) -> None:
        """Make sure some after-sales are still open now: awaiting review, and awaiting the goods.

        Natural rates leave about one open at any moment; a demo needs a few to act on.
        """
        rng = self.rng
        recent = [
            p
            for p in self.b.plans
            if p.after_sale is None
            and p.delivered is not None
            and self.b.days_ago(5) <= p.delivered <= self.b.now - timedelta(hours=4)
        ]
        recent.sort(key=lambda p: p.delivered or self.b.now, reverse=True)
        for i, plan in enumerate(recent[:7]):
            delivered = plan.delivered
            assert delivered is not None
            requested = delivered + (self.b.now - delivered) * rng.uniform(0.3, 0.7)
            if i < 4:  # awaiting review
                kind = AfterSaleKind.RETURN_REFUND if i % 2 else AfterSaleKind.REFUND_ONLY
                plan.after_sale = AfterSalePlan(
                    kind, rng.choice(PARTIAL_REASONS), kind == AfterSaleKind.REFUND_ONLY, requested
                )
            else:  # approved return, goods on their way back
                approved = requested + (self.b.now - requested) * rng.uniform(0.2, 0.6)
                plan.after_sale = AfterSalePlan(
                    AfterSaleKind.RETURN_REFUND,
                    rng.choice(RETURN_REASONS),
                    False,
                    requested,
                    approved=approved,
                    return_shipped=approved + (self.b.now - approved) * 0.5 if i % 2 else None,
                    returned=self.b.now + timedelta(days=rng.uniform(1, 2)),
                )
