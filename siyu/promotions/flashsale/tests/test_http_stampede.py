"""10,000 purchase attempts for 100 units through the real HTTP API on PostgreSQL, on the Redis
path and on the database path: exactly 100 units sold in exactly 100 orders, nobody over the limit.

The project is served by granian (2 workers x 4 threads, like production) against the test
database; 1,000 customers each try 10 times over 32 keep-alive connections.
"""

from __future__ import annotations

import uuid
from collections import Counter

import pytest
from django.db import connection

from siyu.promotions.flashsale import redis_gate as gate
from siyu.promotions.flashsale.models import FlashSaleItem
from siyu.testing import crowd
from siyu.testing.redis_gate import REDIS_URL, redis_reachable

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ATTEMPTS = 10_000
UNITS = 100
CUSTOMERS = 1_000
CONCURRENCY = 32


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("the stampede needs PostgreSQL (set DATABASE_URL)")


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.mark.parametrize("path", ["redis", "db"])
def test_ten_thousand_attempts_sell_exactly_the_quota(
    path, settings, merchant, make_product, make_flash_sale
):
    prefix = ""
    if path == "redis":
        if not redis_reachable():
            pytest.skip(f"Redis not reachable at {REDIS_URL}")
        prefix = f"siyu-test:{uuid.uuid4().hex[:10]}:flash:"
        settings.REDIS_URL, settings.SIYU_FLASHSALE_REDIS_PREFIX = REDIS_URL, prefix
    else:
        settings.REDIS_URL = ""
    sku = make_product(price=5000, stock=1_000).skus.get()
    sale = make_flash_sale([(sku, 990, UNITS)], limit=1)
    item = FlashSaleItem.objects.get(flash_sale=sale)
    buyers = crowd.seed_crowd(merchant, CUSTOMERS)

    env = crowd.server_env(
        _database_url(), redis_url=REDIS_URL if path == "redis" else "", redis_prefix=prefix
    )
    try:
        with crowd.serve(env) as port:
            result = crowd.stampede(
                port=port,
                path=f"/api/v1/shop/{merchant.slug}/flash-sales/{sale.pk}/orders",
                attempts=ATTEMPTS,
                concurrency=CONCURRENCY,
                request_for=crowd.buy_requests(buyers, sku_id=sku.pk, run=path),
            )
        held = crowd.check_sale(item.pk)
        gate_state = gate.read(gate.Item(merchant.pk, sale.pk, sku.pk)) if path == "redis" else None
    finally:
        if prefix:
            client = gate._client()[0]
            keys = list(client.scan_iter(match=f"{prefix}*"))
            if keys:
                client.delete(*keys)

    refused = Counter({code: n for (status, code), n in result.outcomes.items() if status == 409})
    assert result.count(201) == UNITS, result.outcomes
    assert sum(refused.values()) == ATTEMPTS - UNITS, result.outcomes
    assert set(refused) <= {"flash_sale_sold_out", "flash_sale_limit_reached"}
    assert len(set(result.created_order_ids)) == UNITS
    assert held == {
        "quota": UNITS,
        "reserved": UNITS,
        "sold": 0,
        "orders": UNITS,
        "entries": UNITS,
        "entry_units": UNITS,
        "buyers": UNITS,
        "max_units_per_customer": 1,
        "stock_reserved": UNITS,
    }
    if gate_state is not None:
        meta, customers = gate_state
        assert meta["left"] == "0"
        assert len(customers) == UNITS and set(customers.values()) == {"1"}
    print(f"\n{path}: {ATTEMPTS} attempts in {result.seconds:.1f}s = {result.per_second:.0f}/s")
