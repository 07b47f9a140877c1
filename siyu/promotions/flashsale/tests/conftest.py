"""Flash sale fixtures: a sale factory, a Redis gate on a private key prefix, both buying paths."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
import redis
from django.utils import timezone

from siyu.catalog.models import Sku
from siyu.conftest import ApiClient
from siyu.members.services import login_with_code, save_address
from siyu.promotions.flashsale.models import FlashSale
from siyu.promotions.flashsale.services import manage
from siyu.tenancy.models import Staff

REDIS_URL = os.environ.get("SIYU_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_reachable(url: str = REDIS_URL) -> bool:
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        return True
    except redis.RedisError:
        return False


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
    def make(
        skus: list[tuple[Sku, int, int]],
        *,
        starts_in: timedelta = timedelta(minutes=-1),
        lasts: timedelta = timedelta(hours=1),
        limit: int = 1,
        payment_minutes: int | None = None,
        publish: bool = True,
        title: str = "618 秒杀",
        staff: Staff | None = None,
    ) -> FlashSale:
        starts_at = timezone.now() + starts_in
        return manage.create_flash_sale(
            staff=staff or owner,
            title=title,
            starts_at=starts_at,
            ends_at=starts_at + lasts,
            items=[manage.ItemInput(sku.pk, price, quota) for sku, price, quota in skus],
            per_customer_limit=limit,
            payment_minutes=payment_minutes,
            publish=publish,
        )

    return make


@pytest.fixture
def make_buyer(merchant) -> Callable[[str], tuple[ApiClient, int, int]]:
    """A logged-in customer with an address: (their API client, customer id, address id)."""

    def make(code: str) -> tuple[ApiClient, int, int]:
        result = login_with_code(merchant=merchant, code=code)
        address = save_address(
            customer=result.customer,
            recipient="李雷",
            phone="13800000001",
            province="上海",
            city="上海",
            district="静安",
            detail="南京西路2号",
        )
        return ApiClient(result.token), result.customer.pk, address.pk

    return make
