"""Fixtures of the campaign playbooks' tests: a window around now and ready-made campaigns."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from django.utils import timezone

from siyu.promotions.campaigns.models import AssistCampaign, DrawCampaign, SplitCampaign
from siyu.testing import factories


@pytest.fixture
def now() -> datetime:
    return timezone.now()


@pytest.fixture
def window(now) -> dict[str, datetime]:
    return factories.campaign_window(now)


@pytest.fixture
def make_assist(owner, window) -> Callable[..., AssistCampaign]:
    return lambda **kw: factories.make_assist(owner, window, **kw)


@pytest.fixture
def make_split(owner, window) -> Callable[..., SplitCampaign]:
    return lambda **kw: factories.make_split(owner, window, **kw)


@pytest.fixture
def make_lottery(owner, window) -> Callable[..., DrawCampaign]:
    return lambda **kw: factories.make_lottery(owner, window, **kw)


@pytest.fixture
def box_sku(make_product):
    return make_product("Mystery box", price=5900, stock=100).skus.get()


@pytest.fixture
def make_blind_box(owner, window, box_sku) -> Callable[..., DrawCampaign]:
    return lambda **kw: factories.make_blind_box(owner, window, box_sku, **kw)
