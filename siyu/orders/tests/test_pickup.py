"""Pickup verification (核销) through the staff API: a used code says when, by whom and where."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest import mock

import pytest

from siyu.inventory.services import set_stock
from siyu.orders.models import Order, OrderStatus
from siyu.tenancy.models import Role
from siyu.tenancy.services import issue_staff_token
from siyu.testing.clients import ApiClient
from siyu.testing.flows import pay, place
from siyu.testing.snapshots import changed, tenant_rows

pytestmark = pytest.mark.django_db
VERIFY = "/api/v1/admin/pickups/verify"
HANDED_OVER = datetime(2026, 6, 15, 16, 30, tzinfo=UTC)  # 00:30 on 16 June in Shanghai: the date differs


@pytest.fixture
def pickup(customer, sku, outlet, merchant) -> Order:
    set_stock(merchant=merchant, sku=sku, outlet=outlet, on_hand=5)
    return pay(customer, place(customer, [(sku.pk, 1)], outlet_id=outlet.pk))


@pytest.mark.parametrize(
    ("language", "message"),
    [
        (
            "en",
            "This pickup code was already used: order {number} was handed over on 2026-06-16 00:30"
            " by 王店长 at Shanghai Xintiandi.",
        ),
        (
            "zh-hans",
            "该取货码已核销：订单 {number} 已于 2026-06-16 00:30 由 王店长 在 Shanghai Xintiandi 核销。",
        ),
    ],
)
def test_a_used_pickup_code_says_when_by_whom_and_where(
    pickup, outlet, merchant, make_staff, language, message
):
    clerk = make_staff(Role.OUTLET_MANAGER, outlets=[outlet])
    clerk.display_name = "王店长"
    clerk.save(update_fields=["display_name"])
    api = ApiClient(issue_staff_token(staff=clerk), language=language)
    with mock.patch("django.utils.timezone.now", return_value=HANDED_OVER):
        first = api.post(VERIFY, {"code": pickup.pickup_code})
    assert first.status_code == 200, first.content
    assert first.json()["status"] == OrderStatus.DELIVERED
    before = tenant_rows(merchant)

    again = api.post(VERIFY, {"code": pickup.pickup_code})

    assert again.status_code == 409, again.content
    assert again.json() == {
        "code": "pickup_already_verified",
        "message": message.format(number=pickup.number),
        "detail": {
            "order_id": pickup.pk,
            "order_number": pickup.number,
            "verified_at": "2026-06-16T00:30:00+08:00",
            "verified_by": "王店长",
            "verified_by_staff_id": clerk.pk,
            "outlet": "Shanghai Xintiandi",
            "outlet_id": outlet.pk,
        },
    }
    assert changed(before, tenant_rows(merchant)) == []


def test_a_code_no_order_ever_had_is_still_unknown(pickup, staff_api, merchant):
    wrong = "00000000" if pickup.pickup_code != "00000000" else "11111111"
    before = tenant_rows(merchant)
    response = staff_api.post(VERIFY, {"code": wrong})
    assert (response.status_code, response.json()["code"]) == (404, "pickup_code_invalid")
    assert changed(before, tenant_rows(merchant)) == []
