"""Bargain fixtures: an activity on the shared ``sku`` (price 5000) and shoppers with an address."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from siyu.members.models import Address, Customer
from siyu.members.services import login_with_code, save_address
from siyu.promotions.bargain.models import Bargain
from siyu.promotions.bargain.services.activities import BargainInput, create_bargain


@pytest.fixture
def make_bargain(owner, sku) -> Callable[..., Bargain]:
    def make(**kw: Any) -> Bargain:
        staff = kw.pop("staff", owner)
        now = timezone.now()
        data = {
            "name": "Cut the tea",
            "sku_id": sku.pk,
            "starts_at": now - timedelta(minutes=1),
            "ends_at": now + timedelta(days=3),
            "floor_price": 1000,
            "helpers_needed": 3,
            "hours_to_finish": 24,
            **kw,
        }
        return create_bargain(staff=staff, data=BargainInput(**data))

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
