"""Presale steps through checkout, as the shop routes take them; time travels by patching the clock."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime
from unittest import mock

from siyu.members.models import Address, Customer
from siyu.orders.models import Order
from siyu.orders.services import checkout
from siyu.promotions.activities import ActivityRef


@contextlib.contextmanager
def at(moment: datetime) -> Iterator[None]:
    """Run checkout, providers and payments as if it were ``moment``."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def place(customer: Customer, sku_id: int, quantity: int, ref: ActivityRef, address: Address) -> Order:
    request = checkout.CheckoutRequest(
        lines=[checkout.LineRequest(sku_id, quantity, activity=ref)], address_id=address.pk
    )
    return checkout.place_order(customer=customer, request=request)[0]
