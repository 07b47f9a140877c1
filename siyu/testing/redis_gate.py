"""The Redis the flash-sale gate tests run against (``SIYU_TEST_REDIS_URL``), when one answers."""

from __future__ import annotations

import os

import redis

REDIS_URL = os.environ.get("SIYU_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_reachable(url: str = REDIS_URL) -> bool:
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        return True
    except redis.RedisError:
        return False
