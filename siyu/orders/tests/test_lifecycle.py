from datetime import timedelta

import pytest
from django.utils import timezone

from siyu.core.errors import InvalidTransition, PermissionDenied
from siyu.inventory.models import StockLevel
from siyu.orders import tasks
from siyu.orders.errors import PickupAlreadyVerified, PickupCodeInvalid
from siyu.orders.models import Order, OrderEvent, OrderStatus
from siyu.orders.services import lifecycle
from siyu.tenancy.models import AuditEntry, Outlet, Role
from siyu.testing.flows import pay, place

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # `make test-clock` runs it at fixed instants


def test_unpaid_order_is_cancelled_after_timeout_and_stock_returns(customer, sku, address):
    order = place(customer, [(sku.pk, 3)], address=address)
    assert lifecycle.cancel_unpaid_orders() == 0  # not due yet
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    result = tasks.cancel_unpaid_orders.enqueue()

    assert result.return_value == 1
    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == (OrderStatus.CANCELLED, "payment_timeout")
    stock = StockLevel.objects.get(sku=sku, outlet=None)
    assert (stock.on_hand, stock.reserved) == (100, 0)
    assert list(order.events.values_list("kind", "actor")) == [
        ("created", f"customer:{customer.pk}"),
        ("cancelled", "system"),
    ]


def test_paid_order_is_not_cancelled_by_timeout(customer, sku, address):
    order = pay(customer, place(customer, [(sku.pk, 1)], address=address))
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(minutes=5))
    assert lifecycle.cancel_unpaid_orders() == 0
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_ship_deliver_complete(customer, sku, address, make_staff):
    operator = make_staff(Role.OPERATOR)
    order = pay(customer, place(customer, [(sku.pk, 1)], address=address))

    lifecycle.ship_order(staff=operator, order_id=order.pk, carrier="SF", tracking_number="SF1234567890123")
    order.refresh_from_db()
    assert (order.status, order.carrier, order.tracking_number) == (
        OrderStatus.SHIPPED,
        "SF",
        "SF1234567890123",
    )
    audit = AuditEntry.objects.get(action="order.ship")
    assert (audit.staff_id, audit.before, audit.after["status"]) == (
        operator.pk,
        {"status": "paid"},
        "shipped",
    )

    with pytest.raises(InvalidTransition):
        lifecycle.ship_order(
            staff=operator, order_id=order.pk, carrier="SF", tracking_number="SF9999999999999"
        )
    order.refresh_from_db()
    assert order.tracking_number == "SF1234567890123"

    lifecycle.confirm_receipt(customer=customer, order_id=order.pk)
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED

    Order.objects.filter(pk=order.pk).update(delivered_at=timezone.now() - timedelta(days=8))
    assert lifecycle.auto_complete_orders() == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED


def test_auto_confirm_receipt_after_n_days(customer, sku, address, owner):
    order = pay(customer, place(customer, [(sku.pk, 1)], address=address))
    lifecycle.ship_order(staff=owner, order_id=order.pk, carrier="SF", tracking_number="SF1234567890123")
    assert lifecycle.auto_confirm_receipts() == 0
    Order.objects.filter(pk=order.pk).update(shipped_at=timezone.now() - timedelta(days=11))
    assert lifecycle.auto_confirm_receipts() == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED


def test_guide_cannot_ship(customer, sku, address, make_staff):
    guide = make_staff(Role.GUIDE)
    order = pay(customer, place(customer, [(sku.pk, 1)], address=address))
    with pytest.raises(PermissionDenied):
        lifecycle.ship_order(staff=guide, order_id=order.pk, carrier="SF", tracking_number="SF1234567890123")
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_pickup_verification_is_limited_to_the_managers_outlets(customer, sku, outlet, merchant, make_staff):
    from siyu.inventory.services import set_stock

    other = Outlet.objects.create(merchant=merchant, code="HZ01", name="Hangzhou")
    set_stock(merchant=merchant, sku=sku, outlet=outlet, on_hand=5)
    order = pay(customer, place(customer, [(sku.pk, 1)], outlet_id=outlet.pk))
    elsewhere = make_staff(Role.OUTLET_MANAGER, outlets=[other])
    here = make_staff(Role.OUTLET_MANAGER, outlets=[outlet])

    with pytest.raises(PickupCodeInvalid):
        lifecycle.verify_pickup(staff=elsewhere, code=order.pickup_code)
    with pytest.raises(PickupCodeInvalid):
        lifecycle.verify_pickup(
            staff=here, code="00000000" if order.pickup_code != "00000000" else "11111111"
        )
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID

    lifecycle.verify_pickup(staff=here, code=order.pickup_code)
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert OrderEvent.objects.filter(order=order, kind="picked_up", actor=f"staff:{here.pk}").count() == 1
    with pytest.raises(PickupAlreadyVerified):
        lifecycle.verify_pickup(staff=here, code=order.pickup_code)  # used codes don't verify twice
    with pytest.raises(PickupCodeInvalid):  # nor say anything to staff of another outlet
        lifecycle.verify_pickup(staff=elsewhere, code=order.pickup_code)


def test_customer_cancel_releases_stock(customer, sku, address):
    order = place(customer, [(sku.pk, 4)], address=address)
    lifecycle.cancel_order(order=order, actor=customer, reason="customer_cancelled")
    stock = StockLevel.objects.get(sku=sku, outlet=None)
    assert (stock.on_hand, stock.reserved) == (100, 0)
    with pytest.raises(InvalidTransition):
        lifecycle.cancel_order(order=order, actor=customer, reason="again")
    stock.refresh_from_db()
    assert stock.reserved == 0


def test_expire_order_cancels_only_when_due(customer, sku, address):
    order = place(customer, [(sku.pk, 1)], address=address)
    assert tasks.expire_order.enqueue(order.pk).return_value is False
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert tasks.expire_order.enqueue(order.pk).return_value is True
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert tasks.expire_order.enqueue(order.pk).return_value is False


@pytest.mark.django_db(transaction=True)
def test_checkout_queues_expiry_with_the_database_backend(customer, sku, address, settings):
    from django_tasks_db.models import DBTaskResult

    # django-tasks resets its backends when the setting changes.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    order = place(customer, [(sku.pk, 1)], address=address)
    queued = DBTaskResult.objects.get()
    assert (queued.task_path, queued.args_kwargs["args"]) == ("siyu.orders.tasks.expire_order", [order.pk])
    assert queued.run_after == order.expires_at


@pytest.mark.django_db(transaction=True)
def test_worker_process_cancels_expired_order(customer, sku, address, settings):
    """The real database queue and `siyu worker`: the sweep task runs in the worker, not inline."""
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    order = place(customer, [(sku.pk, 2)], address=address)
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    tasks.cancel_unpaid_orders.enqueue()
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT  # queued, not run

    call_command("worker", "--batch", "--interval", "0.1")

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    stock = StockLevel.objects.get(sku=sku, outlet=None)
    assert (stock.on_hand, stock.reserved) == (100, 0)
    sweep = DBTaskResult.objects.get(task_path="siyu.orders.tasks.cancel_unpaid_orders")
    assert (sweep.status, sweep.return_value) == ("SUCCESSFUL", 1)


def test_customer_cannot_confirm_an_unshipped_or_pickup_order(customer, sku, address, outlet, merchant):
    from siyu.inventory.services import set_stock

    paid = pay(customer, place(customer, [(sku.pk, 1)], address=address))
    with pytest.raises(InvalidTransition):
        lifecycle.confirm_receipt(customer=customer, order_id=paid.pk)
    set_stock(merchant=merchant, sku=sku, outlet=outlet, on_hand=2)
    pickup = pay(customer, place(customer, [(sku.pk, 1)], outlet_id=outlet.pk))
    with pytest.raises(InvalidTransition):
        lifecycle.confirm_receipt(customer=customer, order_id=pickup.pk)
    assert sorted(Order.objects.values_list("status", flat=True)) == ["paid", "paid"]


def test_open_after_sale_keeps_order_from_completing(customer, sku, address, owner):
    from siyu.orders.services import aftersales

    order = pay(customer, place(customer, [(sku.pk, 1)], address=address))
    lifecycle.ship_order(staff=owner, order_id=order.pk, carrier="SF", tracking_number="SF1234567890123")
    aftersales.request_after_sale(customer=customer, order_id=order.pk, kind="return_refund", reason="size")
    Order.objects.filter(pk=order.pk).update(
        status=OrderStatus.DELIVERED, delivered_at=timezone.now() - timedelta(days=30)
    )
    assert lifecycle.auto_complete_orders() == 0
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
