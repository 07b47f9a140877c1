"""The Redis gate: the Lua scripts' answers, rebuilding from the database, staying in step with staff
changes, healing lost units, and falling back to the database when Redis is down."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from siyu.orders.models import Order
from siyu.promotions.flashsale import redis_gate as gate
from siyu.promotions.flashsale.models import FlashSaleItem, FlashSalePurchase
from siyu.promotions.flashsale.playbook import FLASH_SALES
from siyu.promotions.flashsale.services import manage, quota
from siyu.promotions.kit.services import set_status

BASE = "/api/v1/shop/tea"
NOW = int(time.time() * 1000)  # keys expire on Redis's clock, so the tests use the real one


def state(**changes) -> gate.ItemState:
    values = {
        "merchant_id": 7,
        "sale_id": 11,
        "sku_id": 13,
        "left": 3,
        "limit": 2,
        "starts_ms": NOW - 1000,
        "ends_ms": NOW + 60_000,
        "open": True,
        "expire_ms": NOW + 10**9,
        "customers": {},
        **changes,
    }
    return gate.ItemState(**values)


ITEM = gate.Item(7, 11, 13)


def take(customer_id: int, quantity: int = 1, now: int = NOW) -> int:
    return gate.take(item=ITEM, customer_id=customer_id, quantity=quantity, now_ms=now)[0]


def test_take_answers_each_case(gate_redis):
    assert take(1) == gate.Verdict.MISSING
    assert gate.load(state(customers={5: 2}), force=False) is True
    assert take(1, 2) == 1  # one unit left after taking two
    assert take(1) == gate.Verdict.LIMIT  # customer 1 holds 2 of 2
    assert take(5) == gate.Verdict.LIMIT  # loaded with 2 already
    assert take(2, 2) == gate.Verdict.SOLD_OUT
    assert take(2, 1, now=NOW - 1001) == gate.Verdict.NOT_STARTED
    assert take(2, 1, now=NOW + 60_000) == gate.Verdict.ENDED
    assert take(2) == 0
    assert gate.read(ITEM) == (
        {
            "left": "0",
            "limit": "2",
            "starts": str(NOW - 1000),
            "ends": str(NOW + 60_000),
            "open": "1",
            "expire": str(NOW + 10**9),
        },
        {"1": "2", "2": "1", "5": "2"},
    )


def test_closed_gate_refuses_and_adjust_gives_back(gate_redis):
    gate.load(state(open=False), force=False)
    assert take(1) == gate.Verdict.CLOSED
    gate.load(state(left=1), force=True)
    assert take(1) == 0
    gate.adjust(item=ITEM, customer_id=1, quantity=1)
    assert gate.read(ITEM)[0]["left"] == "1"
    assert gate.read(ITEM)[1] == {}  # the customer's field goes at zero
    gate.adjust(item=ITEM, customer_id=3, quantity=-1)  # taken without the gate
    assert gate.read(ITEM)[0]["left"] == "0"
    assert gate.read(ITEM)[1] == {"3": "1"}


def test_load_without_force_keeps_existing_keys(gate_redis):
    gate.load(state(left=3), force=False)
    take(1)
    assert gate.load(state(left=9), force=False) is False
    assert gate.read(ITEM)[0]["left"] == "2"
    assert gate.load(state(left=9, customers={4: 1}), force=True) is True
    assert gate.read(ITEM)[1] == {"4": "1"}
    assert gate.read(ITEM)[0]["left"] == "9"


def test_missing_keys_are_rebuilt_from_the_database(gate_redis, make_flash_sale, sku, make_buyer):
    sale = make_flash_sale([(sku, 1990, 5)], limit=2)
    item = FlashSaleItem.objects.get()
    client, customer_id, address_id = make_buyer("alice")
    FlashSaleItem.objects.filter(pk=item.pk).update(reserved=2, sold=1)
    FlashSalePurchase.objects.create(merchant=item.merchant, item=item, customer_id=customer_id, quantity=2)

    refused = client.post(
        f"{BASE}/flash-sales/{sale.pk}/orders", {"sku_id": sku.pk, "address_id": address_id}
    )

    assert refused.json()["code"] == "flash_sale_limit_reached"
    meta, customers = gate.read(quota.gate_item(item))
    assert (meta["left"], meta["limit"], meta["open"], customers) == ("2", "2", "1", {str(customer_id): "2"})
    assert meta["starts"] == str(int(sale.starts_at.timestamp() * 1000))
    assert Order.objects.count() == 0


def test_staff_changes_reach_the_gate(
    gate_redis, make_flash_sale, owner, sku, make_buyer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sale = make_flash_sale([(sku, 1990, 5)], limit=1)
    item = FlashSaleItem.objects.get()
    assert gate.read(quota.gate_item(item))[0]["left"] == "5"  # loaded when created

    with django_capture_on_commit_callbacks(execute=True):
        manage.update_flash_sale(
            staff=owner,
            flash_sale_id=sale.pk,
            per_customer_limit=3,
            items=[manage.ItemInput(sku.pk, 1990, 8)],
        )
    meta = gate.read(quota.gate_item(item))[0]
    assert (meta["left"], meta["limit"]) == ("8", "3")

    with django_capture_on_commit_callbacks(execute=True):
        set_status(FLASH_SALES, "pause", staff=owner, activity_id=sale.pk)
    assert gate.read(quota.gate_item(item))[0]["open"] == "0"
    client, _customer_id, address_id = make_buyer("alice")
    paused = client.post(f"{BASE}/flash-sales/{sale.pk}/orders", {"sku_id": sku.pk, "address_id": address_id})
    assert paused.json()["code"] == "flash_sale_paused"

    with django_capture_on_commit_callbacks(execute=True):
        set_status(FLASH_SALES, "resume", staff=owner, activity_id=sale.pk)
    assert gate.read(quota.gate_item(item))[0]["open"] == "1"


def test_the_sweep_heals_units_lost_between_take_and_give_back(gate_redis, make_flash_sale, sku):
    make_flash_sale([(sku, 1990, 2)])
    item = FlashSaleItem.objects.get()
    manage.advance_flash_sales()  # loads the gate (creation's on_commit did not run in this test)
    for customer_id in (101, 102):  # two requests took at the gate and died before the database
        verdict, _held = gate.take(
            item=quota.gate_item(item),
            customer_id=customer_id,
            quantity=1,
            now_ms=int(timezone.now().timestamp() * 1000),
        )
        assert verdict >= 0
    assert gate.read(quota.gate_item(item))[0]["left"] == "0"

    assert manage.advance_flash_sales()["gates_resynced"] == 1
    assert gate.read(quota.gate_item(item))[1] == {}
    assert gate.read(quota.gate_item(item))[0]["left"] == "2"


def test_redis_down_falls_back_to_the_database(settings, make_flash_sale, sku, make_buyer):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    sale = make_flash_sale([(sku, 1990, 1)], starts_in=timedelta(minutes=-1))
    alice, _a, alice_address = make_buyer("alice")
    bob, _b, bob_address = make_buyer("bob")

    ok = alice.post(f"{BASE}/flash-sales/{sale.pk}/orders", {"sku_id": sku.pk, "address_id": alice_address})
    sold_out = bob.post(f"{BASE}/flash-sales/{sale.pk}/orders", {"sku_id": sku.pk, "address_id": bob_address})

    assert ok.status_code == 201
    assert sold_out.json()["code"] == "flash_sale_sold_out"
    assert FlashSaleItem.objects.get().reserved == 1


@pytest.mark.parametrize("merchant_id", [1, 22])
def test_keys_share_a_hash_tag_per_item(gate_redis, merchant_id):
    item_key, cust_key = gate.keys(gate.Item(merchant_id, 9, 4))
    tag = f"{{{merchant_id}:9:4}}"
    assert tag in item_key and tag in cust_key
    assert item_key.endswith(":item") and cust_key.endswith(":cust")
