"""One running activity of every playbook, made through the services, for storefront tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from siyu.promotions.bargain.models import Bargain
from siyu.promotions.bargain.services.activities import BargainInput, create_bargain
from siyu.promotions.campaigns.models import AssistCampaign, DrawCampaign, SplitCampaign
from siyu.promotions.campaigns.services import assist, pools, split
from siyu.promotions.campaigns.services.pools import PrizeInput
from siyu.promotions.flashsale.models import FlashSale
from siyu.promotions.flashsale.services import manage
from siyu.promotions.groupbuy.models import GroupBuy
from siyu.promotions.groupbuy.services.activities import GroupBuyInput, GroupBuySkuInput, create_group_buy
from siyu.promotions.presale.models import Presale
from siyu.promotions.presale.services import admin as presale_admin
from siyu.promotions.services.coupons import create_template
from siyu.tenancy.models import Staff


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
    window = {"starts_at": now - timedelta(hours=1), "ends_at": now + timedelta(days=3)}
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
    coupon = create_template(
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
