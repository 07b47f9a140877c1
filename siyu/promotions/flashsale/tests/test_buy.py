"""Buying through the shop API, on the database path and on the Redis path: units held, sold,
released on payment timeout; every refusal leaves the sale, the gate and the stock as they were."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from siyu.inventory.models import StockLevel
from siyu.inventory.services import set_stock
from siyu.members.models import Customer
from siyu.orders.models import LineKind, Order, OrderLine, OrderStatus
from siyu.orders.services import lifecycle
from siyu.promotions.flashsale import redis_gate as gate
from siyu.promotions.flashsale.models import (
    EntryStatus,
    FlashSale,
    FlashSaleEntry,
    FlashSaleItem,
    FlashSalePurchase,
)
from siyu.promotions.flashsale.playbook import FLASH_SALES
from siyu.promotions.kit.services import set_status
from siyu.testing.flows import pay

BASE = "/api/v1/shop/tea"


@pytest.fixture
def sale(make_flash_sale, sku):
    return make_flash_sale([(sku, 1990, 5)], limit=1)


def buy(client, sale_id, sku_id, address_id, *, quantity=1, key=None, **extra):
    headers = {"Idempotency-Key": key} if key else None
    body = {"sku_id": sku_id, "quantity": quantity, "address_id": address_id, **extra}
    return client.post(f"{BASE}/flash-sales/{sale_id}/orders", body, headers=headers)


def state(sale, sku):
    """(reserved, sold) of the item, and (on hand, reserved) of the SKU's warehouse stock."""
    item = FlashSaleItem.objects.get(flash_sale=sale, sku=sku)
    stock = StockLevel.objects.get(sku=sku, outlet=None)
    return (item.reserved, item.sold), (stock.on_hand, stock.reserved)


def gate_left(sale, sku) -> tuple[int, dict[str, str]]:
    meta, customers = gate.read(gate.Item(sale.merchant_id, sale.pk, sku.pk))
    return int(meta["left"]), customers


def test_buy_holds_units_at_the_flash_price(path, sale, sku, make_buyer, django_capture_on_commit_callbacks):
    client, customer_id, address_id = make_buyer("alice")
    with django_capture_on_commit_callbacks(execute=True):
        resp = buy(client, sale.pk, sku.pk, address_id, key="k-1")

    assert resp.status_code == 201, resp.json()
    body = resp.json()
    # ¥50.00 list, ¥19.90 flash, ¥10 shipping (¥19.90 is below the ¥99 free-shipping threshold).
    assert (body["goods_amount"], body["discount_amount"], body["shipping_fee"], body["payable_amount"]) == (
        5000,
        3010,
        1000,
        2990,
    )
    assert body["status"] == "pending_payment"
    line = OrderLine.objects.get(order_id=body["id"])
    assert (line.kind, line.activity_kind, line.activity_id) == (LineKind.ACTIVITY, "flash_sale", sale.pk)
    assert (line.unit_price, line.quantity, line.paid_amount) == (5000, 1, 1990)
    assert state(sale, sku) == ((1, 0), (100, 1))
    entry = FlashSaleEntry.objects.get()
    assert (entry.order_id, entry.customer_id, entry.quantity, entry.unit_price, entry.status) == (
        body["id"],
        customer_id,
        1,
        1990,
        EntryStatus.RESERVED,
    )
    assert FlashSalePurchase.objects.get().quantity == 1
    if path == "redis":
        assert gate_left(sale, sku) == (4, {str(customer_id): "1"})


def test_payment_turns_held_units_into_sold(path, sale, sku, make_buyer, django_capture_on_commit_callbacks):
    client, customer_id, address_id = make_buyer("alice")
    with django_capture_on_commit_callbacks(execute=True):
        order = Order.objects.get(pk=buy(client, sale.pk, sku.pk, address_id).json()["id"])
        paid = pay(Customer.objects.get(pk=customer_id), order)

    assert paid.status == OrderStatus.PAID
    assert state(sale, sku)[0] == (0, 1)
    assert FlashSaleEntry.objects.get().status == EntryStatus.PAID
    assert FlashSalePurchase.objects.get().quantity == 1
    if path == "redis":
        assert gate_left(sale, sku) == (4, {str(customer_id): "1"})


def test_payment_timeout_gives_the_units_and_the_limit_back(
    path, sale, sku, make_buyer, django_capture_on_commit_callbacks
):
    client, _customer_id, address_id = make_buyer("alice")
    with django_capture_on_commit_callbacks(execute=True):
        first = buy(client, sale.pk, sku.pk, address_id).json()
    later = timezone.now() + timedelta(minutes=31)

    with django_capture_on_commit_callbacks(execute=True):
        assert lifecycle.cancel_unpaid_orders(now=later) == 1

    assert Order.objects.get(pk=first["id"]).cancel_reason == "payment_timeout"
    assert state(sale, sku) == ((0, 0), (100, 0))
    assert FlashSaleEntry.objects.get().status == EntryStatus.RELEASED
    assert FlashSalePurchase.objects.get().quantity == 0
    if path == "redis":
        assert gate_left(sale, sku) == (5, {})
    with django_capture_on_commit_callbacks(execute=True):
        again = buy(client, sale.pk, sku.pk, address_id)
    assert again.status_code == 201
    assert state(sale, sku)[0] == (1, 0)


def test_sale_payment_window_shortens_the_orders_deadline(
    path, make_flash_sale, sku, make_buyer, django_capture_on_commit_callbacks
):
    sale = make_flash_sale([(sku, 1990, 5)], payment_minutes=5)
    client, _customer_id, address_id = make_buyer("alice")
    with django_capture_on_commit_callbacks(execute=True):
        order = Order.objects.get(pk=buy(client, sale.pk, sku.pk, address_id).json()["id"])
    assert order.expires_at == order.created_at + timedelta(minutes=5)
    with django_capture_on_commit_callbacks(execute=True):
        assert lifecycle.cancel_unpaid_orders(now=order.created_at + timedelta(minutes=6)) == 1
    assert state(sale, sku)[0] == (0, 0)


def test_a_second_order_past_the_limit_is_refused_and_changes_nothing(
    path, sale, sku, make_buyer, django_capture_on_commit_callbacks
):
    client, customer_id, address_id = make_buyer("alice")
    with django_capture_on_commit_callbacks(execute=True):
        buy(client, sale.pk, sku.pk, address_id, key="a")
        resp = buy(client, sale.pk, sku.pk, address_id, key="b")

    assert resp.status_code == 409
    assert resp.json()["code"] == "flash_sale_limit_reached"
    assert Order.objects.count() == 1
    assert state(sale, sku) == ((1, 0), (100, 1))
    assert FlashSalePurchase.objects.get().quantity == 1
    if path == "redis":
        assert gate_left(sale, sku) == (4, {str(customer_id): "1"})


def test_more_units_than_the_limit_in_one_order_are_refused(
    path, make_flash_sale, sku, make_buyer, django_capture_on_commit_callbacks
):
    sale = make_flash_sale([(sku, 1990, 5)], limit=2)
    client, _customer_id, address_id = make_buyer("alice")
    with django_capture_on_commit_callbacks(execute=True):
        resp = buy(client, sale.pk, sku.pk, address_id, quantity=3)
        ok = buy(client, sale.pk, sku.pk, address_id, quantity=2)

    assert resp.json()["code"] == "flash_sale_limit_reached"
    assert ok.status_code == 201
    assert ok.json()["payable_amount"] == 2 * 1990 + 1000
    assert state(sale, sku)[0] == (2, 0)


def test_sold_out_is_refused_and_changes_nothing(
    path, make_flash_sale, sku, make_buyer, django_capture_on_commit_callbacks
):
    sale = make_flash_sale([(sku, 1990, 1)])
    alice, _alice_id, alice_address = make_buyer("alice")
    bob, _bob_id, bob_address = make_buyer("bob")
    with django_capture_on_commit_callbacks(execute=True):
        assert buy(alice, sale.pk, sku.pk, alice_address).status_code == 201
        resp = buy(bob, sale.pk, sku.pk, bob_address)

    assert resp.status_code == 409
    assert resp.json()["code"] == "flash_sale_sold_out"
    assert Order.objects.count() == 1
    assert state(sale, sku) == ((1, 0), (100, 1))
    if path == "redis":
        assert gate_left(sale, sku)[0] == 0


@pytest.mark.parametrize(
    ("starts_in", "ends_in", "code"),
    [
        (timedelta(minutes=10), timedelta(hours=1), "flash_sale_not_started"),
        (timedelta(hours=-2), timedelta(seconds=-1), "flash_sale_ended"),
    ],
)
def test_outside_the_window_is_refused(path, make_flash_sale, sku, make_buyer, starts_in, ends_in, code):
    sale = make_flash_sale([(sku, 1990, 5)], starts_in=timedelta(minutes=1))
    now = timezone.now()
    FlashSale.objects.filter(pk=sale.pk).update(starts_at=now + starts_in, ends_at=now + ends_in)
    client, _customer_id, address_id = make_buyer("alice")
    resp = buy(client, sale.pk, sku.pk, address_id)
    assert resp.status_code == 409
    assert resp.json()["code"] == code
    assert Order.objects.count() == 0
    assert state(sale, sku) == ((0, 0), (100, 0))


def test_paused_ended_and_draft_sales_refuse(
    path, make_flash_sale, owner, sku, make_buyer, django_capture_on_commit_callbacks
):
    sale = make_flash_sale([(sku, 1990, 5)])
    client, _customer_id, address_id = make_buyer("alice")
    with django_capture_on_commit_callbacks(execute=True):
        set_status(FLASH_SALES, "pause", staff=owner, activity_id=sale.pk)
    paused = buy(client, sale.pk, sku.pk, address_id)
    with django_capture_on_commit_callbacks(execute=True):
        set_status(FLASH_SALES, "resume", staff=owner, activity_id=sale.pk)
    resumed = buy(client, sale.pk, sku.pk, address_id, key="r")
    with django_capture_on_commit_callbacks(execute=True):
        set_status(FLASH_SALES, "end", staff=owner, activity_id=sale.pk)
    ended = buy(client, sale.pk, sku.pk, address_id)

    assert (paused.status_code, paused.json()["code"]) == (409, "flash_sale_paused")
    assert resumed.status_code == 201
    assert (ended.status_code, ended.json()["code"]) == (409, "flash_sale_ended")
    assert Order.objects.count() == 1
    assert state(sale, sku)[0] == (1, 0)


def test_draft_sale_is_not_found(path, make_flash_sale, sku, make_buyer):
    sale = make_flash_sale([(sku, 1990, 5)], publish=False)
    client, _customer_id, address_id = make_buyer("alice")
    resp = buy(client, sale.pk, sku.pk, address_id)
    assert (resp.status_code, resp.json()["code"]) == (404, "flash_sale_not_found")
    other = buy(client, sale.pk + 1000, sku.pk, address_id)
    assert (other.status_code, other.json()["code"]) == (404, "flash_sale_not_found")
    assert Order.objects.count() == 0


def test_replayed_idempotency_key_returns_the_same_order_without_taking_more(
    path, sale, sku, make_buyer, django_capture_on_commit_callbacks
):
    client, customer_id, address_id = make_buyer("alice")
    with django_capture_on_commit_callbacks(execute=True):
        first = buy(client, sale.pk, sku.pk, address_id, key="same")
        again = buy(client, sale.pk, sku.pk, address_id, key="same")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert state(sale, sku) == ((1, 0), (100, 1))
    if path == "redis":
        assert gate_left(sale, sku) == (4, {str(customer_id): "1"})


def test_a_failure_after_the_gate_gives_the_units_back(
    path, sale, sku, make_buyer, django_capture_on_commit_callbacks
):
    set_stock(merchant=sku.merchant, sku=sku, on_hand=0)
    client, _customer_id, address_id = make_buyer("alice")
    with django_capture_on_commit_callbacks(execute=True):
        resp = buy(client, sale.pk, sku.pk, address_id)

    assert resp.json()["code"] == "out_of_stock"
    assert Order.objects.count() == 0
    assert state(sale, sku) == ((0, 0), (0, 0))
    assert FlashSaleEntry.objects.count() == 0
    if path == "redis":
        assert gate_left(sale, sku) == (5, {})


def test_units_bought_through_plain_checkout_count_at_the_gate(
    path, sale, sku, make_buyer, django_capture_on_commit_callbacks
):
    client, customer_id, address_id = make_buyer("alice")
    body = {
        "lines": [{"sku_id": sku.pk, "quantity": 1, "activity": {"kind": "flash_sale", "id": sale.pk}}],
        "address_id": address_id,
    }
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(f"{BASE}/orders", body)
    with django_capture_on_commit_callbacks(execute=True):
        second = buy(client, sale.pk, sku.pk, address_id)

    assert resp.status_code == 201, resp.json()
    assert resp.json()["payable_amount"] == 2990
    assert second.json()["code"] == "flash_sale_limit_reached"
    assert state(sale, sku)[0] == (1, 0)
    if path == "redis":
        assert gate_left(sale, sku) == (4, {str(customer_id): "1"})


def test_buying_needs_a_login(sale, sku, no_redis):
    from siyu.testing.clients import ApiClient

    resp = ApiClient().post(f"{BASE}/flash-sales/{sale.pk}/orders", {"sku_id": sku.pk})
    assert resp.status_code == 401
    assert Order.objects.count() == 0
