"""One SKU, one price-setting activity at a time, across the playbook apps (checked at creation)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from siyu.core.errors import SiyuError
from siyu.promotions.bargain.models import Bargain
from siyu.promotions.bargain.services.activities import BargainInput, create_bargain
from siyu.promotions.flashsale.models import FlashSale
from siyu.promotions.flashsale.services.manage import ItemInput, create_flash_sale
from siyu.promotions.groupbuy.models import GroupBuy
from siyu.promotions.groupbuy.services.activities import GroupBuyInput, GroupBuySkuInput, create_group_buy
from siyu.promotions.presale.models import Presale
from siyu.promotions.presale.services.admin import create_presale

pytestmark = pytest.mark.django_db


def _window(start_in_hours: int = 1, hours: int = 24) -> dict:
    start = timezone.now() + timedelta(hours=start_in_hours)
    return {"starts_at": start, "ends_at": start + timedelta(hours=hours)}


def _flash(owner, sku, **window):
    return create_flash_sale(
        staff=owner,
        title="秒杀",
        items=[ItemInput(sku_id=sku.pk, price=1000, quota=10)],
        **(window or _window()),
    )


def _group_buy(owner, sku, **window):
    data = GroupBuyInput(
        name="拼团",
        group_size=2,
        time_limit_hours=24,
        skus=[GroupBuySkuInput(sku.pk, 2000)],
        **(window or _window()),
    )
    return create_group_buy(staff=owner, data=data)


def _bargain(owner, sku, **window):
    data = BargainInput(
        name="砍价",
        sku_id=sku.pk,
        floor_price=0,
        helpers_needed=3,
        hours_to_finish=24,
        **(window or _window()),
    )
    return create_bargain(staff=owner, data=data)


def _presale(owner, sku, deposit_sku):
    start = timezone.now() + timedelta(hours=1)
    return create_presale(
        staff=owner,
        name="预售",
        sku_id=sku.pk,
        deposit_sku_id=deposit_sku.pk,
        deposit=1000,
        deduction=2000,
        deposit_starts_at=start,
        deposit_ends_at=start + timedelta(hours=12),
        balance_starts_at=start + timedelta(hours=12),
        balance_ends_at=start + timedelta(hours=24),
        ship_date=(start + timedelta(days=3)).date(),
    )


def _refused(make) -> dict:
    with pytest.raises(SiyuError) as exc:
        make()
    assert (exc.value.status, exc.value.code) == (409, "activity_conflict")
    return exc.value.detail


def test_a_flash_sale_sku_cannot_join_a_group_buy_bargain_or_presale(owner, make_product):
    sku = make_product(price=5000).skus.get()
    deposit = make_product(name="定金", price=1000).skus.get()
    sale = _flash(owner, sku)
    detail = _refused(lambda: _group_buy(owner, sku))
    assert detail == {"conflicts": [{"kind": "flash_sale", "id": sale.pk, "sku_id": sku.pk}]}
    _refused(lambda: _bargain(owner, sku))
    _refused(lambda: _presale(owner, sku, deposit))
    assert (GroupBuy.objects.count(), Bargain.objects.count(), Presale.objects.count()) == (0, 0, 0)


def test_a_group_buy_sku_cannot_join_a_flash_sale(owner, make_product):
    sku = make_product(price=5000).skus.get()
    team_buy = _group_buy(owner, sku)
    detail = _refused(lambda: _flash(owner, sku))
    assert detail == {"conflicts": [{"kind": "group_buy", "id": team_buy.pk, "sku_id": sku.pk}]}
    assert FlashSale.objects.count() == 0


def test_windows_that_do_not_overlap_are_fine(owner, make_product):
    sku = make_product(price=5000).skus.get()
    _flash(owner, sku, **_window(start_in_hours=1, hours=2))
    later = _group_buy(owner, sku, **_window(start_in_hours=5, hours=2))
    assert later.pk is not None


def test_merchants_may_allow_activities_side_by_side(owner, make_product, settings):
    settings.SIYU_ONE_ACTIVITY_PER_SKU = False
    sku = make_product(price=5000).skus.get()
    _flash(owner, sku)
    assert _group_buy(owner, sku).pk is not None
