"""Customers as the console lists them, and the customer 360 page, scoped by merchant and by the
staff member's customer scope (a guide sees their own customers: ``siyu/members/scope.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Count, Exists, Max, Min, OuterRef, Prefetch, Q, QuerySet, Sum

from siyu.audience.models import CustomerTag
from siyu.console.selectors.overview import local_day_bounds
from siyu.events.models import Event
from siyu.members.models import Customer, GuideBinding
from siyu.members.scope import customers_visible_to
from siyu.orders.models import AfterSale, Order, OrderLine
from siyu.tenancy.models import Merchant, Role, Staff


@dataclass(frozen=True)
class CustomerFilters:
    q: str = ""
    source: str = ""
    city: str = ""
    bought: str = ""  # "yes", "no" or "" for everyone
    registered_from: date | None = None
    registered_to: date | None = None
    tag: int | None = None  # carries this tag (another merchant's tag id matches no one)
    guide: str = ""  # a guide's staff id, "none" for customers without a guide, "" for everyone


# Administrative suffixes a person may leave off: 上海 means 上海市, 浙江 means 浙江省.
PLACE_SUFFIXES = ("市", "省", "自治区", "特别行政区")


def city_spellings(text: str) -> list[str]:
    """The ways a stored city may spell what was typed: 上海 and 上海市 find each other.

    Addresses and imports hold either form, so the filter matches the bare name and the name with
    each administrative suffix (a typed suffix is dropped first).
    """
    name = text.strip()
    for suffix in PLACE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            break
    return [name, *(name + suffix for suffix in PLACE_SUFFIXES)]


def customer_list(staff: Staff, filters: CustomerFilters) -> QuerySet[Customer]:
    """The customers the staff member may see, filtered, newest first (with their guide); merged
    customers are part of their survivor."""
    merchant = staff.merchant
    qs = customers_visible_to(staff).filter(merged_into__isnull=True).select_related("guide")
    q = filters.q.strip()
    if q:
        qs = qs.filter(Q(nickname__icontains=q) | Q(phone=q))
    if filters.source:
        qs = qs.filter(first_touch_source=filters.source)
    if filters.city.strip():
        qs = qs.filter(city__in=city_spellings(filters.city))
    if filters.bought in ("yes", "no"):
        paid = Exists(Order.objects.filter(customer=OuterRef("pk"), paid_at__isnull=False))
        qs = qs.filter(paid if filters.bought == "yes" else ~paid)
    if filters.tag:
        carries = CustomerTag.objects.for_merchant(merchant).filter(
            tag_id=filters.tag, customer=OuterRef("pk")
        )
        qs = qs.filter(Exists(carries))
    if filters.guide == "none":
        qs = qs.filter(guide__isnull=True)
    elif filters.guide.isdigit():
        qs = qs.filter(guide_id=int(filters.guide))
    if filters.registered_from or filters.registered_to:
        lower, upper = local_day_bounds(
            merchant, filters.registered_from or date.min, filters.registered_to or date(9998, 12, 30)
        )
        if filters.registered_from:
            qs = qs.filter(registered_at__gte=lower)
        if filters.registered_to:
            qs = qs.filter(registered_at__lt=upper)
    return qs.order_by("-id")


@dataclass(frozen=True)
class Spend:
    """What a customer bought: paid orders, net amount (paid minus refunded) in fen, dates."""

    orders: int = 0
    net: int = 0
    refunded: int = 0
    first_paid_at: datetime | None = None
    last_paid_at: datetime | None = None

    @property
    def aov(self) -> int:
        return (2 * self.net + self.orders) // (2 * self.orders) if self.orders else 0


def _spend_rows(merchant: Merchant, customer_ids: list[int]) -> dict[int, Spend]:
    rows = (
        Order.objects.for_merchant(merchant)
        .filter(customer_id__in=customer_ids, paid_at__isnull=False)
        .order_by()
        .values("customer_id")
        .annotate(
            n=Count("id"),
            paid=Sum("paid_amount"),
            refunded=Sum("refunded_amount"),
            first=Min("paid_at"),
            last=Max("paid_at"),
        )
    )
    return {
        r["customer_id"]: Spend(r["n"], r["paid"] - r["refunded"], r["refunded"], r["first"], r["last"])
        for r in rows
    }


def spend_by_customer(merchant: Merchant, customers: list[Customer]) -> dict[int, Spend]:
    """Spend of each customer on a page, in one grouped query."""
    found = _spend_rows(merchant, [c.pk for c in customers]) if customers else {}
    return {c.pk: found.get(c.pk, Spend()) for c in customers}


def guide_choices(merchant_id: int) -> list[tuple[int, str]]:
    """The merchant's active shopping guides, as (staff id, name), by name: one query."""
    rows = Staff.objects.for_merchant(merchant_id).filter(role=Role.GUIDE, is_active=True)
    return list(rows.order_by("display_name", "id").values_list("id", "display_name"))


@dataclass
class Customer360:
    customer: Customer
    spend: Spend
    referrals: int
    guide_history: list[GuideBinding] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)
    after_sales: list[AfterSale] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    favourite_products: list[dict[str, Any]] = field(default_factory=list)


def customer_360(staff: Staff, customer_id: int, *, recent: int = 10) -> Customer360 | None:
    """Everything the customer page shows, in a fixed number of queries; None when the customer is
    not one the staff member may see."""
    merchant = staff.merchant
    customer = (
        customers_visible_to(staff)
        .filter(pk=customer_id)
        .select_related("referrer", "merged_into", "guide")
        .prefetch_related("identities", "contact_preferences", "addresses")
        .annotate(referral_count=Count("referrals", distinct=True))
        .first()
    )
    if customer is None:
        return None
    orders = list(
        Order.objects.for_merchant(merchant)
        .filter(customer=customer)
        .select_related("pickup_outlet")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("id")))
        .order_by("-id")[:recent]
    )
    after_sales = list(
        AfterSale.objects.for_merchant(merchant)
        .filter(customer=customer)
        .select_related("order")
        .order_by("-id")[:recent]
    )
    events = list(
        Event.objects.for_merchant(merchant).filter(customer=customer).order_by("-occurred_at")[:20]
    )
    bought = (
        OrderLine.objects.for_merchant(merchant)
        .filter(order__customer=customer, order__paid_at__isnull=False)
        .order_by()
        .values("product_id_snapshot", "product_name")
        .annotate(units=Sum("quantity"), spent=Sum("paid_amount"))
        .order_by("-units", "product_name")[:5]
    )
    favourites = [dict(row) for row in bought]
    history = list(
        GuideBinding.objects.for_merchant(merchant)
        .filter(customer=customer)
        .select_related("guide", "bound_by")
        .order_by("-id")[:5]
    )
    return Customer360(
        customer=customer,
        spend=_spend_rows(merchant, [customer.pk]).get(customer.pk, Spend()),
        referrals=customer.referral_count,
        guide_history=history,
        orders=orders,
        after_sales=after_sales,
        events=events,
        favourite_products=favourites,
    )
