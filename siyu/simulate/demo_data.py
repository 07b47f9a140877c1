"""The demo merchant: 山野茶铺 Shanye Tea, a tea and snacks brand with outlets in Shanghai and Hangzhou.

``load_demo`` builds a believable three-month history *through the same services the API calls*
(login, checkout, sandbox payments, shipping, pickups, after-sales), so the demo exercises the real
code paths and every invariant those services keep (stock, amounts, state machines) holds in the
data. Services stamp "now"; a history needs the past, so only timestamps are rewritten afterwards.
On top of the history, ``demo_marketing`` and ``demo_customers`` put every marketing feature to work
(membership, coupons, promotions, one running activity of each playbook, tags, segments) with
customers taking part, so the console and the shop show all of it at once (docs/demo.md).

Determinism: everything is drawn from ``random.Random(seed)``, and every moment that decides an
order's state is an offset from one reference time, so a seed yields the same counts whenever it
runs. Orders older than ``SETTLED_AFTER_DAYS`` have finished every step whatever the clock says;
only those are moved onto a realistic hour of the day. Nothing touches the network.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import datetime

from django.db import transaction
from django.db.models import Count, Min, Q
from django.utils import timezone

from siyu.catalog.models import Category, Product, Sku
from siyu.inventory.selectors import low_stock
from siyu.members.login import exchanger_for
from siyu.members.loyalty.models import Membership
from siyu.members.models import Customer, CustomerIdentity, IdentityKind
from siyu.orders.models import (
    AfterSale,
    AfterSaleStatus,
    Order,
    OrderStatus,
)
from siyu.promotions.bargain.models import Bargain
from siyu.promotions.campaigns.models import AssistCampaign, DrawCampaign, SplitCampaign
from siyu.promotions.flashsale.models import FlashSale, FlashSaleStatus
from siyu.promotions.groupbuy.models import GroupBuy
from siyu.promotions.kit.models import ActivityStatus
from siyu.promotions.models import Coupon, CouponStatus, CouponTemplate
from siyu.promotions.presale.models import Presale, PresaleStatus
from siyu.simulate.demo_builder import DemoBuilder
from siyu.simulate.demo_tables import (
    DEMO_PASSWORD,
    DEMO_SLUG,
    SAMPLE_CODE,
)
from siyu.tenancy.models import Merchant, Outlet, Staff

PLAYBOOKS = ("flash_sale", "group_buy", "bargain", "presale", "assist", "split", "lottery", "blind_box")


@dataclass(frozen=True)
class StaffLogin:
    username: str
    role: str
    display_name: str
    outlets: tuple[str, ...]


@dataclass(frozen=True)
class SampleCustomer:
    """The customer the banner names: log in with ``code`` to see their history."""

    code: str
    nickname: str
    tier: str
    points: int
    orders: int
    coupons: int  # unused and still valid


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
    sample: SampleCustomer | None
    running: dict[str, int]  # playbook -> activities running now
    built_at: datetime | None = field(default=None, compare=False)
    password: str = DEMO_PASSWORD
    created: bool = field(default=False, compare=False)

    @property
    def orders(self) -> int:
        return sum(self.orders_by_status.values())

    @property
    def sample_login_code(self) -> str:
        return SAMPLE_CODE

    def describe(self, *, logins: bool = True) -> list[str]:
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
            "  running activities: " + ", ".join(f"{k} {v}" for k, v in self.running.items()),
            *([f"  staff logins (password {self.password}):", *self.login_lines("    ")] if logins else []),
        ]

    def login_lines(self, indent: str) -> list[str]:
        return [
            f"{indent}{s.username:<20} {s.role:<15} {s.display_name}"
            + (f" - {', '.join(s.outlets)}" if s.outlets else "")
            for s in self.logins
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
        merchant = DemoBuilder(random.Random(seed)).build()
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
        sample=_sample(merchant),
        running=running_activities(merchant),
        built_at=CouponTemplate.objects.for_merchant(merchant).aggregate(at=Min("created_at"))["at"],
    )


def _sample(merchant: Merchant) -> SampleCustomer | None:
    """The customer the sandbox login code ``SAMPLE_CODE`` signs in as (found as the login finds it)."""
    openid = exchanger_for(merchant).code_to_session(SAMPLE_CODE).openid
    identity = (
        CustomerIdentity.objects.for_merchant(merchant)
        .filter(kind=IdentityKind.MP_OPENID, value=openid)
        .select_related("customer")
        .first()
    )
    if identity is None:
        return None
    customer = identity.customer
    if customer.merged_into_id is not None:  # the login signs in as the survivor of a merge
        customer = Customer.objects.get(pk=customer.merged_into_id)
    membership = Membership.objects.filter(customer=customer).select_related("tier").first()
    now = timezone.now()
    usable = Coupon.objects.filter(customer=customer, status=CouponStatus.UNUSED).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gt=now)
    )
    return SampleCustomer(
        code=SAMPLE_CODE,
        nickname=customer.nickname,
        tier=membership.tier.name if membership and membership.tier else "",
        points=membership.points_balance if membership else 0,
        orders=Order.objects.filter(customer=customer).count(),
        coupons=usable.count(),
    )


def running_activities(merchant: Merchant, now: datetime | None = None) -> dict[str, int]:
    """How many activities of each playbook customers can take part in now."""
    now = now or timezone.now()
    live = {"status": "active", "starts_at__lte": now, "ends_at__gt": now}
    campaigns = {"status": ActivityStatus.ACTIVE, "starts_at__lte": now, "ends_at__gt": now}
    counts = {
        "flash_sale": FlashSale.objects.for_merchant(merchant).filter(
            status=FlashSaleStatus.RUNNING, starts_at__lte=now, ends_at__gt=now
        ),
        "group_buy": GroupBuy.objects.for_merchant(merchant).filter(**live),
        "bargain": Bargain.objects.for_merchant(merchant).filter(**live),
        "presale": Presale.objects.for_merchant(merchant).filter(
            status=PresaleStatus.ACTIVE, deposit_starts_at__lte=now, balance_ends_at__gt=now
        ),
        "assist": AssistCampaign.objects.for_merchant(merchant).filter(**campaigns),
        "split": SplitCampaign.objects.for_merchant(merchant).filter(**campaigns),
        "lottery": DrawCampaign.objects.for_merchant(merchant).filter(kind="pay_lottery", **campaigns),
        "blind_box": DrawCampaign.objects.for_merchant(merchant).filter(kind="blind_box", **campaigns),
    }
    return {key: counts[key].count() for key in PLAYBOOKS}


# --- Plans: what happens to each order, decided before any service runs ----------------------------
