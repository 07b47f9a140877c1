"""Flash sale fixtures: a sale factory, a Redis gate on a private key prefix, both buying paths."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
import redis

from siyu.promotions.flashsale.models import FlashSale
from siyu.tenancy.models import Staff
from siyu.testing import factories
from siyu.testing.clients import ApiClient
from siyu.testing.redis_gate import REDIS_URL, redis_reachable


@pytest.fixture
def gate_redis(settings) -> Iterator[redis.Redis]:
    """REDIS_URL set for this test, with keys under a prefix of its own (deleted afterwards)."""
    if not redis_reachable():
        pytest.skip(f"Redis not reachable at {REDIS_URL}")
    prefix = f"siyu-test:{uuid.uuid4().hex[:10]}:flash:"
    settings.REDIS_URL = REDIS_URL
    settings.SIYU_FLASHSALE_REDIS_PREFIX = prefix
    client = redis.Redis.from_url(REDIS_URL)
    yield client
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture
def no_redis(settings) -> None:
    settings.REDIS_URL = ""


@pytest.fixture(params=["db", "redis"])
def path(request) -> str:
    """Run the test on the database path and on the Redis path."""
    if request.param == "redis":
        request.getfixturevalue("gate_redis")
    else:
        request.getfixturevalue("no_redis")
    return request.param


@pytest.fixture
def make_flash_sale(owner: Staff) -> Callable[..., FlashSale]:
    """``make_flash_sale([(sku, price, quota)], starts_in=, lasts=, limit=, ..., staff=None)``."""

    def make(skus, *, staff: Staff | None = None, **kw) -> FlashSale:
        return factories.make_flash_sale(staff or owner, skus, **kw)

    return make


@pytest.fixture
def make_buyer(merchant) -> Callable[[str], tuple[ApiClient, int, int]]:
    """A logged-in customer with an address: (their API client, customer id, address id)."""

    def make(code: str) -> tuple[ApiClient, int, int]:
        customer, address, token = factories.make_buyer(merchant, code)
        return ApiClient(token), customer.pk, address.pk

    return make
