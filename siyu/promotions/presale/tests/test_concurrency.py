"""Real threads against PostgreSQL: a presale's quota and a booking's balance are taken once."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection

from siyu.members.services import login_with_code, save_address
from siyu.orders.models import Order
from siyu.promotions.activities import ActivityRef
from siyu.promotions.presale.models import Presale, PresaleBooking
from siyu.testing.clock import at
from siyu.testing.concurrency import run_together
from siyu.testing.flows import pay, place_activity

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency tests need PostgreSQL (set DATABASE_URL)")


def test_twenty_deposits_for_a_quota_of_five_book_five(merchant, make_presale):
    presale = make_presale(quota=5)
    buyers = []
    for i in range(20):
        c = login_with_code(merchant=merchant, code=f"buyer-{i}").customer
        buyers.append(
            (
                c,
                save_address(
                    customer=c, recipient="r", phone="13800000000", province="p", city="c", detail="d"
                ),
            )
        )
    ref = ActivityRef("presale_deposit", presale.pk)

    results = run_together(
        20, lambda i: place_activity(buyers[i][0], presale.deposit_sku_id, 1, ref, buyers[i][1]).pk
    )

    assert Counter("ok" if isinstance(r, int) else r for r in results) == {"ok": 5, "presale_sold_out": 15}
    assert Presale.objects.get().units_booked == 5
    assert PresaleBooking.objects.count() == 5


def test_two_balance_orders_at_once_link_one(make_presale, customer, address, now):
    presale = make_presale()
    deposit = place_activity(
        customer, presale.deposit_sku_id, 1, ActivityRef("presale_deposit", presale.pk), address
    )
    pay(customer, deposit)
    booking = PresaleBooking.objects.get()
    ref = ActivityRef("presale_balance", booking.pk)

    with at(now + timedelta(days=2, hours=1)):
        results = run_together(4, lambda i: place_activity(customer, presale.sku_id, 1, ref, address).pk)

    assert Counter("ok" if isinstance(r, int) else r for r in results) == {"ok": 1, "booking_not_payable": 3}
    booking.refresh_from_db()
    assert booking.status == "balance_pending"
    assert Order.objects.count() == 2
