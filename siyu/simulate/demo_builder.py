"""Builds the demo merchant's history through the real services (see ``demo_data``)."""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Case, DateTimeField, OuterRef, Subquery, Value, When
from django.utils import timezone

from siyu.catalog.models import Category, Product, ProductStatus, Sku
from siyu.catalog.services import SkuInput, create_category, create_product
from siyu.inventory.models import MovementKind, StockLevel, StockMovement
from siyu.inventory.services import set_stock
from siyu.members.loyalty.models import GrowthEntry, GrowthKind, PointsEntry, PointsKind
from siyu.members.models import Address, Channel, Customer, CustomerIdentity, Gender, Source
from siyu.members.services import bind_phone, login_with_code, save_address, set_contact_preference
from siyu.orders.gateways.sandbox import SandboxGateway
from siyu.orders.models import (
    AfterSale,
    AfterSaleKind,
    Fulfilment,
    Order,
    OrderEvent,
    OrderStatus,
    Payment,
    PaymentNotification,
    Refund,
)
from siyu.orders.services import aftersales, checkout, lifecycle, payments
from siyu.promotions.models import Coupon
from siyu.simulate.demo_marketing import DemoMarketing
from siyu.simulate.demo_plans import AfterSalePlan, Buyer, OrderPlan
from siyu.simulate.demo_tables import (
    CAMPAIGNS,
    CANCEL_REASONS,
    CARRIERS,
    CATEGORIES,
    COMMUNITIES,
    CONSENT,
    CUSTOMER_COUNT,
    DEMO_NAME,
    DEMO_PASSWORD,
    DEMO_SLUG,
    GIVEN_NAMES,
    HISTORY_DAYS,
    HISTORY_ORDERS,
    HOUR_WEIGHTS,
    NICK_HEADS,
    NICK_SINGLE,
    NICK_TAILS,
    OFFICE_TOWERS,
    ORDER_NOTES,
    ORDER_SOURCES,
    OUTLETS,
    PARTIAL_REASONS,
    PENDING_ORDERS,
    PHONE_PREFIXES,
    PICKUP_OUTLET_BY_CITY,
    PRODUCTS,
    QUIET_HOURS,
    REFUND_BEFORE_SHIP_REASONS,
    REGIONS,
    REJECT_NOTES,
    RETURN_REASONS,
    SETTLED_AFTER_DAYS,
    SOURCE_WEIGHTS,
    STAFF,
    SURNAMES,
    CatalogueEntry,
)
from siyu.simulate.product_art import product_media
from siyu.tenancy.models import AuditEntry, Merchant, Outlet, Role, Staff
from siyu.tenancy.services import create_staff


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
        self.gateway = SandboxGateway()

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
        self._outlets_and_staff()
        marketing = DemoMarketing(self)
        marketing.set_up_membership()  # the programme ran all along: the history earns points
        self._catalogue()
        self._customers()
        self._plan_orders()
        self._run_checkout_and_fulfilment(self.plans)
        self._backdate_shipping(self.plans)
        lifecycle.auto_confirm_receipts(now=self.now)
        self._run_after_sales(self.plans)
        self._backdate_orders(self.plans)
        lifecycle.auto_complete_orders(now=self.now)
        self._backdate_completions()
        self._stocktake()
        marketing.build()
        return self.merchant

    # --- merchant, outlets, staff ------------------------------------------------------------------

    def _outlets_and_staff(self) -> None:
        Merchant.objects.filter(pk=self.merchant.pk).update(created_at=self.days_ago(420))
        for opened, spec in zip((400, 300, 150), OUTLETS, strict=True):
            outlet = Outlet.objects.create(merchant=self.merchant, **spec)
            Outlet.objects.filter(pk=outlet.pk).update(created_at=self.days_ago(opened))
            self.outlets[outlet.code] = outlet
        for username, role, display_name, outlet_codes in STAFF:
            staff = create_staff(
                merchant=self.merchant,
                username=username,
                password=DEMO_PASSWORD,
                role=role,
                display_name=display_name,
                outlet_ids=[self.outlets[c].pk for c in outlet_codes],
            )
            self.staff[role] = staff
        Staff.objects.for_merchant(self.merchant).update(created_at=self.days_ago(410))

    # --- catalogue and stock -----------------------------------------------------------------------

    def _catalogue(self) -> None:
        leaves: dict[str, Category] = {}
        for top_order, (top_name, children) in enumerate(CATEGORIES.items()):
            top = create_category(
                merchant=self.merchant, name=top_name, sort_order=top_order, acting_staff=None
            )
            for order, name in enumerate(children):
                leaves[name] = create_category(
                    merchant=self.merchant, name=name, parent_id=top.pk, sort_order=order, acting_staff=None
                )
        rng = self.rng
        pickup_outlets = [self.outlets[c] for c in ("SH-XTD", "HZ-HB")]
        for number, p in enumerate(PRODUCTS, start=1):
            skus = [
                SkuInput(
                    code=f"SY{number:03d}-{i + 1}",
                    specs={p.spec_key: spec},
                    price=price,
                    list_price=(price * (100 + p.markup_pct) // 10000) * 100 if p.markup_pct else 0,
                    cost=price * p.cost_pct // 100,
                    barcode=_ean13(f"693{number:04d}{i + 1:05d}"),
                    weight_grams=grams,
                    stock=self._opening_stock(p),
                )
                for i, (spec, price, grams) in enumerate(p.skus)
            ]
            product = create_product(
                merchant=self.merchant,
                name=p.name,
                skus=skus,
                category_id=leaves[p.category].pk,
                roles=list(p.roles),
                status=p.status,
                acting_staff=None,
                subtitle=p.subtitle,
                selling_points=list(p.points),
                description="。".join(p.points) + "。",
                **product_media(merchant=self.merchant, name=p.name, key=p.image, points=p.points),
                keywords=p.keywords,
                sort_order=p.popularity * 10,
            )
            created = self.days_ago(rng.uniform(100, 400))
            Product.objects.filter(pk=product.pk).update(created_at=created, updated_at=created)
            StockMovement.objects.filter(stock__sku__product=product).update(created_at=created)
            AuditEntry.objects.filter(object_type="catalog.product", object_id=str(product.pk)).update(
                created_at=created
            )
            sku_rows = list(product.skus.order_by("id"))
            for sku in sku_rows:
                self.available[(sku.pk, None)] = StockLevel.objects.get(sku=sku, outlet=None).on_hand
            if p.status != ProductStatus.ON_SALE:
                continue
            self.on_sale.append((product, sku_rows, p.popularity))
            for sku in sku_rows:
                for outlet, chance in zip(pickup_outlets, (0.7, 0.6), strict=True):
                    if rng.random() < chance:
                        self._outlet_stock(sku, outlet, rng.randint(15, 60))
                if p.category in CATEGORIES["茶叶"] and rng.random() < 0.4:
                    # The tea room keeps a small tasting shelf: a lower alert line suits it.
                    self._outlet_stock(sku, self.outlets["HZ-LJ"], rng.randint(5, 20), threshold=3)
        AuditEntry.objects.filter(
            merchant=self.merchant, object_type__in=["catalog.category", "tenancy.staff"]
        ).update(created_at=self.days_ago(410))

    def _opening_stock(self, p: CatalogueEntry) -> int:
        if p.status == ProductStatus.DRAFT:
            return 0
        if p.status == ProductStatus.OFF_SHELF:
            return self.rng.randint(0, 30)
        return self.rng.randint(150, 600)

    def _outlet_stock(self, sku: Sku, outlet: Outlet, units: int, threshold: int | None = None) -> None:
        set_stock(
            merchant=self.merchant,
            sku=sku,
            on_hand=units,
            outlet=outlet,
            low_stock_threshold=threshold,
            note="门店到货",
        )
        self.available[(sku.pk, outlet.pk)] = units

    # --- customers ---------------------------------------------------------------------------------

    def _customers(self) -> None:
        rng = self.rng
        # More sign-ups lately (the brand is growing): density rises linearly towards now.
        ages = sorted((365 * (1 - math.sqrt(rng.random())) for _ in range(CUSTOMER_COUNT)), reverse=True)
        sources, source_weights = list(SOURCE_WEIGHTS), list(SOURCE_WEIGHTS.values())
        regions_cum = list(itertools.accumulate(r[4] for r in REGIONS))
        phones: set[str] = set()
        for index, age in enumerate(ages, start=1):
            source = rng.choices(sources, source_weights)[0]
            referrer_id = (
                rng.choice(self.buyers).customer.pk if source == Source.REFERRAL and self.buyers else None
            )
            code = f"demo-{index}"
            customer = login_with_code(
                merchant=self.merchant,
                code=code,
                source=source,
                campaign=rng.choice(CAMPAIGNS.get(source, [""])),
                referrer_id=referrer_id,
            ).customer
            province, city, districts, streets, _weight = rng.choices(REGIONS, cum_weights=regions_cum)[0]
            gender = rng.choices([Gender.FEMALE, Gender.MALE, Gender.UNKNOWN], [55, 35, 10])[0]
            profile: dict = {
                "nickname": self._nickname(),
                "gender": gender,
                "registered_at": self.days_ago(age),
            }
            if rng.random() < 0.85:
                profile.update(province=province, city=city, district=rng.choice(districts))
            if rng.random() < 0.65:
                profile["birthday"] = date(
                    timezone.localdate().year - rng.randint(18, 60), rng.randint(1, 12), rng.randint(1, 28)
                )
            if rng.random() < 0.35:
                profile["quiet_hours_start"], profile["quiet_hours_end"] = rng.choice(QUIET_HOURS)
            # Profile fields come from WeChat and the customer's own edits; one UPDATE sets them
            # together with the backdated registration time.
            Customer.objects.filter(pk=customer.pk).update(**profile)
            phone = None
            if rng.random() < 0.6:
                phone = self._phone(phones)
                bind_phone(customer=customer, phone=phone)
            for channel, yes, no in CONSENT:
                if channel == Channel.SMS and phone is None:
                    continue
                roll = rng.random()
                if roll < yes + no:
                    set_contact_preference(customer=customer, channel=channel, opted_in=roll < yes)
            # About a third never order: the semi-private members that marketing tries to convert.
            weight = 0.0 if rng.random() < 0.3 else rng.lognormvariate(0, 0.9)
            if index == 1:
                weight = 12.0  # demo-1, the login the demo prints, is a loyal customer with history
            address_ids = []
            if weight > 0 or rng.random() < 0.4:
                address_ids = self._addresses(
                    customer, phone or self._phone(phones), province, city, districts, streets
                )
            self.buyers.append(Buyer(customer, code, age, weight, city, address_ids))
        # Identities and addresses appeared when the customer did.
        registered = Subquery(Customer.objects.filter(pk=OuterRef("customer_id")).values("registered_at")[:1])
        CustomerIdentity.objects.for_merchant(self.merchant).update(created_at=registered)
        Address.objects.for_merchant(self.merchant).update(created_at=registered)

    def _nickname(self) -> str:
        rng = self.rng
        if rng.random() < 0.25:
            return rng.choice(NICK_SINGLE)
        return rng.choice(NICK_HEADS) + rng.choice(NICK_TAILS)

    def _person(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN_NAMES)

    def _phone(self, taken: set[str]) -> str:
        while True:
            phone = self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if phone not in taken:
                taken.add(phone)
                return phone

    def _addresses(
        self,
        customer: Customer,
        phone: str,
        province: str,
        city: str,
        districts: list[str],
        streets: list[str],
    ) -> list[int]:
        rng = self.rng
        home = save_address(
            customer=customer,
            recipient=self._person(),
            phone=phone,
            province=province,
            city=city,
            district=rng.choice(districts),
            detail=f"{rng.choice(streets)}{rng.randint(1, 1999)}号{rng.choice(COMMUNITIES)}"
            f"{rng.randint(1, 30)}幢{rng.randint(1, 28)}0{rng.randint(1, 4)}室",
            is_default=True,
        )
        ids = [home.pk]
        if rng.random() < 0.2:
            office = save_address(
                customer=customer,
                recipient=home.recipient,
                phone=phone,
                province=province,
                city=city,
                district=rng.choice(districts),
                detail=f"{rng.choice(streets)}{rng.randint(1, 999)}号"
                f"{rng.choice(OFFICE_TOWERS)}{rng.randint(2, 30)}楼前台",
            )
            ids.append(office.pk)
        return ids

    # --- order plans -------------------------------------------------------------------------------

    def _plan_orders(self) -> None:
        rng = self.rng
        self._buyers_by_age = [b for b in self.buyers if b.weight > 0]  # oldest first
        self._buyer_ages = [-b.registered_age for b in self._buyers_by_age]
        self._buyer_cum = list(itertools.accumulate(b.weight for b in self._buyers_by_age))
        for _ in range(HISTORY_ORDERS):
            age = self._order_age()
            plan = self._new_plan(age, self._created_at(age))
            if plan is not None:
                self._plan_fate(plan)
                self.plans.append(plan)
        self._plan_open_after_sales()
        for _ in range(PENDING_ORDERS):
            minutes = rng.uniform(3, 22)
            plan = self._new_plan(minutes / 1440, self.now - timedelta(minutes=minutes))
            if plan is not None:
                if rng.random() < 0.5:  # opened the cashier, has not paid yet
                    plan.payment_started = plan.created + timedelta(minutes=rng.uniform(0.3, 2))
                self.plans.append(plan)
        self.plans.sort(key=lambda p: p.created)

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
            return self.days_ago(age)
        rng = self.rng
        day = timezone.localtime(self.days_ago(age), self.tz).date()
        hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
        return datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60)), self.tz)

    def _new_plan(self, age: float, created: datetime) -> OrderPlan | None:
        rng = self.rng
        buyer = self._pick_buyer(age)
        outlet = None
        code = PICKUP_OUTLET_BY_CITY.get(buyer.city)
        if code and rng.random() < 0.35:
            outlet = self.outlets[code]
        lines = self._pick_lines(outlet)
        if not lines and outlet is not None:
            outlet, lines = None, self._pick_lines(None)
        if not lines:
            return None
        for sku_id, qty in lines:
            self.available[(sku_id, outlet.pk if outlet else None)] -= qty
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
        products = [p for p, _skus, _w in self.on_sale]
        weights = [w for _p, _skus, w in self.on_sale]
        for _attempt in range(wanted * 4):
            if len(lines) == wanted:
                break
            index = rng.choices(range(len(products)), weights)[0]
            skus = self.on_sale[index][1]
            sku = rng.choices(skus, [5, 3, 2, 1][: len(skus)])[0]
            qty = rng.choices([1, 2, 3], [70, 20, 10])[0]
            key = (sku.pk, outlet.pk if outlet else None)
            if sku.pk not in lines and self.available.get(key, 0) >= qty:
                lines[sku.pk] = qty
        return sorted(lines.items())

    def _plan_fate(self, plan: OrderPlan) -> None:
        """Decide every later step as an offset from the order's creation."""
        rng = self.rng
        created, minutes, hours = plan.created, self.minutes, self.hours
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
                due = plan.shipped + timedelta(days=self.merchant.auto_confirm_receipt_days)
                plan.delivered = min(due + minutes(0, 10), self.now) if due <= self.now else due
                plan.delivered_by = "auto"
        if rng.random() < 0.11:
            plan.after_sale = self._after_delivery(plan)

    def _after_delivery(self, plan: OrderPlan) -> AfterSalePlan:
        """An after-sale that settles within six days, before the seven-day window completes the order."""
        rng = self.rng
        delivered = plan.delivered
        assert delivered is not None
        hours = self.hours
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
            for p in self.plans
            if p.after_sale is None
            and p.delivered is not None
            and self.days_ago(5) <= p.delivered <= self.now - timedelta(hours=4)
        ]
        recent.sort(key=lambda p: p.delivered or self.now, reverse=True)
        for i, plan in enumerate(recent[:7]):
            delivered = plan.delivered
            assert delivered is not None
            requested = delivered + (self.now - delivered) * rng.uniform(0.3, 0.7)
            if i < 4:  # awaiting review
                kind = AfterSaleKind.RETURN_REFUND if i % 2 else AfterSaleKind.REFUND_ONLY
                plan.after_sale = AfterSalePlan(
                    kind, rng.choice(PARTIAL_REASONS), kind == AfterSaleKind.REFUND_ONLY, requested
                )
            else:  # approved return, goods on their way back
                approved = requested + (self.now - requested) * rng.uniform(0.2, 0.6)
                plan.after_sale = AfterSalePlan(
                    AfterSaleKind.RETURN_REFUND,
                    rng.choice(RETURN_REASONS),
                    False,
                    requested,
                    approved=approved,
                    return_shipped=approved + (self.now - approved) * 0.5 if i % 2 else None,
                    returned=self.now + timedelta(days=rng.uniform(1, 2)),
                )

    # --- running the services ----------------------------------------------------------------------

    def _run_checkout_and_fulfilment(self, plans: list[OrderPlan], *, first_key: int = 1) -> None:
        operator, manager = self.staff[Role.OPERATOR], self.staff[Role.OUTLET_MANAGER]
        for key, plan in enumerate(plans, start=first_key):
            customer = plan.buyer.customer
            request = checkout.CheckoutRequest(
                lines=[checkout.LineRequest(sku_id, qty) for sku_id, qty in plan.lines],
                fulfilment=Fulfilment.PICKUP if plan.outlet else Fulfilment.DELIVERY,
                address_id=plan.address_id,
                pickup_outlet_id=plan.outlet.pk if plan.outlet else None,
                note=plan.note,
                source=plan.source,
                coupon_ids=plan.coupon_ids,
                add_ons=plan.add_ons,
                points=plan.points,
            )
            order, _created = checkout.place_order(
                customer=customer, request=request, idempotency_key=f"demo-order-{key}"
            )
            plan.order = order
            if plan.payment_started is not None:
                plan.payment_number = self.pay(customer, order, settle=self.due(plan.paid))
            if self.due(plan.cancelled):
                actor = None if plan.cancel_reason == "payment_timeout" else customer
                lifecycle.cancel_order(order=order, actor=actor, reason=plan.cancel_reason)
                for sku_id, qty in plan.lines:
                    self.available[(sku_id, plan.outlet.pk if plan.outlet else None)] += qty
            if self.due(plan.shipped):
                carrier, prefix, digits = self.rng.choice(CARRIERS)
                tracking = prefix + "".join(str(self.rng.randrange(10)) for _ in range(digits))
                lifecycle.ship_order(
                    staff=operator, order_id=order.pk, carrier=carrier, tracking_number=tracking
                )
            if plan.delivered_by == "customer" and self.due(plan.delivered):
                lifecycle.confirm_receipt(customer=customer, order_id=order.pk)
            if plan.delivered_by == "pickup" and self.due(plan.delivered):
                order.refresh_from_db(fields=["pickup_code"])
                verifier = manager if plan.outlet and plan.outlet.code == "SH-XTD" else operator
                lifecycle.verify_pickup(staff=verifier, code=order.pickup_code)

    def run_recent_plans(self, plans: list[OrderPlan], *, first_key: int) -> None:
        """Orders of the last days (nothing the worker would do is due yet): place, pay, ship and
        deliver them through the services, then move them to their time."""
        self._run_checkout_and_fulfilment(plans, first_key=first_key)
        self._backdate_shipping(plans)
        self._backdate_orders(plans)

    def pay(self, customer: Customer, order: Order, *, settle: bool = True) -> str:
        """Open the order's sandbox payment and, with ``settle``, land its signed notification."""
        started = payments.start_payment(customer=customer, order_id=order.pk, gateway=self.gateway.name)
        if settle:
            body, headers = self.gateway.build_notification(
                payment_number=started.payment.number, amount=started.payment.amount
            )
            payments.receive_notification(gateway=self.gateway.name, body=body, headers=headers)
        return started.payment.number

    def _backdate_shipping(self, plans: list[OrderPlan]) -> None:
        """Shipping dates must be in the past before the auto-confirm service can act on them."""
        for plan in plans:
            if plan.order is not None and self.due(plan.shipped):
                Order.objects.filter(pk=plan.order.pk).update(shipped_at=plan.shipped)

    def _run_after_sales(self, plans: list[OrderPlan]) -> None:
        service = self.staff[Role.SERVICE]
        for plan in plans:
            spec, order = plan.after_sale, plan.order
            if spec is None or order is None or not self.due(spec.requested):
                continue
            customer = plan.buyer.customer
            lines = None
            if spec.partial:
                line = self.rng.choice(list(order.lines.order_by("id")))
                lines = [aftersales.AfterSaleLineRequest(line.pk, 1)]
            after_sale = aftersales.request_after_sale(
                customer=customer, order_id=order.pk, kind=spec.kind, reason=spec.reason, lines=lines
            )
            plan.after_sale_id = after_sale.pk
            if self.due(spec.rejected):
                aftersales.reject_after_sale(staff=service, after_sale_id=after_sale.pk, note=spec.note)
            if self.due(spec.approved):
                aftersales.approve_after_sale(staff=service, after_sale_id=after_sale.pk, note="同意")
            if self.due(spec.return_shipped):
                carrier, prefix, digits = self.rng.choice(CARRIERS)
                tracking = prefix + "".join(str(self.rng.randrange(10)) for _ in range(digits))
                aftersales.submit_return_shipment(
                    customer=customer, after_sale_id=after_sale.pk, carrier=carrier, tracking_number=tracking
                )
            if self.due(spec.returned):
                aftersales.confirm_goods_returned(staff=service, after_sale_id=after_sale.pk)

    # --- moving the history into the past ----------------------------------------------------------

    def _backdate_orders(self, plans: list[OrderPlan]) -> None:
        for plan in plans:
            order = plan.order
            assert order is not None
            order.refresh_from_db(fields=["status", "number"])
            spec = plan.after_sale if plan.after_sale_id else None
            refund_at = spec.refund_at if spec and self.due(spec.refund_at) else None
            stamps = {
                "created_at": plan.created,
                "expires_at": plan.created + timedelta(minutes=self.merchant.payment_timeout_minutes),
                # The number carries the local date it was placed on, like a real one.
                "number": order.number[:1]
                + f"{timezone.localtime(plan.created, self.tz):%y%m%d}"
                + order.number[7:],
            }
            for name in ("paid", "cancelled", "shipped", "delivered"):
                if self.due(getattr(plan, name)):
                    stamps[f"{name}_at"] = getattr(plan, name)
            if order.status == OrderStatus.CLOSED and refund_at:
                stamps["closed_at"] = refund_at
            Order.objects.filter(pk=order.pk).update(**stamps)

            event_times = {
                "created": plan.created,
                "payment_started": plan.payment_started,
                "paid": plan.paid,
                "cancelled": plan.cancelled,
                "shipped": plan.shipped,
                "receipt_confirmed": plan.delivered,
                "receipt_auto_confirmed": plan.delivered,
                "picked_up": plan.delivered,
            }
            movement_times: dict[str, datetime | None] = {
                MovementKind.RESERVE: plan.created,
                MovementKind.DEDUCT: plan.paid,
                MovementKind.RELEASE: plan.cancelled,
            }
            if spec is not None:
                event_times.update(
                    after_sale_requested=spec.requested,
                    after_sale_rejected=spec.rejected,
                    refunded=refund_at,
                    closed=refund_at,
                )
                movement_times[MovementKind.RETURN] = refund_at
                self._backdate_after_sale(plan, spec, refund_at)
            _update_times(OrderEvent.objects.filter(order_id=order.pk), "kind", event_times)
            _update_times(
                StockMovement.objects.filter(merchant=self.merchant, order_id=order.pk),
                "kind",
                movement_times,
            )
            _update_times(
                AuditEntry.objects.filter(object_type="orders.order", object_id=str(order.pk)),
                "action",
                {"order.ship": plan.shipped, "order.verify_pickup": plan.delivered},
            )
            # What the order earned, spent and gave back on the member's ledgers, when it happened.
            ledger_times: dict[str, datetime | None] = {
                PointsKind.REDEEM: plan.created,
                PointsKind.EARN: plan.paid,
                PointsKind.REDEEM_RETURN: plan.cancelled or refund_at,
                PointsKind.REFUND_REVERSE: refund_at,
            }
            _update_times(PointsEntry.objects.filter(order_id=order.pk), "kind", ledger_times)
            _update_times(
                GrowthEntry.objects.filter(order_id=order.pk),
                "kind",
                {GrowthKind.ORDER: plan.paid, GrowthKind.REFUND_REVERSE: refund_at},
            )
            if self.due(plan.paid):
                Coupon.objects.filter(order_id=order.pk).update(used_at=plan.paid)
            if plan.payment_number:
                Payment.objects.filter(number=plan.payment_number).update(created_at=plan.payment_started)
                if self.due(plan.paid):
                    Payment.objects.filter(number=plan.payment_number).update(succeeded_at=plan.paid)
                    PaymentNotification.objects.filter(payment_number=plan.payment_number).update(
                        received_at=plan.paid
                    )

    def _backdate_after_sale(self, plan: OrderPlan, spec: AfterSalePlan, refund_at: datetime | None) -> None:
        stamps = {"created_at": spec.requested}
        for name in ("approved", "rejected", "returned"):
            if self.due(getattr(spec, name)):
                stamps[f"{name}_at"] = getattr(spec, name)
        if refund_at:
            stamps["refunded_at"] = refund_at
            Refund.objects.filter(after_sale_id=plan.after_sale_id).update(
                created_at=refund_at, succeeded_at=refund_at
            )
        AfterSale.objects.filter(pk=plan.after_sale_id or 0).update(**stamps)
        _update_times(
            AuditEntry.objects.filter(object_type="orders.aftersale", object_id=str(plan.after_sale_id)),
            "action",
            {
                "aftersale.approve": spec.approved,
                "aftersale.reject": spec.rejected,
                "aftersale.goods_returned": spec.returned,
            },
        )

    def _backdate_completions(self) -> None:
        """The worker completes an order within ten minutes of its after-sale window closing."""
        window = timedelta(days=self.merchant.after_sale_window_days)
        completed = Order.objects.for_merchant(self.merchant).filter(status=OrderStatus.COMPLETED)
        for order_id, delivered in completed.values_list("id", "delivered_at"):
            assert delivered is not None  # completed orders were delivered first
            when = min(delivered + window + timedelta(minutes=self.rng.uniform(0, 10)), self.now)
            Order.objects.filter(pk=order_id).update(completed_at=when)
            OrderEvent.objects.filter(order_id=order_id, kind="completed").update(created_at=when)

    # --- today's stocktake -------------------------------------------------------------------------

    def _stocktake(self) -> None:
        """A count found some shelves nearly empty: the low-stock list has something to show."""
        rng = self.rng
        skus = [sku for _p, rows, _w in self.on_sale for sku in rows]
        warehouse = rng.sample(skus, 7)
        for i, sku in enumerate(warehouse):
            level = StockLevel.objects.get(sku=sku, outlet=None)
            left = 0 if i == 0 else rng.randint(1, 8)  # one sold out
            set_stock(
                merchant=self.merchant,
                sku=sku,
                on_hand=level.reserved + left,
                low_stock_threshold=rng.choice([10, 20]),
                acting_staff=self.staff[Role.OPERATOR],
                note="月末盘点",
            )
        manager = self.staff[Role.OUTLET_MANAGER]
        outlet = self.outlets["SH-XTD"]
        shelf = list(StockLevel.objects.filter(outlet=outlet).order_by("id"))
        for level in rng.sample(shelf, min(3, len(shelf))):
            set_stock(
                merchant=self.merchant,
                sku=level.sku,
                outlet=outlet,
                on_hand=level.reserved + rng.randint(0, 4),
                low_stock_threshold=5,
                acting_staff=manager,
                note="门店盘点",
            )


def _update_times(queryset, key: str, times: Mapping[str, datetime | None]) -> None:
    """Set ``created_at`` of each row from its kind (or action), in one UPDATE."""
    known = {name: moment for name, moment in times.items() if moment is not None}
    if known:
        whens = [When(**{key: name}, then=Value(moment)) for name, moment in known.items()]
        queryset.filter(**{f"{key}__in": list(known)}).update(
            created_at=Case(*whens, output_field=DateTimeField())
        )


def _ean13(twelve: str) -> str:
    """A barcode with a valid check digit, so scanners and validators accept the demo's SKUs."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(twelve))
    return twelve + str((10 - total % 10) % 10)
