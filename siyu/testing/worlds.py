"""Worlds: merchants populated with one row of every kind a group of tests points at, made through the
services (or, for the readers of tables, written with ``siyu.testing.rows``).

- ``build_world``: a merchant with everything the API can name (the API-wide tenancy and fuzz tests),
  to which ``add_playbook_rows`` and ``build_campaign_rows`` add the playbooks' rows;
- ``run_every_playbook`` and ``add_activities``: one activity of every playbook (storefront, console);
- ``build_people``: five known customers of ``tea`` and one of ``beta`` (the audience rules);
- ``build_eight``: eight buyers, one per RFM class (the value models).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from siyu.audience.models import CustomerTag, Tag, TagGroup, TagSource
from siyu.audience.rules import customers_matching, validate_rule
from siyu.catalog.models import Category, Product, Sku
from siyu.catalog.services import SkuInput, create_category, create_product
from siyu.inventory.services import set_stock
from siyu.members.models import Address, Customer
from siyu.members.services import login_with_code, save_address
from siyu.orders.models import AfterSale, Order
from siyu.orders.services import aftersales, cart, checkout, lifecycle
from siyu.promotions import services as promotions
from siyu.promotions.activities import ActivityRef
from siyu.promotions.bargain.models import Bargain, BargainRecord
from siyu.promotions.bargain.services.activities import BargainInput, create_bargain
from siyu.promotions.bargain.services.records import start_bargain
from siyu.promotions.campaigns.models import AssistCampaign, Draw, DrawCampaign, SplitCampaign
from siyu.promotions.campaigns.services import assist, pools, split
from siyu.promotions.campaigns.services.pools import PrizeInput
from siyu.promotions.flashsale.models import FlashSale
from siyu.promotions.flashsale.services import manage
from siyu.promotions.groupbuy.models import GroupBuy, Team
from siyu.promotions.groupbuy.services.activities import GroupBuyInput, GroupBuySkuInput, create_group_buy
from siyu.promotions.groupbuy.services.teams import Delivery, open_team
from siyu.promotions.models import Coupon, CouponTemplate, Promotion
from siyu.promotions.presale.models import Presale, PresaleBooking
from siyu.promotions.presale.services import admin as presale_admin
from siyu.tenancy.models import Merchant, Outlet, Role, Staff
from siyu.tenancy.services import create_staff, issue_staff_token
from siyu.testing import rows
from siyu.testing.factories import make_merchant
from siyu.testing.flows import pay, place
from siyu.testing.rows import NOW, Shop

DAY = dt.timedelta(days=1)


# The API-wide world -------------------------------------------------------------------------------


@dataclass
class World:
    merchant: Merchant
    outlet: Outlet
    owner: Staff
    staff_token: str
    category: Category
    product: Product
    sku: Sku
    other_sku: Sku
    customer: Customer
    customer_token: str
    address: Address
    unpaid_order: Order
    paid_order: Order
    shipped_order: Order
    pickup_order: Order
    after_sale: AfterSale
    coupon_template: CouponTemplate
    coupon: Coupon
    promotion: Promotion

    @property
    def slug(self) -> str:
        return self.merchant.slug


def build_world(slug: str) -> World:
    """One merchant with everything the API can point at, made through the services."""
    merchant = Merchant.objects.create(
        slug=slug, name=slug.title(), shipping_fee=1000, free_shipping_threshold=9900
    )
    outlet = Outlet.objects.create(merchant=merchant, code="O1", name=f"{slug} outlet", supports_pickup=True)
    owner = create_staff(
        merchant=merchant,
        username=f"{slug}_owner",
        password="pw-123456",
        role=Role.OWNER,
        display_name="Owner",
    )
    category = create_category(merchant=merchant, name="Tea", acting_staff=None)
    product = create_product(
        merchant=merchant,
        name=f"{slug} tea",
        category_id=category.pk,
        skus=[
            SkuInput(code=f"{slug}-1", price=5000, cost=2000, stock=100),
            SkuInput(code=f"{slug}-2", price=3000, cost=1000, stock=100),
        ],
        status="on_sale",
        acting_staff=None,
    )
    sku, other_sku = product.skus.order_by("id")
    set_stock(merchant=merchant, sku=other_sku, outlet=outlet, on_hand=20)
    login = login_with_code(merchant=merchant, code=f"{slug}-alice")
    customer = login.customer
    address = save_address(
        customer=customer,
        recipient="王小明",
        phone="13800000000",
        province="上海",
        city="上海",
        detail="南京东路1号",
    )
    cart.add_to_cart(customer=customer, sku_id=other_sku.pk, quantity=1)
    unpaid = place(customer, [(sku.pk, 1)], address=address)
    paid = pay(customer, place(customer, [(sku.pk, 2)], address=address))
    shipped = pay(customer, place(customer, [(sku.pk, 1), (other_sku.pk, 1)], address=address))
    lifecycle.ship_order(
        staff=owner, order_id=shipped.pk, carrier="SF", tracking_number=f"SF{sum(map(ord, slug)):013d}"
    )
    shipped.refresh_from_db()
    pickup = pay(customer, place(customer, [(other_sku.pk, 1)], outlet_id=outlet.pk))
    after_sale = aftersales.request_after_sale(
        customer=customer, order_id=shipped.pk, kind="return_refund", reason="broken"
    )
    template = promotions.create_template(
        staff=owner,
        title=f"{slug} 满100减20",
        kind="amount",
        amount=2000,
        threshold=10000,
        total_quantity=100,
        per_customer_limit=5,
        valid_until=timezone.now() + timedelta(days=30),
    )
    coupon = promotions.claim_coupon(customer=customer, template_id=template.pk)
    promotion = promotions.create_promotion(
        staff=owner,
        title=f"{slug} 加价购",
        kind="add_on",
        config={"threshold": 1000, "sku_id": other_sku.pk, "price": 100},
    )
    return World(
        coupon_template=template,
        coupon=coupon,
        promotion=promotion,
        merchant=merchant,
        outlet=outlet,
        owner=owner,
        staff_token=issue_staff_token(staff=owner),
        category=category,
        product=product,
        sku=sku,
        other_sku=other_sku,
        customer=customer,
        customer_token=login.token,
        address=address,
        unpaid_order=unpaid,
        paid_order=paid,
        shipped_order=shipped,
        pickup_order=pickup,
        after_sale=after_sale,
    )


# Group-buy and bargain rows for the world ---------------------------------------------------------


@dataclass
class PlaybookRows:
    group_buy: GroupBuy
    team: Team
    bargain: Bargain
    record: BargainRecord
    open_team_to_join: Team


def add_playbook_rows(world: World) -> PlaybookRows:
    """Give the world's customer a paid leader seat in a forming team of a running group buy on
    ``world.sku``, and an ongoing bargain record on ``world.other_sku``. A second group buy, on a SKU
    of its own, has a forming team led by another customer: the world's customer can join that one
    (``open_team_to_join``), so a join reaches the checks of its body's ids."""
    now = timezone.now()
    window: dict[str, Any] = {"starts_at": now - timedelta(minutes=1), "ends_at": now + timedelta(days=2)}
    group_buy = create_group_buy(
        staff=world.owner,
        data=GroupBuyInput(
            name=f"{world.slug} team",
            group_size=3,
            time_limit_hours=24,
            skus=[GroupBuySkuInput(world.sku.pk, 3000)],
            **window,
        ),
    )
    leader = open_team(
        customer=world.customer,
        group_buy_id=group_buy.pk,
        sku_id=world.sku.pk,
        quantity=1,
        delivery=Delivery(address_id=world.address.pk),
    )
    pay(world.customer, leader.order)
    bargain = create_bargain(
        staff=world.owner,
        data=BargainInput(
            name=f"{world.slug} cut",
            sku_id=world.other_sku.pk,
            floor_price=1000,
            helpers_needed=2,
            hours_to_finish=24,
            **window,
        ),
    )
    record = start_bargain(customer=world.customer, bargain_id=bargain.pk)
    leader.team.refresh_from_db()
    return PlaybookRows(
        group_buy=group_buy,
        team=leader.team,
        bargain=bargain,
        record=record,
        open_team_to_join=_team_led_by_someone_else(world, window),
    )


def _team_led_by_someone_else(world: World, window: dict[str, Any]) -> Team:
    product = create_product(
        merchant=world.merchant,
        name=f"{world.slug} team tea",
        skus=[SkuInput(code=f"{world.slug}-team", price=4000, cost=1000, stock=50)],
        status="on_sale",
        acting_staff=None,
    )
    sku = product.skus.get()
    group_buy = create_group_buy(
        staff=world.owner,
        data=GroupBuyInput(
            name=f"{world.slug} pair",
            group_size=2,
            time_limit_hours=24,
            skus=[GroupBuySkuInput(sku.pk, 2000)],
            **window,
        ),
    )
    other = login_with_code(merchant=world.merchant, code=f"{world.slug}-leader").customer
    address = save_address(
        customer=other, recipient="李", phone="13900000000", province="上海", city="上海", detail="1号"
    )
    leader = open_team(
        customer=other,
        group_buy_id=group_buy.pk,
        sku_id=sku.pk,
        quantity=1,
        delivery=Delivery(address_id=address.pk),
    )
    pay(other, leader.order)
    leader.team.refresh_from_db()
    return leader.team


# Campaign and presale rows for the world ----------------------------------------------------------


@dataclass
class CampaignRows:
    assist_id: int
    assist_record_id: int  # started by another customer: the world's customer may help it
    split_id: int
    split_team_id: int  # opened by another customer: the world's customer may join it
    lottery_id: int
    blind_box_id: int
    draw_id: int  # the world's customer's pending lottery chance
    presale_id: int
    presale_booking_id: int  # the world's customer's paid deposit


def build_campaign_rows(world: World) -> CampaignRows:
    """Add to a world one row of every kind the campaign and presale routes name, each one the world's
    customer (or owner) could really act on, so a missing merchant check shows up as a change in the
    other merchant's rows."""
    staff, customer, slug = world.owner, world.customer, world.slug
    now = timezone.now()
    window: dict[str, Any] = {"starts_at": now - timedelta(hours=1), "ends_at": now + timedelta(days=7)}
    friend = login_with_code(merchant=world.merchant, code=f"{slug}-friend").customer
    campaign = assist.create_assist(
        staff=staff,
        name="Assist",
        assists_needed=3,
        hours=24,
        reward_kind="points",
        reward_value=100,
        **window,
    )
    record = assist.start_assist(customer=friend, campaign_id=campaign.pk)
    team_campaign = split.create_split(
        staff=staff,
        name="Split",
        team_size=3,
        pool_amount=3000,
        min_share=100,
        hours=24,
        reward_kind="points",
        **window,
    )
    team = split.start_team(customer=friend, campaign_id=team_campaign.pk)
    lottery = pools.create_lottery(
        staff=staff,
        name="Lottery",
        min_order_amount=0,
        prizes=[PrizeInput(name="Points", kind="points", value=10, weight_bp=5000)],
        **window,
    )
    chance = Draw.objects.create(
        merchant=world.merchant,
        campaign=lottery,
        customer=customer,
        order=world.paid_order,
        expires_at=now + timedelta(days=7),
    )
    box_sku, goods, deposit_sku = (
        create_product(
            merchant=world.merchant,
            name=name,
            skus=[SkuInput(code=f"{slug}-{name}", price=price, cost=price // 2, stock=50)],
            status="on_sale",
            acting_staff=None,
        ).skus.get()
        for name, price in (("box", 3000), ("goods", 20_000), ("deposit", 5000))
    )
    box = pools.create_blind_box(
        staff=staff,
        name="Box",
        sku_id=box_sku.pk,
        box_price=2000,
        prizes=[PrizeInput(name="Figure", kind="item", weight_bp=10_000, stock=10)],
        **window,
    )
    presale = presale_admin.create_presale(
        staff=staff,
        name="Presale",
        sku_id=goods.pk,
        deposit_sku_id=deposit_sku.pk,
        deposit=5000,
        deduction=8000,
        deposit_starts_at=now - timedelta(hours=1),
        deposit_ends_at=now + timedelta(days=1),
        balance_starts_at=now + timedelta(days=2),
        balance_ends_at=now + timedelta(days=3),
        ship_date=(now + timedelta(days=5)).date(),
    )
    deposit, _ = checkout.place_order(
        customer=customer,
        request=checkout.CheckoutRequest(
            lines=[checkout.LineRequest(deposit_sku.pk, 1, ActivityRef("presale_deposit", presale.pk))],
            address_id=world.address.pk,
        ),
    )
    pay(customer, deposit)
    return CampaignRows(
        assist_id=campaign.pk,
        assist_record_id=record.pk,
        split_id=team_campaign.pk,
        split_team_id=team.pk,
        lottery_id=lottery.pk,
        blind_box_id=box.pk,
        draw_id=chance.pk,
        presale_id=presale.pk,
        presale_booking_id=PresaleBooking.objects.get(deposit_order=deposit).pk,
    )


# One running activity of every playbook -----------------------------------------------------------


@dataclass(frozen=True)
class Playbooks:
    flash_sale: FlashSale
    group_buy: GroupBuy
    bargain: Bargain
    presale: Presale
    assist: AssistCampaign
    split: SplitCampaign
    lottery: DrawCampaign
    blind_box: DrawCampaign


def run_every_playbook(owner: Staff, make_product: Callable[..., Any], *, now: datetime) -> Playbooks:
    """A flash sale, group buy, bargain, presale (taking deposits), assist, split, lottery and blind
    box, each running at ``now`` for at least a day, each on products of its own."""
    window: dict[str, Any] = {"starts_at": now - timedelta(hours=1), "ends_at": now + timedelta(days=3)}
    sku = {
        name: make_product(name, price=price, stock=50).skus.get()
        for name, price in [
            ("秒杀茶", 5000),
            ("拼团茶", 5000),
            ("砍价茶", 5000),
            ("预售茶", 20_000),
            ("定金: 预售茶", 5000),
            ("盲盒", 5900),
        ]
    }
    coupon = promotions.create_template(
        staff=owner,
        title="助力券",
        kind="amount",
        amount=500,
        validity="after_claim",
        valid_days=7,
        total_quantity=10,
    )
    return Playbooks(
        flash_sale=manage.create_flash_sale(
            staff=owner, title="限时秒杀", items=[manage.ItemInput(sku["秒杀茶"].pk, 2990, 10)], **window
        ),
        group_buy=create_group_buy(
            staff=owner,
            data=GroupBuyInput(
                name="三人团",
                group_size=3,
                time_limit_hours=24,
                skus=[GroupBuySkuInput(sku["拼团茶"].pk, group_price=3000)],
                **window,
            ),
        ),
        bargain=create_bargain(
            staff=owner,
            data=BargainInput(
                name="砍到10元",
                sku_id=sku["砍价茶"].pk,
                floor_price=1000,
                helpers_needed=2,
                hours_to_finish=24,
                **window,
            ),
        ),
        presale=presale_admin.create_presale(
            staff=owner,
            name="春茶预售",
            sku_id=sku["预售茶"].pk,
            deposit_sku_id=sku["定金: 预售茶"].pk,
            deposit=5000,
            deduction=8000,
            deposit_starts_at=now - timedelta(hours=1),
            deposit_ends_at=now + timedelta(days=1),
            balance_starts_at=now + timedelta(days=2),
            balance_ends_at=now + timedelta(days=3),
            ship_date=(now + timedelta(days=5)).date(),
        ),
        assist=assist.create_assist(
            staff=owner,
            name="助力领券",
            assists_needed=3,
            hours=24,
            reward_kind="coupon",
            reward_value=500,
            coupon_template_id=coupon.pk,
            reward_stock=5,
            **window,
        ),
        split=split.create_split(
            staff=owner,
            name="瓜分100元",
            team_size=3,
            pool_amount=10_000,
            min_share=500,
            hours=24,
            reward_kind="coupon",
            team_stock=2,
            **window,
        ),
        lottery=pools.create_lottery(
            staff=owner,
            name="满50抽奖",
            min_order_amount=5000,
            prizes=[PrizeInput(name="500积分", kind="points", weight_bp=2000, value=500)],
            **window,
        ),
        blind_box=pools.create_blind_box(
            staff=owner,
            name="手办盲盒",
            sku_id=sku["盲盒"].pk,
            box_price=3900,
            prizes=[PrizeInput(name="Common", kind="item", weight_bp=10_000, stock=8)],
            **window,
        ),
    )


# One activity of every playbook, in an hour's slot ------------------------------------------------


@dataclass
class Activities:
    skus: list[Sku]
    rows: dict[str, Any]  # playbook key -> its activity


def activity_skus(owner: Staff, prefix: str) -> list[Sku]:
    product = create_product(
        merchant=owner.merchant,
        name=f"{prefix} activity goods",
        skus=[SkuInput(code=f"{prefix}-act-{i}", price=10_000, cost=3_000, stock=100) for i in range(6)],
        status="on_sale",
        acting_staff=None,
    )
    return list(product.skus.order_by("id"))


def add_activities(owner: Staff, prefix: str, *, skus: list[Sku] | None = None, slot: int = 0) -> Activities:
    """One flash sale, group buy, bargain, presale, assist, split, lottery and blind box, each on its
    own SKU of ``skus`` (six, made when not given); ``slot`` n puts them in the n-th hour from now,
    so that the activities of different slots never overlap on a SKU."""
    skus = skus or activity_skus(owner, prefix)
    start = timezone.now() + timedelta(hours=1 + slot)
    end = start + timedelta(minutes=50)
    rows: dict[str, Any] = {
        "flash_sale": manage.create_flash_sale(
            staff=owner,
            title=f"{prefix} 秒杀",
            starts_at=start,
            ends_at=end,
            items=[manage.ItemInput(skus[0].pk, 5_000, 10)],
        ),
        "group_buy": create_group_buy(
            staff=owner,
            data=GroupBuyInput(
                name=f"{prefix} 拼团",
                starts_at=start,
                ends_at=end,
                group_size=2,
                time_limit_hours=24,
                skus=[GroupBuySkuInput(skus[1].pk, 8_000)],
            ),
        ),
        "bargain": create_bargain(
            staff=owner,
            data=BargainInput(
                name=f"{prefix} 砍价",
                sku_id=skus[2].pk,
                starts_at=start,
                ends_at=end,
                floor_price=1_000,
                helpers_needed=3,
                hours_to_finish=24,
            ),
        ),
        "presale": presale_admin.create_presale(
            staff=owner,
            name=f"{prefix} 预售",
            sku_id=skus[3].pk,
            deposit_sku_id=skus[4].pk,
            deposit=1_000,
            deduction=2_000,
            deposit_starts_at=start,
            deposit_ends_at=start + timedelta(minutes=20),
            balance_starts_at=start + timedelta(minutes=20),
            balance_ends_at=end,
            ship_date=(start + timedelta(days=3)).date(),
        ),
        "assist": assist.create_assist(
            staff=owner,
            name=f"{prefix} 助力",
            starts_at=start,
            ends_at=end,
            assists_needed=3,
            hours=24,
            reward_kind="points",
            reward_value=100,
        ),
        "split": split.create_split(
            staff=owner,
            name=f"{prefix} 瓜分",
            starts_at=start,
            ends_at=end,
            team_size=3,
            pool_amount=300,
            min_share=10,
            hours=24,
            reward_kind="points",
        ),
        "lottery": pools.create_lottery(
            staff=owner,
            name=f"{prefix} 抽奖",
            starts_at=start,
            ends_at=end,
            min_order_amount=1_000,
            prizes=[PrizeInput(name="100 points", kind="points", weight_bp=5_000, value=100)],
        ),
        "blind_box": pools.create_blind_box(
            staff=owner,
            name=f"{prefix} 盲盒",
            starts_at=start,
            ends_at=end,
            sku_id=skus[5].pk,
            box_price=5_000,
            prizes=[PrizeInput(name="points", kind="points", weight_bp=10_000, stock=10, value=50)],
        ),
    }
    return Activities(skus=skus, rows=rows)


# The audience tests' population -------------------------------------------------------------------


@dataclass
class People:
    merchant: Merchant
    other: Merchant
    c: dict[str, Customer]
    products: dict[str, Any]
    categories: dict[str, Any]
    tags: dict[str, Tag]
    templates: dict[str, CouponTemplate]
    stranger: Customer

    def names(self, rule: Any, now: dt.datetime = NOW) -> set[str]:
        """Who the rule selects (by nickname), asserting the selection is one SQL statement."""
        node = validate_rule(rule, merchant_id=self.merchant.pk)
        qs = customers_matching(node, merchant_id=self.merchant.pk, now=now)
        with CaptureQueriesContext(connection) as queries:
            found = set(qs.values_list("nickname", flat=True))
        assert len(queries) == 1, [q["sql"] for q in queries]
        return found


def build_people(merchant: Merchant) -> People:
    """Five customers of ``merchant`` (ann, bob, cat, dan, eve merged into ann) and a stranger of
    ``beta``, with values, events, orders, coupons, identities, consents and tags."""
    other = make_merchant("beta")
    cat = rows.catalogue(merchant)
    p = cat["products"]
    c = {
        "ann": rows.customer(
            merchant,
            nickname="ann",
            gender="female",
            birthday=dt.date(1995, 6, 15),
            province="浙江",
            city="杭州",
            phone="13800000001",
            first_touch_source="moments",
            registered_at=NOW - 10 * DAY,
        ),
        "bob": rows.customer(
            merchant,
            nickname="bob",
            gender="male",
            birthday=dt.date(1995, 6, 16),
            province="上海",
            city="上海",
            first_touch_source="ads",
            registered_at=NOW - 200 * DAY,
        ),
        "cat": rows.customer(merchant, nickname="cat", registered_at=NOW - 40 * DAY),
        "dan": rows.customer(
            merchant,
            nickname="dan",
            gender="female",
            birthday=dt.date(2005, 2, 28),
            city="杭州",
            phone="",
            is_blocked=True,
            registered_at=NOW - 1 * DAY,
        ),
    }
    c["eve"] = rows.customer(merchant, nickname="eve", gender="female", city="杭州", merged_into=c["ann"])
    stranger = rows.customer(other, nickname="zed", gender="female", city="杭州", registered_at=NOW - DAY)
    rows.value(
        c["ann"],
        rfm_class="important_value",
        lifecycle_stage="growth",
        value_tier="active",
        loyalty_rung=2,
        order_count=2,
        recency_days=5,
    )
    rows.value(
        c["bob"],
        rfm_class="general_retain",
        lifecycle_stage="dormancy",
        value_tier="ordinary",
        loyalty_rung=1,
        order_count=1,
        recency_days=120,
    )
    rows.value(c["dan"], is_semi_private=True)
    rows.value(stranger, rfm_class="important_value", is_semi_private=True)

    green = {"product_id": p["green"].pk}
    for days in (1, 2, 3, 40):
        rows.event(c["ann"], "product_view", NOW - days * DAY, properties=green)
    rows.event(c["ann"], "search", NOW - 2 * DAY, properties={"keywords": "Longjing Tea", "results": 3})
    for days in (4, 5):
        rows.event(c["bob"], "product_view", NOW - days * DAY, properties=green, source="ads")
    rows.event(c["bob"], "add_to_cart", NOW - 5 * DAY, properties=green)
    for days in range(1, 6):
        rows.event(c["cat"], "product_view", NOW - days * DAY, properties=green)
    for _ in range(4):
        rows.event(None, "product_view", NOW - DAY, merchant=merchant, properties=green)
    for _ in range(3):
        rows.event(stranger, "product_view", NOW - DAY, properties=green)

    rows.order(c["ann"], [p["longjing"]], paid_at=NOW - 5 * DAY, amount=3000)
    rows.order(c["ann"], [p["cup"]], paid_at=NOW - 60 * DAY, status="completed", amount=2000)
    rows.order(c["ann"], [p["green"]], status="pending_payment")
    rows.order(c["bob"], [p["tea"]], paid_at=NOW - 120 * DAY, status="completed", amount=1000)
    rows.order(c["bob"], [p["green"]], paid_at=NOW - 10 * DAY, status="closed", amount=1000, refunded=1000)
    rows.order(c["dan"], [p["green"]], paid_at=NOW - 3 * DAY, amount=5000, refunded=1000)

    t1, t2 = rows.template(merchant, title="t1"), rows.template(merchant, title="t2")
    rows.coupon(c["ann"], t1, valid_until=NOW + 10 * DAY)
    rows.coupon(c["ann"], t1, "used", used_at=NOW - 3 * DAY)
    rows.coupon(c["bob"], t2, valid_until=NOW - DAY)
    rows.coupon(c["cat"], t1, "locked")
    rows.coupon(c["dan"], t2, "voided")
    rows.coupon(stranger, rows.template(other), valid_until=NOW + 10 * DAY)

    for kind in ("mp_openid", "oa_openid"):
        rows.identity(c["ann"], kind)
    rows.consent(c["ann"], "sms")
    rows.consent(c["ann"], "official_account")
    rows.identity(c["bob"], "oa_openid")
    rows.identity(c["bob"], "mp_openid")
    rows.consent(c["bob"], "official_account", False)
    rows.consent(c["bob"], "subscribe_message")
    rows.identity(c["cat"], "phone")
    rows.consent(c["cat"], "sms")
    rows.identity(c["dan"], "unionid")
    rows.consent(c["dan"], "wecom")

    basic = TagGroup.objects.create(merchant=merchant, kind="basic", name="基础标签")
    tags = {
        "vip": Tag.objects.create(merchant=merchant, group=basic, name="VIP"),
        "tea": Tag.objects.create(merchant=merchant, group=basic, name="Tea lover"),
    }
    for who, tag in (("ann", "vip"), ("cat", "vip"), ("bob", "tea")):
        CustomerTag.objects.create(
            merchant=merchant, customer=c[who], tag=tags[tag], source=TagSource.MANUAL, tagged_at=NOW
        )
    other_group = TagGroup.objects.create(merchant=other, kind="basic", name="基础标签")
    tags["beta"] = Tag.objects.create(merchant=other, group=other_group, name="VIP")
    CustomerTag.objects.create(
        merchant=other, customer=stranger, tag=tags["beta"], source=TagSource.MANUAL, tagged_at=NOW
    )
    return People(merchant, other, c, p, cat["categories"], tags, {"t1": t1, "t2": t2}, stranger)


# The value models' eight buyers -------------------------------------------------------------------


# (name, R high, F high, M high) -> class
EIGHT = {
    "rfm": "important_value",
    "r_m": "important_develop",
    "_fm": "important_keep",
    "__m": "important_retain",
    "rf_": "general_value",
    "r__": "general_develop",
    "_f_": "general_keep",
    "___": "general_retain",
}


def build_eight(shop: Shop) -> None:
    """Eight buyers, one per class: R high = last order 1-4 days ago (else 200-203), F high = 3
    orders (else 1), M high = over 1,000 yuan (else under 60). Quintiles of 8 are 2,2,2,1,1 buyers:
    scores 1,1,2,2,3,3,4,5, mean 2.625, so exactly the top four of each measure are high."""
    for i, name in enumerate(EIGHT):
        customer = shop.customer(name)
        recent = 1 + i if name[0] == "r" else 200 + i
        orders = 3 if name[1] == "f" else 1
        total = 100_000 + 1_000 * i if name[2] == "m" else 3_000 + 100 * i
        for k in range(orders):
            amount = total // orders + (total % orders if k == 0 else 0)
            shop.order(customer, recent + 30 * (orders - 1 - k), amount)
