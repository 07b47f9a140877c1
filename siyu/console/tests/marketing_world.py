"""One activity of every playbook for a merchant, made through the playbook services (test helper)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone

from siyu.catalog.models import Sku
from siyu.catalog.services import SkuInput, create_product
from siyu.promotions.bargain.services.activities import BargainInput, create_bargain
from siyu.promotions.campaigns.services.assist import create_assist
from siyu.promotions.campaigns.services.pools import PrizeInput, create_blind_box, create_lottery
from siyu.promotions.campaigns.services.split import create_split
from siyu.promotions.flashsale.services.manage import ItemInput, create_flash_sale
from siyu.promotions.groupbuy.services.activities import GroupBuyInput, GroupBuySkuInput, create_group_buy
from siyu.promotions.presale.services.admin import create_presale
from siyu.tenancy.models import Staff


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
        "flash_sale": create_flash_sale(
            staff=owner,
            title=f"{prefix} 秒杀",
            starts_at=start,
            ends_at=end,
            items=[ItemInput(skus[0].pk, 5_000, 10)],
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
        "presale": create_presale(
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
        "assist": create_assist(
            staff=owner,
            name=f"{prefix} 助力",
            starts_at=start,
            ends_at=end,
            assists_needed=3,
            hours=24,
            reward_kind="points",
            reward_value=100,
        ),
        "split": create_split(
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
        "lottery": create_lottery(
            staff=owner,
            name=f"{prefix} 抽奖",
            starts_at=start,
            ends_at=end,
            min_order_amount=1_000,
            prizes=[PrizeInput(name="100 points", kind="points", weight_bp=5_000, value=100)],
        ),
        "blind_box": create_blind_box(
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
