"""Recomputes and refreshes racing on PostgreSQL: one merchant's recomputes run one at a time and
every run leaves the same rows."""

from __future__ import annotations

import pytest

from siyu.audience.values import services
from siyu.audience.values.models import CustomerValue, ValueModelState
from siyu.testing.concurrency import postgres_only, run_together  # noqa: F401 - postgres_only is autouse
from siyu.testing.rows import Shop, fixed_now
from siyu.testing.worlds import build_eight

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_recomputes_and_refreshes_leave_the_rows_of_one_run(merchant):
    shop = Shop(merchant, fixed_now())
    build_eight(shop)
    services.recompute_merchant(merchant.pk, now=shop.now)
    expected = list(CustomerValue.objects.for_merchant(merchant).order_by("pk").values())
    ids = [row["customer_id"] for row in expected]

    def work(i: int) -> object:
        if i % 2:
            return services.refresh_customers(merchant.pk, ids, now=shop.now)
        return services.recompute_merchant(merchant.pk, now=shop.now).customers

    assert run_together(4, work) == [8, 8, 8, 8]
    assert list(CustomerValue.objects.for_merchant(merchant).order_by("pk").values()) == expected
    assert ValueModelState.objects.filter(merchant=merchant).count() == 1


def test_first_recomputes_racing_create_one_state(merchant):
    shop = Shop(merchant, fixed_now())
    build_eight(shop)
    results = run_together(3, lambda i: services.recompute_merchant(merchant.pk, now=shop.now).buyers)
    assert results == [8, 8, 8]
    assert ValueModelState.objects.filter(merchant=merchant).count() == 1
    assert CustomerValue.objects.for_merchant(merchant).count() == 8
