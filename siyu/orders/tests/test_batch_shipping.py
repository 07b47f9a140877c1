"""Batch shipping from a file: every row's verdict, valid rows ship once, bad rows are reported,
a crash mid-apply leaves no row applied, and a file sent twice ships nothing twice."""

from __future__ import annotations

import pytest
from django.utils import translation

from siyu.core.errors import PermissionDenied
from siyu.inventory.services import set_stock
from siyu.orders.errors import ShipmentBatchInvalid
from siyu.orders.models import Order, OrderEvent, ShipmentBatch
from siyu.orders.services import lifecycle, shipping
from siyu.tenancy.models import AuditEntry, Role
from siyu.testing.factories import make_merchant, make_staff
from siyu.testing.flows import pay, place
from siyu.testing.order_ops import csv_file, paid_orders, sf_number, shipping_rows, xlsx_file
from siyu.testing.snapshots import changed, tenant_rows

pytestmark = pytest.mark.django_db


def verdicts(batch: ShipmentBatch) -> list[tuple[int, str, str]]:
    return [(row["line"], row["outcome"], row["reason"]) for row in batch.rows]


def test_fifty_rows_with_two_bad_ones_ship_exactly_the_other_48(owner, customer, address, sku):
    orders = paid_orders(customer, address, sku.pk, 50)
    rows = shipping_rows(orders)
    rows[10][2] = "SF123"  # a typo: too short for SF
    rows[30][0] = "O-NO-SUCH-ORDER"
    batch = shipping.preview_shipment_batch(staff=owner, data=csv_file(rows), filename="parcels.csv")

    assert shipping.summary(batch.rows) == {"ready": 48, "shipped": 0, "unchanged": 0, "error": 2}
    assert [(r["line"], r["reason"]) for r in batch.rows if r["outcome"] == "error"] == [
        (12, "bad_tracking"),  # line 1 is the header
        (32, "unknown_order"),
    ]
    assert Order.objects.filter(status="shipped").count() == 0  # the preview ships nothing

    applied = shipping.apply_shipment_batch(staff=owner, batch_id=batch.pk)

    assert shipping.summary(applied.rows) == {"ready": 0, "shipped": 48, "unchanged": 0, "error": 2}
    shipped = Order.objects.filter(status="shipped").order_by("pk")
    assert [o.pk for o in shipped] == [o.pk for i, o in enumerate(orders) if i not in (10, 30)]
    assert {(o.carrier, o.tracking_number) for o in shipped} == {("SF", sf_number(o.pk)) for o in shipped}
    assert Order.objects.get(pk=orders[10].pk).status == "paid"
    assert AuditEntry.objects.filter(action="order.ship").count() == 48
    audit = AuditEntry.objects.get(action="order.batch_ship")
    assert audit.after == {"filename": "parcels.csv", "shipped": 48, "unchanged": 0, "errors": 2}

    # A second click on "ship" returns the first result and ships nothing more.
    again = shipping.apply_shipment_batch(staff=owner, batch_id=batch.pk)
    assert again.rows == applied.rows
    assert OrderEvent.objects.filter(kind="shipped").count() == 48
    assert AuditEntry.objects.filter(action="order.batch_ship").count() == 1


def test_every_kind_of_bad_row_is_named(owner, customer, address, sku, outlet, merchant):
    ok, twice, done, held, cancelled = paid_orders(customer, address, sku.pk, 5)
    unpaid = place(customer, [(sku.pk, 1)], address=address)
    set_stock(merchant=merchant, sku=sku, outlet=outlet, on_hand=5)
    pickup = pay(customer, place(customer, [(sku.pk, 1)], outlet_id=outlet.pk))
    lifecycle.ship_order(staff=owner, order_id=done.pk, carrier="SF", tracking_number=sf_number(1))
    Order.objects.filter(pk=held.pk).update(hold_reason="group_forming")
    lifecycle.cancel_order(order=unpaid, actor=owner, reason="merchant_cancelled")
    other_unpaid = place(customer, [(sku.pk, 1)], address=address)
    theirs = make_merchant("other")
    rows = [
        [ok.number, "顺丰速运", "sf 1234567890001"],
        [twice.number, "SF", sf_number(2)],
        [twice.number, "SF", sf_number(3)],
        [done.number, "SF", sf_number(4)],
        [done.number.lower(), "SF", sf_number(1)],
        [held.number, "SF", sf_number(5)],
        [unpaid.number, "SF", sf_number(6)],
        [other_unpaid.number, "SF", sf_number(7)],
        [pickup.number, "SF", sf_number(8)],
        [cancelled.number, "UPS", "1Z999AA10123456784"],
        [cancelled.number, "YTO", "SF1234567890123"],
        [cancelled.number, "", "YT1234567890123"],
        ["O" + theirs.slug, "SF", sf_number(9)],
    ]
    batch = shipping.preview_shipment_batch(staff=owner, data=csv_file(rows, header=None))

    assert verdicts(batch) == [
        (1, "ready", ""),
        (2, "ready", ""),
        (3, "error", "duplicate_row"),
        (4, "error", "already_shipped"),
        (5, "error", "duplicate_row"),  # the order number is read case-blind: line 4 named it
        (6, "error", "on_hold"),
        (7, "error", "closed"),
        (8, "error", "not_paid"),
        (9, "error", "pickup_order"),
        (10, "error", "unknown_courier"),
        (11, "error", "bad_tracking"),
        (12, "error", "missing_field"),
        (13, "error", "unknown_order"),
    ]
    assert batch.rows[0]["tracking_number"] == "SF1234567890001"
    assert batch.rows[2]["duplicate_of"] == 2
    with translation.override("en"):
        assert shipping.reason_text(batch.rows[2]) == "This order is already on line 2 of the file."
        assert shipping.reason_text(batch.rows[10]) == (
            "Not a tracking number of YTO Express: they look like YT1234567890123."
        )


def test_a_file_sent_twice_ships_each_order_once(owner, customer, address, sku):
    orders = paid_orders(customer, address, sku.pk, 3)
    data = csv_file(shipping_rows(orders))
    first = shipping.preview_shipment_batch(staff=owner, data=data)
    shipping.apply_shipment_batch(staff=owner, batch_id=first.pk)

    second = shipping.preview_shipment_batch(staff=owner, data=data)
    assert verdicts(second) == [
        (2, "unchanged", "unchanged"),
        (3, "unchanged", "unchanged"),
        (4, "unchanged", "unchanged"),
    ]
    applied = shipping.apply_shipment_batch(staff=owner, batch_id=second.pk)

    assert shipping.summary(applied.rows)["shipped"] == 0
    assert OrderEvent.objects.filter(kind="shipped").count() == 3


def test_a_crash_mid_apply_leaves_no_row_applied_and_the_batch_can_be_applied_again(
    owner, customer, address, sku, monkeypatch
):
    orders = paid_orders(customer, address, sku.pk, 4)
    batch = shipping.preview_shipment_batch(staff=owner, data=csv_file(shipping_rows(orders)))
    real = lifecycle.ship_order
    calls = {"n": 0}

    def crash_on_third(**kw):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("the database went away")
        return real(**kw)

    monkeypatch.setattr(lifecycle, "ship_order", crash_on_third)
    before = tenant_rows(owner.merchant)
    with pytest.raises(RuntimeError):
        shipping.apply_shipment_batch(staff=owner, batch_id=batch.pk)
    assert changed(before, tenant_rows(owner.merchant)) == []

    monkeypatch.setattr(lifecycle, "ship_order", real)
    applied = shipping.apply_shipment_batch(staff=owner, batch_id=batch.pk)
    assert shipping.summary(applied.rows)["shipped"] == 4


def test_an_order_closed_after_the_preview_is_reported_and_the_rest_ship(owner, customer, address, sku):
    first, second = paid_orders(customer, address, sku.pk, 2)
    batch = shipping.preview_shipment_batch(staff=owner, data=csv_file(shipping_rows([first, second])))
    lifecycle.refund_and_close(order=first, actor=owner, reason="merchant_cancelled")

    applied = shipping.apply_shipment_batch(staff=owner, batch_id=batch.pk)

    assert verdicts(applied) == [(2, "error", "closed"), (3, "shipped", "")]


def test_excel_files_with_numbers_as_numbers_and_gbk_csv_are_read(owner, customer, address, sku):
    one, two = paid_orders(customer, address, sku.pk, 2)
    book = xlsx_file([[one.number, "中通", 781234567890], [two.number, "JD", "JDVA12345678901"]])
    batch = shipping.preview_shipment_batch(staff=owner, data=book, filename="发货.xlsx")
    assert [(r["carrier"], r["tracking_number"], r["outcome"]) for r in batch.rows] == [
        ("ZTO", "781234567890", "ready"),
        ("JD", "JDVA12345678901", "ready"),
    ]
    gbk = f"订单号,快递公司,快递单号\n{one.number},圆通速递,YT1234567890123\n".encode("gbk")
    assert verdicts(shipping.preview_shipment_batch(staff=owner, data=gbk, filename="g.csv")) == [
        (2, "ready", "")
    ]


def test_files_that_cannot_be_read_are_refused_and_write_nothing(owner):
    before = tenant_rows(owner.merchant)
    with pytest.raises(ShipmentBatchInvalid) as missing:
        shipping.preview_shipment_batch(staff=owner, data="订单号,快递单号\nO1,SF1\n".encode())
    assert missing.value.detail == {"missing_columns": ["carrier"]}
    too_many = csv_file([["O1", "SF", sf_number(i)] for i in range(shipping.MAX_ROWS + 1)])
    with pytest.raises(ShipmentBatchInvalid):
        shipping.preview_shipment_batch(staff=owner, data=too_many)
    assert changed(before, tenant_rows(owner.merchant)) == []


def test_staff_without_fulfilment_cannot_batch_ship(owner, merchant, customer, address, sku):
    orders = paid_orders(customer, address, sku.pk, 1)
    batch = shipping.preview_shipment_batch(staff=owner, data=csv_file(shipping_rows(orders)))
    guide = make_staff(merchant, Role.GUIDE)
    before = tenant_rows(merchant)
    with pytest.raises(PermissionDenied):
        shipping.preview_shipment_batch(staff=guide, data=csv_file(shipping_rows(orders)))
    with pytest.raises(PermissionDenied):
        shipping.apply_shipment_batch(staff=guide, batch_id=batch.pk)
    assert changed(before, tenant_rows(merchant)) == []
