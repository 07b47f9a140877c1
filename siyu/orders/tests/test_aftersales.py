import pytest

from siyu.inventory.models import StockLevel
from siyu.orders.errors import AfterSaleNotAllowed, AfterSaleOpen, RefundExceedsPaid
from siyu.orders.models import AfterSaleStatus, OrderStatus, Refund
from siyu.orders.services import aftersales, lifecycle
from siyu.orders.services.aftersales import AfterSaleLineRequest as L
from siyu.testing.flows import pay, place

pytestmark = pytest.mark.django_db


def on_hand(sku):
    return StockLevel.objects.get(sku=sku, outlet=None).on_hand


@pytest.fixture
def shipped(customer, make_product, address, owner):
    a = make_product("A", price=3333, stock=10).skus.get()
    b = make_product("B", price=1000, stock=10).skus.get()
    order = pay(customer, place(customer, [(a.pk, 3), (b.pk, 1)], address=address))
    lifecycle.ship_order(staff=owner, order_id=order.pk, carrier="SF", tracking_number="SF1234567890123")
    order.refresh_from_db()
    return order, a, b


def test_partial_return_refunds_line_share_and_restocks(customer, owner, shipped):
    order, a, _b = shipped
    line_a = order.lines.get(sku=a)
    req = aftersales.request_after_sale(
        customer=customer, order_id=order.pk, kind="return_refund", reason="broken", lines=[L(line_a.pk, 1)]
    )
    assert req.amount == 3333  # 9999 * 1 // 3
    aftersales.approve_after_sale(staff=owner, after_sale_id=req.pk)
    req.refresh_from_db()
    assert req.status == AfterSaleStatus.APPROVED
    assert on_hand(a) == 7

    aftersales.confirm_goods_returned(staff=owner, after_sale_id=req.pk)
    req.refresh_from_db()
    order.refresh_from_db()
    line_a.refresh_from_db()
    assert req.status == AfterSaleStatus.REFUNDED
    assert on_hand(a) == 8
    assert (line_a.refunded_quantity, line_a.refunded_amount) == (1, 3333)
    assert order.refunded_amount == 3333 and order.status == OrderStatus.SHIPPED
    assert Refund.objects.get().amount == 3333


def test_refunding_every_unit_returns_every_fen_and_closes(customer, owner, shipped):
    order, a, b = shipped
    line_a, line_b = order.lines.get(sku=a), order.lines.get(sku=b)
    for qty in (1, 1, 1):
        r = aftersales.request_after_sale(
            customer=customer, order_id=order.pk, kind="refund_only", reason="late", lines=[L(line_a.pk, qty)]
        )
        aftersales.approve_after_sale(staff=owner, after_sale_id=r.pk)
    r = aftersales.request_after_sale(customer=customer, order_id=order.pk, kind="refund_only", reason="late")
    assert r.amount == 1000  # only line B is left
    aftersales.approve_after_sale(staff=owner, after_sale_id=r.pk)
    order.refresh_from_db()
    assert sorted(Refund.objects.values_list("amount", flat=True)) == [1000, 3333, 3333, 3333]
    assert order.refunded_amount == order.paid_amount == 10999
    assert order.status == OrderStatus.CLOSED
    with pytest.raises(AfterSaleNotAllowed):
        aftersales.request_after_sale(
            customer=customer, order_id=order.pk, kind="refund_only", reason="again"
        )
    line_b.refresh_from_db()
    assert line_b.refunded_quantity == 1


def test_refund_before_shipping_returns_shipping_fee_and_stock(customer, owner, sku, address):
    order = pay(customer, place(customer, [(sku.pk, 1)], address=address))  # 5000 + 1000 shipping
    r = aftersales.request_after_sale(
        customer=customer, order_id=order.pk, kind="refund_only", reason="mistake"
    )
    assert r.amount == 6000
    aftersales.approve_after_sale(staff=owner, after_sale_id=r.pk)
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (OrderStatus.CLOSED, 6000)
    assert on_hand(sku) == 100


def test_rejected_request_changes_no_money(customer, owner, shipped):
    order, _a, _b = shipped
    r = aftersales.request_after_sale(
        customer=customer, order_id=order.pk, kind="return_refund", reason="dislike"
    )
    aftersales.reject_after_sale(staff=owner, after_sale_id=r.pk, note="opened")
    r.refresh_from_db()
    order.refresh_from_db()
    assert (r.status, r.review_note) == (AfterSaleStatus.REJECTED, "opened")
    assert order.refunded_amount == 0 and Refund.objects.count() == 0


def test_over_refund_and_double_request_are_refused(customer, shipped):
    order, a, _b = shipped
    line_a = order.lines.get(sku=a)
    with pytest.raises(RefundExceedsPaid):
        aftersales.request_after_sale(
            customer=customer, order_id=order.pk, kind="refund_only", reason="x", lines=[L(line_a.pk, 4)]
        )
    aftersales.request_after_sale(
        customer=customer, order_id=order.pk, kind="refund_only", reason="x", lines=[L(line_a.pk, 1)]
    )
    with pytest.raises(AfterSaleOpen):
        aftersales.request_after_sale(
            customer=customer, order_id=order.pk, kind="refund_only", reason="x", lines=[L(line_a.pk, 1)]
        )
    assert order.after_sales.count() == 1


def test_return_not_allowed_before_shipping(customer, sku, address):
    order = pay(customer, place(customer, [(sku.pk, 1)], address=address))
    with pytest.raises(AfterSaleNotAllowed):
        aftersales.request_after_sale(customer=customer, order_id=order.pk, kind="return_refund", reason="x")
    assert order.after_sales.count() == 0
