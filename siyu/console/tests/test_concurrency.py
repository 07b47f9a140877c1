"""Two operators pressing the same button at once: the services' locks decide, once (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from siyu.orders.models import OrderEvent
from siyu.orders.services import aftersales
from siyu.tenancy.models import AuditEntry, Role
from siyu.testing.clients import log_in

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency tests need PostgreSQL (set DATABASE_URL)")


def together(calls) -> list[int]:
    """Run the calls in threads that start at the same instant; their HTTP statuses, in order."""
    barrier = threading.Barrier(len(calls))
    statuses: list[int] = [0] * len(calls)

    def run(i: int) -> None:
        try:
            barrier.wait()
            statuses[i] = calls[i]().status_code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses


def test_an_order_shipped_from_two_consoles_at_once_ships_once(owner, make_staff, paid_order):
    clients = [log_in(owner), log_in(make_staff(Role.OPERATOR)), log_in(make_staff(Role.OPERATOR))]
    url = f"/console/orders/{paid_order.pk}/ship/"

    statuses = together(
        [
            lambda c=c, n=n: c.post(url, {"carrier": "SF", "tracking_number": f"SF100000000000{n}"})
            for n, c in enumerate(clients)
        ]
    )

    assert sorted(statuses) == [302, 409, 409]
    paid_order.refresh_from_db()
    assert paid_order.status == "shipped"
    assert paid_order.tracking_number == f"SF100000000000{statuses.index(302)}"
    assert OrderEvent.objects.filter(order=paid_order, kind="shipped").count() == 1
    assert AuditEntry.objects.filter(action="order.ship").count() == 1


def test_a_refund_approved_from_two_consoles_at_once_refunds_once(owner, make_staff, customer, paid_order):
    request = aftersales.request_after_sale(
        customer=customer, order_id=paid_order.pk, kind="refund_only", reason="twice?"
    )
    clients = [log_in(owner), log_in(make_staff(Role.SERVICE))]
    url = f"/console/after-sales/{request.pk}/approve/"

    statuses = together([lambda c=c: c.post(url, {"note": "ok"}) for c in clients])

    assert sorted(statuses) == [302, 409]
    paid_order.refresh_from_db()
    assert paid_order.refunded_amount == request.amount == paid_order.paid_amount
