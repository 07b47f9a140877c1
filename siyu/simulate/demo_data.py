"""The demo merchant: 山野茶铺 Shanye Tea, a tea and snacks brand with outlets in Shanghai and Hangzhou.

``load_demo`` builds a believable three-month history *through the same services the API calls*
(login, checkout, sandbox payments, shipping, pickups, after-sales), so the demo exercises the real
code paths and every invariant those services keep (stock, amounts, state machines) holds in the
data. Services stamp "now"; a history needs the past, so only timestamps are rewritten afterwards.

Determinism: everything is drawn from ``random.Random(seed)``, and every moment that decides an
order's state is an offset from one reference time, so a seed yields the same counts whenever it
runs. Orders older than ``SETTLED_AFTER_DAYS`` have finished every step whatever the clock says;
only those are moved onto a realistic hour of the day. Nothing touches the network.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace

from django.db import transaction
from django.db.models import Count

from siyu.catalog.models import Category, Product, Sku
from siyu.inventory.selectors import low_stock
from siyu.members.models import Customer
from siyu.orders.models import (
    AfterSale,
    AfterSaleStatus,
    Order,
    OrderStatus,
)
from siyu.simulate.demo_builder import _DemoBuilder
from siyu.simulate.demo_tables import (
    DEMO_PASSWORD,
    DEMO_SLUG,
)
from siyu.tenancy.models import Merchant, Outlet, Staff


@dataclass(frozen=True)
class StaffLogin:
    username: str
    role: str
    display_name: str
    outlets: tuple[str, ...]


@dataclass(frozen=True)
class DemoSummary:
    """What the demo merchant holds: read back from the database, so a re-run reports the same."""

    merchant_slug: str
    merchant_name: str
    outlets: int
    categories: int
    products: int
    skus: int
    customers: int
    customers_with_orders: int
    orders_by_status: dict[str, int]
    after_sales_by_status: dict[str, int]
    low_stock_levels: int
    logins: tuple[StaffLogin, ...]
    password: str = DEMO_PASSWORD
    sample_login_code: str = "demo-1"
    created: bool = field(default=False, compare=False)

    @property
    def orders(self) -> int:
        return sum(self.orders_by_status.values())

    def describe(self) -> list[str]:
        """Plain lines for a terminal; both management commands print these."""
        verb = "Loaded" if self.created else "Already present"
        statuses = ", ".join(f"{k} {v}" for k, v in self.orders_by_status.items())
        after_sales = ", ".join(f"{k} {v}" for k, v in self.after_sales_by_status.items() if v)
        return [
            f"{verb}: merchant '{self.merchant_slug}' ({self.merchant_name})",
            f"  outlets {self.outlets}, categories {self.categories}, products {self.products}, "
            f"skus {self.skus}, low-stock levels {self.low_stock_levels}",
            f"  customers {self.customers} ({self.customers_with_orders} have ordered)",
            f"  orders {self.orders}: {statuses}",
            f"  after-sales: {after_sales}",
            f"  staff logins (password {self.password}):",
            *(
                f"    {s.username:<20} {s.role:<15} {s.display_name}"
                + (f" - {', '.join(s.outlets)}" if s.outlets else "")
                for s in self.logins
            ),
        ]


def load_demo(*, seed: int = 7) -> DemoSummary:
    """Create the demo merchant with its history, or report the one already there.

    One transaction: a failure half-way leaves nothing behind, so the "already there" check can
    trust that a demo merchant is a complete one (and SQLite writes far faster in one batch).
    """
    existing = Merchant.objects.filter(slug=DEMO_SLUG).first()
    if existing is not None:
        return summarize(existing)
    with transaction.atomic():
        merchant = _DemoBuilder(random.Random(seed)).build()
    return replace(summarize(merchant), created=True)


def summarize(merchant: Merchant) -> DemoSummary:
    orders = dict(Order.objects.for_merchant(merchant).values_list("status").annotate(n=Count("id")))
    after_sales = dict(AfterSale.objects.for_merchant(merchant).values_list("status").annotate(n=Count("id")))
    staff = (
        Staff.objects.for_merchant(merchant).select_related("user").prefetch_related("outlets").order_by("id")
    )
    return DemoSummary(
        merchant_slug=merchant.slug,
        merchant_name=merchant.name,
        outlets=Outlet.objects.for_merchant(merchant).count(),
        categories=Category.objects.for_merchant(merchant).count(),
        products=Product.objects.for_merchant(merchant).count(),
        skus=Sku.objects.for_merchant(merchant).count(),
        customers=Customer.objects.for_merchant(merchant).count(),
        customers_with_orders=Order.objects.for_merchant(merchant).values("customer_id").distinct().count(),
        orders_by_status={s: orders.get(s, 0) for s in OrderStatus.values},
        after_sales_by_status={s: after_sales.get(s, 0) for s in AfterSaleStatus.values},
        low_stock_levels=low_stock(merchant=merchant).count(),
        logins=tuple(
            StaffLogin(s.user.username, s.role, s.display_name, tuple(o.name for o in s.outlets.all()))
            for s in staff
        ),
    )


# --- Plans: what happens to each order, decided before any service runs ----------------------------
