"""The demo merchant's customers taking part in its marketing (see ``demo_marketing``): coupons
claimed and redeemed, check-ins, orders that used coupons, promotions and points, and the customers of
every activity, with the sample customer (``SAMPLE_CODE``) in each.

Everything goes through the services the shop API and the H5 pages call. Orders that used offers are
plans run by the history's own machinery and moved to the last four days; activity orders are today's.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from siyu.audience.models import TagGroup, TagGroupKind, TagSource
from siyu.audience.services import tags
from siyu.members.loyalty.models import Membership
from siyu.members.loyalty.services.checkins import check_in
from siyu.members.models import Address, Customer, CustomerIdentity
from siyu.members.services import login_with_code, save_address
from siyu.orders.models import Fulfilment
from siyu.orders.services import checkout
from siyu.promotions.activities import ActivityRef
from siyu.promotions.bargain.services import records as bargain_records
from siyu.promotions.campaigns.models import Draw, DrawStatus
from siyu.promotions.campaigns.services import assist, draws, split
from siyu.promotions.flashsale.services.buying import BuyRequest, buy_flash_sale
from siyu.promotions.groupbuy.services.teams import Delivery, join_team, open_team
from siyu.promotions.models import Coupon
from siyu.promotions.presale.models import PresaleBooking
from siyu.promotions.services import coupons as coupon_services
from siyu.simulate.demo_plans import Buyer, OrderPlan
from siyu.simulate.demo_tables import MARKETING_KEYS, OFFERS, SHARED_CODE
from siyu.tenancy.models import Role

if TYPE_CHECKING:
    from siyu.simulate.demo_marketing import DemoMarketing


class DemoCustomers:
    """Customers of one demo build acting on the offers and activities ``marketing`` set up."""

    def __init__(self, marketing: DemoMarketing) -> None:
        self.b = marketing.b
        self.rng = marketing.rng
        self.sample = marketing.sample
        self.merchant = marketing.merchant
        self.templates = marketing.templates
        self.promotions = marketing.promotions
        self.activities = marketing.activities
        self.unique_codes = marketing.unique_codes
        self.sku = marketing.sku
        self.friends = 0
        self.used: set[int] = set()  # customers already picked for an order (one role each)

    @property
    def now(self) -> datetime:
        return self.b.now

    # --- claims, check-ins, orders with offers ----------------------------------------------------

    def claims_and_check_ins(self) -> None:
        """The sample customer holds coupons and has checked in six days running; members check in."""
        sample = self.sample.customer
        for title in ("满99减10", "茶叶9折券 最高减30"):
            coupon_services.claim_coupon(customer=sample, template_id=self.templates[title].pk)
        for days in range(6, 0, -1):
            check_in(customer=sample, now=self.now - timedelta(days=days))
        members = [b for b in self.b.buyers[1:] if b.weight > 0]
        for buyer in self.rng.sample(members, 40):
            for days in sorted(self.rng.sample(range(1, 8), self.rng.randint(1, 4)), reverse=True):
                check_in(
                    customer=buyer.customer, now=self.now - timedelta(days=days, hours=self.rng.uniform(0, 6))
                )

    def friend(self) -> Customer:
        """A new customer who arrived through a share (a helper, a team member)."""
        self.friends += 1
        return login_with_code(
            merchant=self.merchant,
            code=f"demo-friend-{self.friends}",
            source="referral",
            referrer_id=self.sample.customer.pk,
        ).customer

    def _buyer(self, who: str, used: set[int]) -> Buyer:
        """The sample customer, a newcomer, or a customer with an address not picked before."""
        if who == "sample":
            return self.sample
        if who == "new":
            customer = self.friend()
            address = save_address(
                customer=customer,
                recipient="沈悦",
                phone="13916002026",
                province="上海市",
                city="上海市",
                district="徐汇区",
                detail="漕溪北路88号圣爱大厦12楼",
                is_default=True,
            )
            return Buyer(customer, f"demo-friend-{self.friends}", 0.5, 1.0, "上海市", [address.pk])
        pool = [b for b in self.b.buyers[1:] if b.weight > 0 and b.address_ids and b.customer.pk not in used]
        if who == "no_free_shipping":
            free = set(
                Membership.objects.for_merchant(self.merchant)
                .filter(tier__free_shipping=True)
                .values_list("customer_id", flat=True)
            )
            pool = [b for b in pool if b.customer.pk not in free]
        buyer = self.rng.choice(pool)
        used.add(buyer.customer.pk)
        return buyer

    def _coupon_for(self, buyer: Buyer, title: str) -> Coupon:
        customer = buyer.customer
        if title == SHARED_CODE:
            return coupon_services.redeem_code(customer=customer, code=SHARED_CODE)
        if title == "茶器85折兑换码":
            return coupon_services.redeem_code(customer=customer, code=self.unique_codes.pop())
        template = self.templates[title]
        held = Coupon.objects.filter(customer=customer, template=template, order__isnull=True).first()
        if held is not None:
            return held
        if template.claimable:
            return coupon_services.claim_coupon(customer=customer, template_id=template.pk)
        return coupon_services.issue_coupon(template=template, customer=customer, source="staff")

    def offer_orders(self) -> None:
        """Orders of the last four days that used a coupon, a promotion or points: plans run by the
        history's own machinery (place, pay, ship, deliver), then moved to their time."""
        rng, hours, used = self.rng, self.b.hours, self.used
        plans: list[OrderPlan] = []
        for offer in OFFERS:
            buyer = self._buyer(offer.buyer, used)
            age = timedelta(hours=rng.uniform(2, 96))
            created = self.now - age
            claimed = created - hours(0.5, 30)
            if offer.buyer == "new":  # registered (and got the new-customer coupon) just before ordering
                claimed = created - self.b.minutes(5, 40)
                Customer.objects.filter(pk=buyer.customer.pk).update(registered_at=claimed)
                CustomerIdentity.objects.filter(customer=buyer.customer).update(created_at=claimed)
                Address.objects.filter(customer=buyer.customer).update(created_at=claimed)
            coupon_ids: tuple[int, ...] = ()
            if offer.coupon:
                coupon = self._coupon_for(buyer, offer.coupon)
                shift = {"claimed_at": claimed}
                if coupon.template.validity == "after_claim":
                    days = coupon.template.valid_days or 1
                    shift |= {"valid_from": claimed, "valid_until": claimed + timedelta(days=days)}
                Coupon.objects.filter(pk=coupon.pk).update(**shift)
                coupon_ids = (coupon.pk,)
            plan = OrderPlan(
                buyer=buyer,
                created=created,
                lines=[(self.sku(name, index).pk, units) for name, index, units in offer.lines],
                outlet=None,
                address_id=buyer.address_ids[0],
                source=rng.choice(["mp_code", "community", "moments", "article"]),
                coupon_ids=coupon_ids,
                points=10**9 if offer.points else 0,
                add_ons={self.promotions[offer.add_on].pk: 1} if offer.add_on else {},
            )
            plan.payment_started = created + self.b.minutes(0.3, 2)
            plan.paid = plan.payment_started + self.b.minutes(0.2, 3)
            if age > timedelta(hours=30):
                plan.shipped = shipped = plan.paid + hours(2, 20)
                if age > timedelta(hours=80):
                    plan.delivered, plan.delivered_by = shipped + hours(30, 60), "customer"
            plans.append(plan)
        plans.sort(key=lambda p: p.created)
        self.b.run_recent_plans(plans, first_key=MARKETING_KEYS)

    # --- the activities ---------------------------------------------------------------------------

    def _delivery(self, buyer: Buyer) -> Delivery:
        return Delivery(fulfilment=Fulfilment.DELIVERY, address_id=buyer.address_ids[0])

    def activity_orders(self) -> None:
        """Today's activity: flash-sale buyers, a formed team and an open one, bargains, deposits,
        helps, split teams, blind boxes and lottery draws. The sample customer is in each."""
        self._flash_sale()
        self._group_buy()
        self._bargain()
        self._presale()
        self._assist_and_split()
        self._blind_box()
        self._lottery()
        self._campaign_and_survey_tags()

    def _flash_sale(self) -> None:
        b, a, sample, used = self.b, self.activities, self.sample, self.used
        for i in range(6):
            buyer = sample if i == 0 else self._buyer("", used)
            order, _ = buy_flash_sale(
                customer=buyer.customer,
                request=BuyRequest(
                    a["flash_sale"].pk,
                    self.sku("白桃乌龙 三角包" if i % 2 == 0 else "绿豆糕").pk,
                    quantity=1 + i % 2,
                    address_id=buyer.address_ids[0],
                ),
            )
            b.pay(buyer.customer, order)

    def _group_buy(self) -> None:
        """One team formed (three paid), one open with two of three, led by the sample customer."""
        b, a, sample, used = self.b, self.activities, self.sample, self.used
        gold = self.sku("金骏眉").pk
        leader = self._buyer("", used)
        first = open_team(
            customer=leader.customer,
            group_buy_id=a["group_buy"].pk,
            sku_id=gold,
            quantity=1,
            delivery=self._delivery(leader),
        )
        b.pay(leader.customer, first.order)
        for _ in range(2):
            member = self._buyer("", used)
            joined = join_team(
                customer=member.customer,
                team_id=first.team_id,
                sku_id=gold,
                quantity=1,
                delivery=self._delivery(member),
            )
            b.pay(member.customer, joined.order)
        mine = open_team(
            customer=sample.customer,
            group_buy_id=a["group_buy"].pk,
            sku_id=gold,
            quantity=1,
            delivery=self._delivery(sample),
        )
        b.pay(sample.customer, mine.order)
        member = self._buyer("", used)
        joined = join_team(
            customer=member.customer,
            team_id=mine.team_id,
            sku_id=gold,
            quantity=1,
            delivery=self._delivery(member),
        )
        b.pay(member.customer, joined.order)

    def _bargain(self) -> None:
        """One record cut to the floor and bought; the sample customer's has two helps of five."""
        b, a, sample, used = self.b, self.activities, self.sample, self.used
        winner = self._buyer("", used)
        record = bargain_records.start_bargain(customer=winner.customer, bargain_id=a["bargain"].pk)
        for _ in range(a["bargain"].helpers_needed):
            bargain_records.help_bargain(helper=self.friend(), record_id=record.pk)
        order = bargain_records.buy_bargain(
            customer=winner.customer, record_id=record.pk, address_id=winner.address_ids[0]
        )
        b.pay(winner.customer, order)
        record = bargain_records.start_bargain(customer=sample.customer, bargain_id=a["bargain"].pk)
        for _ in range(2):
            bargain_records.help_bargain(helper=self.friend(), record_id=record.pk)

    def _presale(self) -> None:
        """Deposits paid by six customers, the sample customer among them."""
        b, a, sample, used = self.b, self.activities, self.sample, self.used
        presale = a["presale"]
        for i in range(6):
            buyer = sample if i == 0 else self._buyer("", used)
            order, _ = checkout.place_order(
                customer=buyer.customer,
                request=checkout.CheckoutRequest(
                    lines=[
                        checkout.LineRequest(
                            presale.deposit_sku_id, 1 + i % 2, ActivityRef("presale_deposit", presale.pk)
                        )
                    ],
                    address_id=buyer.address_ids[0],
                    coupon_ids=(),
                    source="moments",
                ),
            )
            b.pay(buyer.customer, order)

    def _assist_and_split(self) -> None:
        """An assist record unlocked its coupon and a split team shared its pool; the sample
        customer's record has one help of three and their team waits for its third member."""
        a, sample, used = self.activities, self.sample, self.used
        helped = self._buyer("", used)
        record = assist.start_assist(customer=helped.customer, campaign_id=a["assist"].pk)
        for _ in range(3):
            assist.help_assist(helper=self.friend(), record_id=record.pk)
        record = assist.start_assist(customer=sample.customer, campaign_id=a["assist"].pk)
        assist.help_assist(helper=self.friend(), record_id=record.pk)
        team = split.start_team(customer=self._buyer("", used).customer, campaign_id=a["split"].pk)
        for _ in range(2):
            split.join_team(customer=self.friend(), team_id=team.pk)
        team = split.start_team(customer=sample.customer, campaign_id=a["split"].pk)
        split.join_team(customer=self.friend(), team_id=team.pk)

    def _blind_box(self) -> None:
        """Boxes bought and paid, each drawn when its payment landed."""
        b, a, sample, used = self.b, self.activities, self.sample, self.used
        box = a["blind_box"]
        for i in range(4):
            buyer = sample if i == 0 else self._buyer("", used)
            order, _ = checkout.place_order(
                customer=buyer.customer,
                request=checkout.CheckoutRequest(
                    lines=[checkout.LineRequest(box.sku_id, 1 + i % 2, ActivityRef("blind_box", box.pk))],
                    address_id=buyer.address_ids[0],
                    coupon_ids=(),
                    source="community",
                ),
            )
            b.pay(buyer.customer, order)

    def _lottery(self) -> None:
        """Paid orders of at least ¥50 earned chances; most were drawn, the sample customer's are left."""
        a, sample = self.activities, self.sample
        pending = Draw.objects.filter(campaign=a["lottery"], status=DrawStatus.PENDING).order_by("id")
        for draw in pending.exclude(customer=sample.customer).select_related("customer"):
            if self.rng.random() < 0.8:
                draws.draw_lottery(customer=draw.customer, draw_id=draw.pk)

    def _campaign_and_survey_tags(self) -> None:
        """Tags a campaign and a survey gave (no staff member tagged them): the presale's depositors,
        and the customers who said in a survey they like cold-brew tea."""
        operator = self.b.staff[Role.OPERATOR]
        groups = dict(TagGroup.objects.for_merchant(self.merchant).values_list("kind", "pk"))
        depositors = sorted(
            set(
                PresaleBooking.objects.filter(presale=self.activities["presale"]).values_list(
                    "customer_id", flat=True
                )
            )
        )
        buyers = [b.customer.pk for b in self.b.buyers if b.weight > 0]
        for name, kind, source, customer_ids in (
            ("2026春茶预售定金用户", TagGroupKind.CAMPAIGN, TagSource.CAMPAIGN, depositors),
            ("问卷：爱喝冷泡茶", TagGroupKind.SURVEY, TagSource.SURVEY, sorted(self.rng.sample(buyers, 8))),
        ):
            tag = tags.create_tag(staff=operator, group_id=groups[kind], name=name)
            tags.tag_customers(
                staff=None, merchant=self.merchant, tag_id=tag.pk, customer_ids=customer_ids, source=source
            )
