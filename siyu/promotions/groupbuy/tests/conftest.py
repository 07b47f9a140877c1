"""Group-buy fixtures: an activity on the shared ``sku`` and shoppers with an address."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from siyu.members.models import Address, Customer
from siyu.members.services import login_with_code, save_address
from siyu.promotions.groupbuy.models import GroupBuy
from siyu.promotions.groupbuy.services.activities import GroupBuyInput, GroupBuySkuInput, create_group_buy
from siyu.promotions.groupbuy.services.teams import Delivery


@pytest.fixture
def make_group_buy(owner, sku) -> Callable[..., GroupBuy]:
    def make(**kw: Any) -> GroupBuy:
        staff = kw.pop("staff", owner)
        now = timezone.now()
        skus = kw.pop("skus", [GroupBuySkuInput(sku.pk, group_price=3000, leader_price=2500)])
        data = {
            "name": "Three for tea",
            "starts_at": now - timedelta(minutes=1),
            "ends_at": now + timedelta(days=3),
            "group_size": 3,
            "time_limit_hours": 24,
            "skus": skus,
            **kw,
        }
        return create_group_buy(staff=staff, data=GroupBuyInput(**data))

    return make


@pytest.fixture
def shopper(merchant) -> Callable[[str], tuple[Customer, Address, str]]:
    """A logged-in customer nicknamed ``code`` with a delivery address: (customer, address, token)."""

    def make(code: str) -> tuple[Customer, Address, str]:
        login = login_with_code(merchant=merchant, code=code)
        login.customer.nickname = code
        login.customer.save(update_fields=["nickname"])
        address = save_address(
            customer=login.customer,
            recipient=code,
            phone="13800000000",
            province="上海",
            city="上海",
            district="黄浦",
            detail="南京东路1号",
        )
        return login.customer, address, login.token

    return make


def delivery_to(address: Address) -> Delivery:
    return Delivery(address_id=address.pk)
