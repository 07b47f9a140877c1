"""Real threads against PostgreSQL, on both paths: exact quota, exact per-customer limit, and
cancellations racing new buyers never lose or duplicate a unit."""

from __future__ import annotations

from collections import Counter

import pytest

from siyu.inventory.models import StockLevel
from siyu.members.services import login_with_code, save_address
from siyu.orders.models import Order, OrderStatus
from siyu.orders.services import lifecycle
from siyu.promotions.flashsale import redis_gate as gate
from siyu.promotions.flashsale.models import EntryStatus, FlashSaleEntry, FlashSaleItem, FlashSalePurchase
from siyu.promotions.flashsale.services import quota
from siyu.promotions.flashsale.services.buying import BuyRequest, buy_flash_sale
from siyu.testing.concurrency import postgres_only, run_together  # noqa: F401 - postgres_only is autouse

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 16  # the machine's PostgreSQL allows 100 connections, shared with other test runs


def buyers(merchant, n: int, prefix: str = "buyer"):
    out = []
    for i in range(n):
        customer = login_with_code(merchant=merchant, code=f"{prefix}-{i}").customer
        address = save_address(
            customer=customer, recipient="r", phone="13800000000", province="p", city="c", detail="d"
        )
        out.append((customer, address))
    return out


@pytest.mark.parametrize("cold", [False, True], ids=["warm", "cold"])
def test_many_buyers_for_few_units_buy_exactly_the_quota(path, cold, merchant, make_flash_sale, make_product):
    if cold and path == "db":
        pytest.skip("only the gate has keys to lose")
    sku = make_product(stock=50).skus.get()
    sale = make_flash_sale([(sku, 1990, 5)])
    if cold:  # every buyer finds the keys missing and races to rebuild them
        gate.forget(gate.Item(merchant.pk, sale.pk, sku.pk))
    people = buyers(merchant, THREADS)

    def attempt(i: int) -> int:
        customer, address = people[i]
        order, _created = buy_flash_sale(
            customer=customer, request=BuyRequest(flash_sale_id=sale.pk, sku_id=sku.pk, address_id=address.pk)
        )
        return order.pk

    results = run_together(THREADS, attempt)

    assert Counter("ok" if isinstance(r, int) else r for r in results) == {
        "ok": 5,
        "flash_sale_sold_out": THREADS - 5,
    }
    item = FlashSaleItem.objects.get()
    assert (item.reserved, item.sold) == (5, 0)
    assert Order.objects.count() == 5
    assert StockLevel.objects.get(sku=sku, outlet=None).reserved == 5
    assert (
        sorted(FlashSalePurchase.objects.filter(quantity__gt=0).values_list("quantity", flat=True)) == [1] * 5
    )
    if path == "redis":
        meta, customers = gate.read(quota.gate_item(item))
        assert meta["left"] == "0"
        assert sorted(customers.values()) == ["1"] * 5


def test_one_customer_racing_themself_stays_within_the_limit(path, merchant, make_flash_sale, make_product):
    sku = make_product(stock=50).skus.get()
    sale = make_flash_sale([(sku, 1990, 20)], limit=2)
    [(customer, address)] = buyers(merchant, 1)

    def attempt(i: int) -> int:
        order, _created = buy_flash_sale(
            customer=customer,
            request=BuyRequest(flash_sale_id=sale.pk, sku_id=sku.pk, address_id=address.pk),
            idempotency_key=f"attempt-{i}",
        )
        return order.pk

    results = run_together(10, attempt)

    assert Counter("ok" if isinstance(r, int) else r for r in results) == {
        "ok": 2,
        "flash_sale_limit_reached": 8,
    }
    assert FlashSaleItem.objects.get().reserved == 2
    assert FlashSalePurchase.objects.get().quantity == 2


def test_cancellations_racing_new_buyers_lose_no_unit(path, merchant, make_flash_sale, make_product):
    sku = make_product(stock=50).skus.get()
    sale = make_flash_sale([(sku, 1990, 4)])
    first = buyers(merchant, 4, "first")
    orders = [
        buy_flash_sale(customer=c, request=BuyRequest(flash_sale_id=sale.pk, sku_id=sku.pk, address_id=a.pk))[
            0
        ]
        for c, a in first
    ]
    second = buyers(merchant, 8, "second")

    def work(i: int) -> object:
        if i < 4:
            lifecycle.cancel_order(order=orders[i], actor=None, reason="payment_timeout")
            return "cancelled"
        customer, address = second[i - 4]
        order, _created = buy_flash_sale(
            customer=customer, request=BuyRequest(flash_sale_id=sale.pk, sku_id=sku.pk, address_id=address.pk)
        )
        return order.pk

    results = run_together(12, work)

    assert results[:4] == ["cancelled"] * 4
    bought = [r for r in results[4:] if isinstance(r, int)]
    assert all(isinstance(r, int) or r == "flash_sale_sold_out" for r in results[4:])
    item = FlashSaleItem.objects.get()
    held = Order.objects.filter(status=OrderStatus.PENDING_PAYMENT).count()
    assert held == len(bought) == item.reserved
    assert FlashSaleEntry.objects.filter(status=EntryStatus.RESERVED).count() == len(bought)
    assert FlashSaleEntry.objects.filter(status=EntryStatus.RELEASED).count() == 4
    assert StockLevel.objects.get(sku=sku, outlet=None).reserved == len(bought)
    if path == "redis":
        # Every give-back and take reached the gate: it holds exactly what the database has free.
        assert int(gate.read(quota.gate_item(item))[0]["left"]) == item.quota - item.reserved - item.sold
