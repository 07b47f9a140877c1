import pytest

from siyu.core.errors import InvalidTransition
from siyu.orders.models import Order, OrderStatus
from siyu.orders.models.aftersale import AFTERSALE_MACHINE
from siyu.orders.models.order import ORDER_MACHINE


def test_order_transitions_table():
    assert ORDER_MACHINE.allowed(OrderStatus.PENDING_PAYMENT, OrderStatus.PAID)
    assert not ORDER_MACHINE.allowed(OrderStatus.CANCELLED, OrderStatus.PAID)
    assert not ORDER_MACHINE.allowed(OrderStatus.PENDING_PAYMENT, OrderStatus.SHIPPED)
    assert not ORDER_MACHINE.allowed(OrderStatus.COMPLETED, OrderStatus.SHIPPED)
    with pytest.raises(InvalidTransition):
        ORDER_MACHINE.check(OrderStatus.SHIPPED, OrderStatus.PAID)


def test_aftersale_transitions_table():
    assert AFTERSALE_MACHINE.allowed("requested", "approved")
    assert AFTERSALE_MACHINE.allowed("approved", "goods_returned")
    assert not AFTERSALE_MACHINE.allowed("rejected", "refunded")
    assert not AFTERSALE_MACHINE.allowed("requested", "refunded")


@pytest.mark.django_db
def test_advance_is_compare_and_set(customer, sku, address):
    from siyu.testing.flows import place

    order = place(customer, [(sku.pk, 1)], address=address)
    stale = Order.objects.get(pk=order.pk)
    Order.machine.advance(order, OrderStatus.CANCELLED)
    with pytest.raises(InvalidTransition):
        Order.machine.advance(stale, OrderStatus.PAID)  # read as pending, but no longer is
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED
