"""Fixtures of the campaign playbooks' tests: a window around now and ready-made campaigns."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from siyu.promotions.campaigns.models import AssistCampaign, DrawCampaign, SplitCampaign
from siyu.promotions.campaigns.services import assist, pools, split
from siyu.promotions.campaigns.services.pools import PrizeInput


@pytest.fixture
def now() -> datetime:
    return timezone.now()


@pytest.fixture
def window(now) -> dict[str, datetime]:
    return {"starts_at": now - timedelta(hours=1), "ends_at": now + timedelta(days=7)}


@pytest.fixture
def make_assist(owner, window) -> Callable[..., AssistCampaign]:
    def make(**kw) -> AssistCampaign:
        values = {
            "name": "Help me",
            "assists_needed": 3,
            "hours": 24,
            "reward_kind": "points",
            "reward_value": 500,
            **window,
            **kw,
        }
        return assist.create_assist(staff=kw.pop("staff", owner), **values)

    return make


@pytest.fixture
def make_split(owner, window) -> Callable[..., SplitCampaign]:
    def make(**kw) -> SplitCampaign:
        values = {
            "name": "Split 100",
            "team_size": 3,
            "pool_amount": 10_000,
            "min_share": 100,
            "hours": 24,
            "reward_kind": "points",
            **window,
            **kw,
        }
        return split.create_split(staff=owner, **values)

    return make


PRIZES = [
    PrizeInput(name="Tea set", kind="item", weight_bp=100, stock=1),
    PrizeInput(name="500 points", kind="points", weight_bp=2000, stock=None, value=500),
]


@pytest.fixture
def make_lottery(owner, window) -> Callable[..., DrawCampaign]:
    def make(**kw) -> DrawCampaign:
        values = {"name": "Pay and draw", "min_order_amount": 5000, "prizes": PRIZES, **window, **kw}
        return pools.create_lottery(staff=owner, **values)

    return make


@pytest.fixture
def box_sku(make_product):
    return make_product("Mystery box", price=5900, stock=100).skus.get()


@pytest.fixture
def make_blind_box(owner, window, box_sku) -> Callable[..., DrawCampaign]:
    def make(**kw) -> DrawCampaign:
        values = {
            "name": "Figure box",
            "sku_id": box_sku.pk,
            "box_price": 3900,
            "prizes": [
                PrizeInput(name="Common", kind="item", weight_bp=9000, stock=8),
                PrizeInput(name="Secret", kind="item", weight_bp=1000, stock=2),
            ],
            **window,
            **kw,
        }
        return pools.create_blind_box(staff=owner, **values)

    return make
