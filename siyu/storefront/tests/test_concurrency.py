"""Real threads against PostgreSQL: a checkout form sent twice at once makes one order, one payment."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.test import Client

from siyu.inventory.models import StockLevel
from siyu.members.services import save_address
from siyu.orders.models import Order, Payment
from siyu.orders.services.cart import add_to_cart
from siyu.testing.clients import h5_login

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency tests need PostgreSQL (set DATABASE_URL)")


def test_double_submitted_checkout_places_one_order(merchant, make_product):
    sku = make_product(price=5000, stock=10).skus.get()
    client = Client()
    customer = h5_login(client, merchant, "alice")
    address = save_address(
        customer=customer, recipient="A", phone="1390000", province="p", city="c", detail="d"
    )
    add_to_cart(customer=customer, sku_id=sku.pk, quantity=2)
    form = {"token": "a" * 32, "fulfilment": "delivery", "address": address.pk}
    cookies = client.cookies
    n = 6
    barrier = threading.Barrier(n)
    locations: list[str] = [""] * n

    def submit(i: int) -> None:
        try:
            tab = Client()
            tab.cookies = cookies  # the same browser session, several taps
            barrier.wait()
            locations[i] = tab.post("/shop/tea/checkout/", form).get("Location", "")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    payment = Payment.objects.get()
    assert Order.objects.count() == 1
    assert StockLevel.objects.get(sku=sku, outlet=None).reserved == 2
    assert set(locations) == {
        f"/sandbox-pay/{payment.number}/?return=http%3A%2F%2Ftestserver%2Fshop%2Ftea%2Forders%2F"
        f"{payment.order_id}%2F"
    }
