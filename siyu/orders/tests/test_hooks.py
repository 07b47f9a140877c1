"""Order hooks: the apps' hooks run in the documented order, each step of an order's life calls its
hook by name, and a hook that raises rolls the order's own write back."""

from __future__ import annotations

import pytest

from siyu.events.models import Event, EventKind
from siyu.inventory.models import StockLevel
from siyu.members.loyalty.models import PointsEntry
from siyu.orders import hooks
from siyu.orders.gateways.sandbox import SandboxGateway
from siyu.orders.models import AfterSale, Order, OrderStatus, Payment, PaymentNotification, PaymentStatus
from siyu.orders.services import lifecycle, payments
from siyu.testing.flows import pay, place

pytestmark = pytest.mark.django_db


class Recorder(hooks.OrderHooks):
    """Writes down every hook it is given, with the order's status at that moment."""

    def __init__(self, name: str, calls: list[tuple[str, str, str]]) -> None:
        self.name = name
        self.calls = calls

    def on_placed(self, order: Order) -> None:
        self.calls.append((self.name, "placed", order.status))

    def on_paid(self, order: Order) -> None:
        self.calls.append((self.name, "paid", order.status))

    def on_cancelled(self, order: Order) -> None:
        self.calls.append((self.name, "cancelled", order.status))

    def on_refunded(self, order: Order, *, amount: int, after_sale: AfterSale | None) -> None:
        self.calls.append((self.name, f"refunded {amount}", order.status))

    def on_closed(self, order: Order) -> None:
        self.calls.append((self.name, "closed", order.status))


class FailsOnPaid(hooks.OrderHooks):
    def on_paid(self, order: Order) -> None:
        raise RuntimeError("hook failed")


class FailsOnCancelled(hooks.OrderHooks):
    def on_cancelled(self, order: Order) -> None:
        raise RuntimeError("hook failed")


def test_apps_register_their_hooks_in_the_documented_order():
    assert [(position, type(h).__name__) for position, h in hooks.registered()] == [
        (10, "LoyaltyHooks"),
        (20, "OrderEventHooks"),
        (30, "ValueHooks"),
        (40, "CouponHooks"),
        (50, "FlashSaleHooks"),
        (60, "GroupBuyHooks"),
        (70, "BargainHooks"),
        (80, "CampaignHooks"),
        (90, "PresaleHooks"),
    ]


def test_each_step_runs_every_hook_by_position_after_the_order_is_written(
    monkeypatch, customer, sku, address
):
    calls: list[tuple[str, str, str]] = []
    monkeypatch.setattr(hooks, "_HOOKS", {})
    for name, position in [("c", 30), ("a", 10), ("b", 20)]:  # registered out of order
        hooks.register(Recorder(name, calls), order=position)

    paid = pay(customer, place(customer, [(sku.pk, 2)], address=address))
    lifecycle.refund_and_close(order=paid, actor=None, reason="test")
    unpaid = place(customer, [(sku.pk, 1)], address=address)
    lifecycle.cancel_order(order=unpaid, actor=customer, reason="test")

    P, C = OrderStatus.PENDING_PAYMENT, OrderStatus.CLOSED
    assert calls == [
        *[(n, "placed", P) for n in "abc"],
        *[(n, "paid", OrderStatus.PAID) for n in "abc"],
        *[(n, "refunded 10000", C) for n in "abc"],
        *[(n, "closed", C) for n in "abc"],
        *[(n, "placed", P) for n in "abc"],
        *[(n, "cancelled", OrderStatus.CANCELLED) for n in "abc"],
    ]


def test_a_position_belongs_to_one_class(monkeypatch):
    monkeypatch.setattr(hooks, "_HOOKS", {})
    hooks.register(FailsOnPaid(), order=10)
    hooks.register(FailsOnPaid(), order=10)  # the same app's ready() again: replaced

    with pytest.raises(ValueError, match="taken by FailsOnPaid"):
        hooks.register(FailsOnCancelled(), order=10)
    assert [type(h) for _p, h in hooks.registered()] == [FailsOnPaid]


def test_a_failing_hook_rolls_back_the_payment_and_the_hooks_before_it(monkeypatch, customer, sku, address):
    monkeypatch.setitem(hooks._HOOKS, 95, FailsOnPaid())  # after every app's hooks
    order = place(customer, [(sku.pk, 2)], address=address)
    payment = payments.start_payment(customer=customer, order_id=order.pk, gateway="sandbox").payment
    body, headers = SandboxGateway().build_notification(payment_number=payment.number, amount=payment.amount)

    with pytest.raises(RuntimeError, match="hook failed"):
        payments.receive_notification(gateway="sandbox", body=body, headers=headers)

    order.refresh_from_db()
    assert (order.status, order.paid_amount, order.paid_at) == (OrderStatus.PENDING_PAYMENT, 0, None)
    assert Payment.objects.get().status == PaymentStatus.PENDING
    assert PaymentNotification.objects.count() == 0
    stock = StockLevel.objects.get(sku=sku, outlet=None)
    assert (stock.on_hand, stock.reserved) == (100, 2)
    # What the earlier hooks wrote (loyalty's points, the order_paid event) went with it.
    assert PointsEntry.objects.count() == 0
    assert not Event.objects.filter(kind=EventKind.ORDER_PAID).exists()


def test_a_failing_hook_rolls_back_the_cancellation(monkeypatch, customer, sku, address):
    monkeypatch.setitem(hooks._HOOKS, 95, FailsOnCancelled())
    order = place(customer, [(sku.pk, 2)], address=address)

    with pytest.raises(RuntimeError, match="hook failed"):
        lifecycle.cancel_order(order=order, actor=customer, reason="test")

    order = Order.objects.get(pk=order.pk)
    assert (order.status, order.cancelled_at) == (OrderStatus.PENDING_PAYMENT, None)
    stock = StockLevel.objects.get(sku=sku, outlet=None)
    assert (stock.on_hand, stock.reserved) == (100, 2)
