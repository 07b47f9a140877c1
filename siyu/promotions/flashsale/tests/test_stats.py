"""Stats: participants, orders by outcome, units, GMV and discount cost, exact to the fen."""

from __future__ import annotations

import pytest

from siyu.members.services import login_with_code, save_address
from siyu.orders.models import Order, OrderStatus
from siyu.orders.services import lifecycle
from siyu.promotions.flashsale.models import EntryStatus, FlashSaleEntry, FlashSaleItem
from siyu.promotions.flashsale.services.buying import BuyRequest, buy_flash_sale
from siyu.testing.flows import pay


@pytest.fixture(autouse=True)
def _no_redis(no_redis):
    return None


def test_stats_count_every_outcome(make_flash_sale, make_product, owner, staff_api, merchant):
    tea = make_product(name="Tea", price=5000).skus.get()
    cup = make_product(name="Cup", price=3000).skus.get()
    sale = make_flash_sale([(tea, 1990, 10), (cup, 1000, 5)], limit=2)
    orders = {}
    for name, sku, qty in (
        ("alice", tea, 2),
        ("bob", tea, 1),
        ("carol", tea, 1),
        ("dave", cup, 1),
        ("erin", cup, 1),
    ):
        customer = login_with_code(merchant=merchant, code=name).customer
        address = save_address(
            customer=customer, recipient=name, phone="13800000000", province="p", city="c", detail="d"
        )
        orders[name], _created = buy_flash_sale(
            customer=customer,
            request=BuyRequest(flash_sale_id=sale.pk, sku_id=sku.pk, quantity=qty, address_id=address.pk),
        )
    pay(orders["alice"].customer, orders["alice"])
    pay(orders["bob"].customer, orders["bob"])
    lifecycle.refund_and_close(order=orders["bob"], actor=owner, reason="test")
    lifecycle.cancel_order(order=orders["carol"], actor=orders["carol"].customer, reason="changed mind")
    pay(orders["erin"].customer, orders["erin"])  # dave's stays unpaid

    assert Order.objects.get(pk=orders["bob"].pk).status == OrderStatus.CLOSED
    statuses = sorted(FlashSaleEntry.objects.values_list("status", flat=True))
    assert statuses == sorted(
        [EntryStatus.PAID, EntryStatus.REFUNDED, EntryStatus.RELEASED, EntryStatus.RESERVED, EntryStatus.PAID]
    )
    assert list(FlashSaleItem.objects.order_by("sort_order").values_list("reserved", "sold")) == [
        (0, 3),
        (1, 1),
    ]

    resp = staff_api.get(f"/api/v1/admin/flash-sales/{sale.pk}/stats")
    assert resp.status_code == 200
    data = resp.json()
    tea_row, cup_row = data["items"]
    assert tea_row == {
        "sku_id": tea.pk,
        "product_name": "Tea",
        "quota": 10,
        "participants": 2,
        "orders_paid": 2,
        "orders_pending": 0,
        "orders_cancelled": 1,
        "orders_refunded": 1,
        "units_sold": 3,
        "units_reserved": 0,
        "gmv": 3 * 1990,
        "discount_cost": 3 * (5000 - 1990),
        "refunded_amount": 1990,
    }
    assert cup_row == {
        "sku_id": cup.pk,
        "product_name": "Cup",
        "quota": 5,
        "participants": 1,
        "orders_paid": 1,
        "orders_pending": 1,
        "orders_cancelled": 0,
        "orders_refunded": 0,
        "units_sold": 1,
        "units_reserved": 1,
        "gmv": 1000,
        "discount_cost": 2000,
        "refunded_amount": 0,
    }
    totals = {k: v for k, v in data.items() if k != "items"}
    assert totals == {
        "flash_sale_id": sale.pk,
        "status": "scheduled",
        "quota": 15,
        "participants": 3,
        "orders_paid": 3,
        "orders_pending": 1,
        "orders_cancelled": 1,
        "orders_refunded": 1,
        "units_sold": 4,
        "units_reserved": 1,
        "gmv": 3 * 1990 + 1000,
        "discount_cost": 3 * 3010 + 2000,
        "refunded_amount": 1990,
    }


def test_stats_of_an_empty_sale_are_zero(make_flash_sale, sku, staff_api):
    sale = make_flash_sale([(sku, 1990, 10)])
    data = staff_api.get(f"/api/v1/admin/flash-sales/{sale.pk}/stats").json()
    assert (data["participants"], data["orders_paid"], data["gmv"], data["discount_cost"], data["quota"]) == (
        0,
        0,
        0,
        0,
        10,
    )
    assert data["items"][0]["units_sold"] == 0
