"""Group-buy and bargain rows for the API-wide tenancy tests' worlds (``siyu.api.tests.conftest.World``).

``add_playbook_rows(world)`` gives the world's customer a paid leader seat in a forming team of a
running group buy on ``world.sku``, and an ongoing bargain record on ``world.other_sku``. A second
group buy, on a SKU of its own, has a forming team led by another customer: the world's customer
can join that one (``open_team_to_join``), so a join reaches the checks of its body's ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from siyu.catalog.services import SkuInput, create_product
from siyu.members.services import login_with_code, save_address
from siyu.orders.tests.flows import pay
from siyu.promotions.bargain.models import Bargain, BargainRecord
from siyu.promotions.bargain.services.activities import BargainInput, create_bargain
from siyu.promotions.bargain.services.records import start_bargain
from siyu.promotions.groupbuy.models import GroupBuy, Team
from siyu.promotions.groupbuy.services.activities import GroupBuyInput, GroupBuySkuInput, create_group_buy
from siyu.promotions.groupbuy.services.teams import Delivery, open_team


@dataclass
class PlaybookRows:
    group_buy: GroupBuy
    team: Team
    bargain: Bargain
    record: BargainRecord
    open_team_to_join: Team


def add_playbook_rows(world) -> PlaybookRows:
    now = timezone.now()
    window = {"starts_at": now - timedelta(minutes=1), "ends_at": now + timedelta(days=2)}
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


def _team_led_by_someone_else(world, window: dict) -> Team:
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
