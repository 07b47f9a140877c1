"""Real threads against PostgreSQL: ten copies of one WeChat Pay callback at once make one payment."""

from __future__ import annotations

from collections import Counter

import pytest
from django.test import Client

from siyu.inventory.models import StockLevel
from siyu.orders.models import Order, OrderStatus, Payment, PaymentNotification, PaymentStatus, Refund
from siyu.orders.services import payments
from siyu.testing.concurrency import postgres_only, run_together  # noqa: F401 - postgres_only is autouse
from siyu.testing.flows import place
from siyu.testing.wechat_pay import django_sender

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("same_notification", [True, False], ids=["one notification", "ten notifications"])
def test_ten_copies_of_one_pay_callback_make_one_payment(
    same_notification, pay, wechat_customer, sku, address
):
    order = place(wechat_customer, [(sku.pk, 2)], address=address)
    started = payments.start_payment(customer=wechat_customer, order_id=order.pk)
    t, _ = pay.fake.pay(started.action.params["package"].removeprefix("prepay_id="), deliver=False)
    one = pay.fake.transaction_notification(t)
    copies = [one if same_notification else pay.fake.transaction_notification(t) for _ in range(10)]

    results = run_together(10, lambda i: django_sender(Client())(*copies[i]))

    assert Counter(results) == {204: 10}
    order.refresh_from_db()
    assert (order.status, order.paid_amount) == (OrderStatus.PAID, 10000)
    assert list(Payment.objects.values_list("status", "gateway_transaction_id")) == [
        (PaymentStatus.SUCCEEDED, t.transaction_id)
    ]
    assert PaymentNotification.objects.count() == (1 if same_notification else 10)
    assert Refund.objects.count() == 0
    assert Order.objects.count() == 1
    stock = StockLevel.objects.get(sku=sku, outlet=None)
    assert (stock.on_hand, stock.reserved) == (98, 0)
