"""Event ingestion refreshes the customer's engagement values once it commits (issue 11 item 6d)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest

from siyu.audience.values import services, tasks
from siyu.audience.values.models import CustomerValue
from siyu.testing.clients import ApiClient

pytestmark = [pytest.mark.django_db, pytest.mark.clock]
# 00:30 in Shanghai, the UTC day before: the hour a real clock would get the local day wrong.
NOW = datetime(2026, 11, 5, 16, 30, tzinfo=UTC)
URL = "/api/v1/shop/tea/events"


def ev(kind: str, at, **properties) -> dict:
    return {
        "event_id": str(uuid.uuid4()),
        "type": kind,
        "occurred_at": at.isoformat(),
        "properties": properties,
    }


def test_ingested_value_behaviours_refresh_the_customer_once_per_batch(
    merchant, customer_login, django_capture_on_commit_callbacks, time_machine
):
    time_machine.move_to(NOW, tick=False)
    alice, token = customer_login("alice")
    bob, _ = customer_login("bob")
    services.recompute_merchant(merchant.pk)
    before = CustomerValue.objects.get(customer=alice)
    assert (before.last_engaged_at, before.is_semi_private) == (None, False)
    now = NOW
    viewed, carted = now - timedelta(hours=2), now - timedelta(hours=1)
    task = mock.Mock(wraps=tasks.refresh_customer_values)
    with (
        mock.patch.object(tasks, "refresh_customer_values", task),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = ApiClient(token).post(
            URL,
            {"events": [ev("product_view", viewed, product_id=7), ev("add_to_cart", carted, product_id=7)]},
        )
    assert response.json()["accepted"] == 2
    assert task.enqueue.call_args_list == [mock.call(merchant.pk, [alice.pk])]  # one task, each customer once
    after = CustomerValue.objects.get(customer=alice)
    assert (after.last_engaged_at, after.is_semi_private) == (carted, True)
    assert CustomerValue.objects.get(customer=bob).last_engaged_at is None

    # A page view is no value behaviour (no task); a search in its own request is (one task).
    task.reset_mock()
    with (
        mock.patch.object(tasks, "refresh_customer_values", task),
        django_capture_on_commit_callbacks(execute=True),
    ):
        ApiClient(token).post(URL, {"events": [ev("page_view", now)]})
        ApiClient(token).post(URL, {"events": [ev("search", now, keywords="龙井")]})
    assert task.enqueue.call_args_list == [mock.call(merchant.pk, [alice.pk])]
    assert CustomerValue.objects.get(customer=alice).last_engaged_at == now


def test_a_visitors_history_linked_at_api_login_refreshes_the_customer(
    merchant, customer_login, django_capture_on_commit_callbacks, time_machine
):
    """Issue 11 item 6c (shop API): events sent under an anonymous id before login become the
    customer's at ``POST /auth/login`` with ``visitor``, and count for their engagement."""
    time_machine.move_to(NOW, tick=False)
    customer_login("someone")
    services.recompute_merchant(merchant.pk)
    viewed = NOW - timedelta(hours=3)
    anonymous = ev("product_view", viewed, product_id=7) | {"anonymous_id": "phone-1"}
    assert ApiClient().post(URL, {"events": [anonymous]}).json()["accepted"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        login = ApiClient().post("/api/v1/shop/tea/auth/login", {"code": "dora", "visitor": "phone-1"})
    assert login.status_code == 200
    row = CustomerValue.objects.get(customer_id=login.json()["customer_id"])
    assert (row.last_engaged_at, row.is_semi_private) == (viewed, True)
