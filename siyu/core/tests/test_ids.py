import pytest
from django.db import IntegrityError

from siyu.core import ids
from siyu.orders.models import Order
from siyu.testing.flows import place

pytestmark = pytest.mark.django_db


def test_number_clash_is_retried(customer, sku, address, monkeypatch):
    first = place(customer, [(sku.pk, 1)], address=address)
    numbers = iter([first.number, first.number, "O26112200000042"])
    monkeypatch.setattr(ids, "human_number", lambda prefix, at=None: next(numbers))
    second = place(customer, [(sku.pk, 1)], address=address)
    assert second.number == "O26112200000042"
    assert Order.objects.count() == 2


def test_other_integrity_errors_are_not_retried():
    calls = []

    def create(number):
        calls.append(number)
        raise IntegrityError("UNIQUE constraint failed: orders_order.idempotency_key")

    with pytest.raises(IntegrityError):
        ids.create_numbered(create, "O")
    assert len(calls) == 1
