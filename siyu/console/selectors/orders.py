"""Orders and after-sales as the console lists and shows them, scoped by merchant and outlets."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Prefetch, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from siyu.console.readable import punct
from siyu.console.selectors.overview import local_day_bounds
from siyu.core.money import format_yuan
from siyu.members.models import Customer
from siyu.members.scope import is_scoped, orders_visible_to
from siyu.orders.couriers import courier_label
from siyu.orders.models import (
    AfterSale,
    AfterSaleKind,
    AfterSaleLine,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    Payment,
)
from siyu.orders.services.timeline import SYSTEM, event_label, reason_label
from siyu.tenancy.models import Staff
from siyu.tenancy.services import outlet_scope

AFTER_SALE_KINDS = dict(AfterSaleKind.choices)


def visible_orders(staff: Staff) -> QuerySet[Order]:
    """The orders a staff member may see (``siyu/members/scope.py``): all of the merchant's, a
    guide's customers' orders, or the pickups at their outlets (and their guides' customers')."""
    return orders_visible_to(staff)


@dataclass(frozen=True)
class OrderFilters:
    status: str = ""
    fulfilment: str = ""
    q: str = ""
    created_from: date | None = None
    created_to: date | None = None
    customer_id: int | None = None
    flag: str = ""  # a colour, or "any" for every flagged order


def order_list(staff: Staff, filters: OrderFilters) -> QuerySet[Order]:
    """Orders for the list page, newest first; customer, outlet and lines come with the page."""
    qs = visible_orders(staff).alias(address_text=Cast("shipping_address", TextField()))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.fulfilment:
        qs = qs.filter(fulfilment=filters.fulfilment)
    if filters.customer_id:
        qs = qs.filter(customer_id=filters.customer_id)
    if filters.flag:
        qs = qs.exclude(flag="") if filters.flag == "any" else qs.filter(flag=filters.flag)
    if filters.created_from or filters.created_to:
        lower, upper = local_day_bounds(
            staff.merchant, filters.created_from or date.min, filters.created_to or date(9998, 12, 30)
        )
        if filters.created_from:
            qs = qs.filter(created_at__gte=lower)
        if filters.created_to:
            qs = qs.filter(created_at__lt=upper)
    q = filters.q.strip()
    if q:
        qs = qs.filter(_search(q))
    return (
        qs.select_related("customer", "pickup_outlet")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("id")))
        .order_by("-id")
    )


def _search(q: str) -> Q:
    """Order number, tracking number, pickup code, customer phone, or the recipient's name or phone.

    The address is JSON without an index: a plain substring test on its text (the term as typed,
    or JSON-escaped as SQLite stores non-ASCII) rules out almost every row before the exact JSON
    comparison runs, which made a phone search 4x faster on the demo's 44k orders.
    """
    in_text = Q(address_text__contains=q)
    escaped = json.dumps(q)[1:-1]
    if escaped != q:
        in_text |= Q(address_text__contains=escaped)
    in_address = in_text & (Q(shipping_address__recipient=q) | Q(shipping_address__phone=q))
    return Q(number=q) | Q(tracking_number=q) | Q(pickup_code=q) | Q(customer__phone=q) | in_address


def order_detail(staff: Staff, order_id: int) -> Order | None:
    """One order with everything its page shows, in a fixed number of queries."""
    return (
        visible_orders(staff)
        .filter(pk=order_id)
        .select_related("customer", "pickup_outlet")
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.order_by("id")),
            Prefetch("events", queryset=OrderEvent.objects.order_by("id")),
            Prefetch("payments", queryset=Payment.objects.order_by("id")),
            Prefetch("after_sales", queryset=AfterSale.objects.order_by("-id")),
        )
        .first()
    )


def actor_names(staff: Staff, order: Order, actors: list[str]) -> dict[str, str]:
    """What each actor of a timeline reads as: the customer's name, the staff member's name, 系统.

    The order's own customer is already loaded; other customers (one merged into this one) and
    staff members take one query each, whatever the number of events.
    """
    names: dict[str, str] = {SYSTEM: str(_("System"))}
    if order.customer_id:
        names[f"customer:{order.customer_id}"] = str(order.customer)

    def ids(prefix: str) -> set[int]:
        return {
            int(a.split(":", 1)[1])
            for a in actors
            if a.startswith(prefix) and a.split(":", 1)[1].isdigit() and a not in names
        }

    staff_ids, customer_ids = ids("staff:"), ids("customer:")
    if staff_ids:
        rows = Staff.objects.for_merchant(staff.merchant_id).filter(pk__in=staff_ids)
        names.update({f"staff:{pk}": name for pk, name in rows.values_list("id", "display_name")})
    if customer_ids:
        for person in Customer.objects.for_merchant(staff.merchant_id).filter(pk__in=customer_ids):
            names[f"customer:{person.pk}"] = str(person)
    for actor in actors:
        if actor not in names:  # a staff member or customer since deleted
            names[actor] = str(_("Staff member") if actor.startswith("staff:") else _("Customer"))
    return names


@dataclass(frozen=True)
class TimelineEntry:
    """One line of an order's history as the console shows it."""

    at: datetime
    label: str
    status: str = ""  # the status the order moved to, if it moved
    who: str = ""
    details: tuple[str, ...] = ()


# Order timestamps and the event kinds that already tell them: a timestamp no event tells (history
# imported or simulated without events, or written before events existed) becomes a line of its own.
MILESTONES: tuple[tuple[str, Any, tuple[str, ...]], ...] = (
    ("created_at", pgettext_lazy("order event", "Order placed"), ("created",)),
    ("paid_at", pgettext_lazy("order event", "Paid"), ("paid",)),
    ("shipped_at", pgettext_lazy("order event", "Shipped"), ("shipped",)),
    (
        "delivered_at",
        pgettext_lazy("order event", "Receipt confirmed"),
        ("receipt_confirmed", "receipt_auto_confirmed", "picked_up"),
    ),
    ("completed_at", pgettext_lazy("order event", "Completed"), ("completed",)),
    ("cancelled_at", pgettext_lazy("order event", "Cancelled"), ("cancelled",)),
    ("closed_at", pgettext_lazy("order event", "Closed"), ("closed", "refunded_and_closed")),
)


def _details(data: dict[str, Any]) -> tuple[str, ...]:
    """The event's data a person wants, labelled; internal keys stay out."""
    out: list[str] = []
    if data.get("carrier") or data.get("tracking_number"):
        out.append(f"{courier_label(str(data.get('carrier', '')))} {data.get('tracking_number', '')}".strip())
    if data.get("payment"):
        out.append(_("Payment %(number)s") % {"number": data["payment"]})
    if data.get("after_sale"):
        kind = AFTER_SALE_KINDS.get(data.get("after_sale_kind", ""), "")
        number = _("After-sale %(number)s") % {"number": data["after_sale"]}
        out.append(f"{number} · {kind}" if kind else number)
    for key in ("payable", "amount"):
        if isinstance(data.get(key), int):
            out.append(format_yuan(data[key]))
    for key in ("reason", "cancel_reason"):
        if data.get(key):
            out.append(reason_label(str(data[key])))
    prizes = [str(p["prize"]) for p in data.get("prizes", []) if isinstance(p, dict) and p.get("prize")]
    if prizes:
        out.append(_("Prizes: %(prizes)s") % {"prizes": punct().enum.join(prizes)})
    return tuple(str(d) for d in out)


def order_timeline(staff: Staff, order: Order) -> list[TimelineEntry]:
    """The order's whole history, oldest first: every event, plus the milestones no event tells."""
    events = list(order.events.all())
    names = actor_names(staff, order, [e.actor for e in events])
    statuses = dict(OrderStatus.choices)
    told = {e.kind for e in events}
    entries = [
        TimelineEntry(
            at=e.created_at,
            label=event_label(e.kind),
            status=str(statuses.get(e.to_status, e.to_status)) if e.to_status else "",
            who=names.get(e.actor, e.actor),
            details=_details(e.data if isinstance(e.data, dict) else {}),
        )
        for e in events
    ]
    for stamp, label, kinds in MILESTONES:
        when = getattr(order, stamp)
        if when is not None and not told.intersection(kinds):
            entries.append(TimelineEntry(at=when, label=str(label)))
    # A milestone and an event of the same instant: the milestone (the earlier step) goes first.
    return sorted(entries, key=lambda e: (e.at, bool(e.who)))


def after_sale_list(staff: Staff, *, status: str = "") -> QuerySet[AfterSale]:
    """After-sales of the orders the staff member may see, newest first."""
    qs = AfterSale.objects.for_merchant(staff.merchant_id)
    if is_scoped(staff) or outlet_scope(staff) is not None:
        qs = qs.filter(order_id__in=orders_visible_to(staff).values("pk"))
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("order", "customer").order_by("-id")


def after_sale_detail(staff: Staff, after_sale_id: int) -> AfterSale | None:
    lines = Prefetch("lines", queryset=AfterSaleLine.objects.select_related("order_line").order_by("id"))
    return (
        after_sale_list(staff)
        .filter(pk=after_sale_id)
        .select_related("reviewed_by")
        .prefetch_related(lines)
        .first()
    )
