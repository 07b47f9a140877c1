"""Builds the demo merchant's history through the real services (see ``demo_data``).

``DemoBuilder`` holds what one build shares (the seed's ``random.Random``, the reference time, the
outlets, staff, stock, buyers and order plans) and runs the steps in the order time would have run
them; each step lives with its kind of data:

    demo_shop.py        outlets and staff, the catalogue and its stock, today's stocktake
    demo_signups.py     the customers signing up (profiles, phones, consent, addresses)
    demo_plans.py       the order plans and the planner that draws them
    demo_history.py     the plans run through checkout, payment, fulfilment and after-sales,
                        then moved to their time
    demo_marketing.py   membership, coupons, promotions, activities, tags and segments, with
                        demo_customers.py taking part

Every step draws from the one ``rng`` in this order, so a seed yields the same demo.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from siyu.catalog.models import Product, Sku
from siyu.members.models import Customer
from siyu.orders.models import Order
from siyu.orders.services import lifecycle
from siyu.simulate.demo_history import DemoHistory
from siyu.simulate.demo_marketing import DemoMarketing
from siyu.simulate.demo_plans import Buyer, OrderPlan, OrderPlanner
from siyu.simulate.demo_shop import DemoShop
from siyu.simulate.demo_signups import DemoSignups
from siyu.simulate.demo_tables import DEMO_NAME, DEMO_SLUG
from siyu.tenancy.models import Merchant, Outlet, Staff


class DemoBuilder:
    """Builds the demo merchant step by step; one instance, one seed, one reference time."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.now = timezone.now()
        self.tz = ZoneInfo("UTC")  # the merchant's zone, once it exists
        self.outlets: dict[str, Outlet] = {}
        self.staff: dict[str, Staff] = {}
        self.on_sale: list[tuple[Product, list[Sku], int]] = []
        self.available: dict[tuple[int, int | None], int] = {}
        self.buyers: list[Buyer] = []
        self.plans: list[OrderPlan] = []
        self.history = DemoHistory(self)

    def days_ago(self, days: float) -> datetime:
        return self.now - timedelta(days=days)

    def due(self, moment: datetime | None) -> bool:
        """Whether a planned step has happened by the reference time (and so is run now)."""
        return moment is not None and moment <= self.now

    def minutes(self, low: float, high: float) -> timedelta:
        return timedelta(minutes=self.rng.uniform(low, high))

    def hours(self, low: float, high: float) -> timedelta:
        return timedelta(hours=self.rng.uniform(low, high))

    def build(self) -> Merchant:
        """Plan every order first, then run the services in the order time would have run them.

        The worker's own services confirm and complete orders; they look at shipping and delivery
        dates, so those are moved into the past before each of them runs.
        """
        self.merchant = Merchant.objects.create(slug=DEMO_SLUG, name=DEMO_NAME)
        self.tz = ZoneInfo(self.merchant.timezone)
        shop, history = DemoShop(self), self.history
        shop.outlets_and_staff()
        marketing = DemoMarketing(self)
        marketing.set_up_membership()  # the programme ran all along: the history earns points
        shop.catalogue()
        DemoSignups(self).customers()
        OrderPlanner(self).plan_orders()
        history.run_checkout_and_fulfilment(self.plans)
        history.backdate_shipping(self.plans)
        lifecycle.auto_confirm_receipts(now=self.now)
        history.run_after_sales(self.plans)
        history.backdate_orders(self.plans)
        lifecycle.auto_complete_orders(now=self.now)
        history.backdate_completions()
        shop.stocktake()
        marketing.build()
        return self.merchant

    # --- what the marketing layer runs through the history's machinery -----------------------------

    def run_recent_plans(self, plans: list[OrderPlan], *, first_key: int) -> None:
        """Orders of the last days (nothing the worker would do is due yet): place, pay, ship and
        deliver them through the services, then move them to their time."""
        self.history.run_recent_plans(plans, first_key=first_key)

    def pay(self, customer: Customer, order: Order, *, settle: bool = True) -> str:
        """Open the order's sandbox payment and, with ``settle``, land its signed notification."""
        return self.history.pay(customer, order, settle=settle)
