"""The API's last-resort answers: a stray database conflict is a 409 with a readable message."""

from __future__ import annotations

import logging

import pytest
from django.db import IntegrityError

from siyu.orders.models import CartItem
from siyu.orders.services import cart
from siyu.testing.clients import ApiClient

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "This request clashed with another change made at the same time. Please try again."),
        ("zh-hans", "这个请求与同时进行的另一项修改冲突了，请重试。"),
    ],
)
def test_a_stray_integrity_error_is_a_logged_409_conflict(
    customer_login, sku, monkeypatch, caplog, language, message
):
    _customer, token = customer_login("alice")

    def clash(**_kwargs):
        raise IntegrityError('duplicate key value violates unique constraint "one_cart_row_per_sku"')

    monkeypatch.setattr(cart, "add_to_cart", clash)
    client = ApiClient(token, language=language)

    with caplog.at_level(logging.ERROR, logger="siyu.api.errors"):
        response = client.post("/api/v1/shop/tea/cart/items", {"sku_id": sku.pk, "quantity": 1})

    assert response.status_code == 409, response.content
    assert response.json() == {"code": "conflict", "message": message, "detail": None}
    [record] = caplog.records
    assert record.getMessage() == "IntegrityError reached the API: POST /api/v1/shop/tea/cart/items"
    assert record.exc_info is not None and record.exc_info[0] is IntegrityError
    assert CartItem.objects.count() == 0
