"""The Redis gate: one Lua script decides, atomically and without touching the database, whether a
purchase attempt may go on to the database (when ``settings.REDIS_URL`` is set).

Per item (a sale's SKU) two hashes share a hash tag (so a cluster keeps them on one shard):
``<prefix>{<merchant>:<sale>:<sku>}:item`` holds ``left`` (quota minus units held or sold), ``limit``,
``starts``/``ends`` (epoch ms), ``open`` (1 while the sale takes orders) and ``expire``;
``...:cust`` maps customer id -> units held or bought.

The database stays the source of truth: a unit the gate lets through is taken again there with a
conditional UPDATE, and a unit the database refuses is given back here. Every way the two can drift
(a rebuild racing a take, a give-back racing a rebuild) leaves the gate thinking *more* units are
left, or that a customer has *fewer*, than the database says: the database then refuses, so the
gate can cost a refused database attempt but never a sale or an oversell. The one loss the other way
(a process dying between its take here and its give-back) is healed by ``load(force=True)`` from the
periodic task. This module knows nothing of Django models: callers pass plain values.
"""

from __future__ import annotations

import enum
import logging
import os
import threading
from dataclasses import dataclass, field
from typing import Any

import redis
from django.conf import settings

log = logging.getLogger(__name__)

DEFAULT_PREFIX = "siyu:flash:"

# -> {verdict or units left after the take, units the customer held before}
_TAKE = """
local meta = redis.call('HMGET', KEYS[1], 'left', 'limit', 'starts', 'ends', 'open', 'expire')
if not meta[1] then return {-1, 0} end
local had = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if meta[5] ~= '1' then return {-2, had} end
local now = tonumber(ARGV[3])
if now < tonumber(meta[3]) then return {-3, had} end
if now >= tonumber(meta[4]) then return {-4, had} end
local n = tonumber(ARGV[2])
local left = tonumber(meta[1])
if left < n then return {-5, had} end
if had + n > tonumber(meta[2]) then return {-6, had} end
redis.call('HINCRBY', KEYS[1], 'left', -n)
redis.call('HINCRBY', KEYS[2], ARGV[1], n)
redis.call('PEXPIREAT', KEYS[2], meta[6])
return {left - n, had}
"""

# Give units back (n > 0) or record units the database took without the gate (n < 0).
_ADJUST = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local n = tonumber(ARGV[2])
redis.call('HINCRBY', KEYS[1], 'left', n)
if redis.call('HINCRBY', KEYS[2], ARGV[1], -n) <= 0 then redis.call('HDEL', KEYS[2], ARGV[1]) end
return 1
"""

_LOAD = """
if ARGV[1] ~= '1' and redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HSET', KEYS[1], 'left', ARGV[2], 'limit', ARGV[3], 'starts', ARGV[4], 'ends', ARGV[5],
  'open', ARGV[6], 'expire', ARGV[7])
for i = 8, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
redis.call('PEXPIREAT', KEYS[1], ARGV[7])
redis.call('PEXPIREAT', KEYS[2], ARGV[7])
return 1
"""


class Verdict(enum.IntEnum):
    """What the take script answered (a non-negative answer is the units left after the take)."""

    MISSING = -1  # no keys for this item: rebuild them from the database and ask again
    CLOSED = -2
    NOT_STARTED = -3
    ENDED = -4
    SOLD_OUT = -5
    LIMIT = -6


class GateUnavailable(RuntimeError):
    """Redis could not be reached: the caller goes on with the database alone."""


@dataclass(frozen=True)
class ItemState:
    """What the gate holds for one item, read from the database under the item's row lock."""

    merchant_id: int
    sale_id: int
    sku_id: int
    left: int
    limit: int
    starts_ms: int
    ends_ms: int
    open: bool
    expire_ms: int
    customers: dict[int, int] = field(default_factory=dict)


_lock = threading.Lock()
_clients: dict[str, tuple[redis.Redis, dict[str, Any]]] = {}


def enabled() -> bool:
    return bool(getattr(settings, "REDIS_URL", ""))


def _prefix() -> str:
    """Key prefix: ``settings.SIYU_FLASHSALE_REDIS_PREFIX``, else the environment's, else the default
    (deployments sharing one Redis, and test runs, keep their keys apart with it)."""
    default = os.environ.get("SIYU_FLASHSALE_REDIS_PREFIX", DEFAULT_PREFIX)
    return getattr(settings, "SIYU_FLASHSALE_REDIS_PREFIX", default)


@dataclass(frozen=True)
class Item:
    """Which item: the gate is keyed by what a buy request names, so it needs no database read."""

    merchant_id: int
    sale_id: int
    sku_id: int


def keys(item: Item) -> list[str]:
    base = f"{_prefix()}{{{item.merchant_id}:{item.sale_id}:{item.sku_id}}}"
    return [f"{base}:item", f"{base}:cust"]


def _client() -> tuple[redis.Redis, dict[str, Any]]:
    url = settings.REDIS_URL
    with _lock:
        entry = _clients.get(url)
        if entry is None:
            client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
            scripts: dict[str, Any] = {
                name: client.register_script(text)
                for name, text in (("take", _TAKE), ("adjust", _ADJUST), ("load", _LOAD))
            }
            entry = _clients[url] = (client, scripts)
    return entry


def _run(name: str, item: Item, args: list[object]) -> Any:
    scripts = _client()[1]
    try:
        return scripts[name](keys=keys(item), args=args)
    except redis.RedisError as exc:
        raise GateUnavailable(str(exc)) from exc


def take(*, item: Item, customer_id: int, quantity: int, now_ms: int) -> tuple[int, int]:
    """Take ``quantity`` units for a customer if the sale is open, in its window, has them left and
    the customer stays within the limit. Returns (a ``Verdict`` < 0 or the units left after the
    take, the units the customer held before)."""
    verdict, held = _run("take", item, [customer_id, quantity, now_ms])
    return int(verdict), int(held)


def adjust(*, item: Item, customer_id: int, quantity: int) -> None:
    """Give ``quantity`` units back (negative: record units taken without the gate). Never raises:
    a lost adjustment only leaves the gate stricter or looser than the database until the next
    forced load, and the database decides either way."""
    try:
        _run("adjust", item, [customer_id, quantity])
    except GateUnavailable:
        log.warning("flash sale gate: could not adjust %s by %s", item, quantity, exc_info=True)


def load(state: ItemState, *, force: bool) -> bool:
    """Write an item's keys from the database's numbers; without ``force`` only when missing."""
    args: list[object] = [
        "1" if force else "0",
        max(0, state.left),
        state.limit,
        state.starts_ms,
        state.ends_ms,
        "1" if state.open else "0",
        state.expire_ms,
    ]
    for customer_id, units in state.customers.items():
        if units > 0:
            args += [customer_id, units]
    return bool(_run("load", Item(state.merchant_id, state.sale_id, state.sku_id), args))


def read(item: Item) -> tuple[dict[str, str], dict[str, str]]:
    """The raw hashes of an item (for tests and diagnostics)."""
    client, _scripts = _client()
    item_key, cust_key = keys(item)
    decode = lambda h: {k.decode(): v.decode() for k, v in h.items()}  # noqa: E731
    return decode(client.hgetall(item_key)), decode(client.hgetall(cust_key))


def forget(item: Item) -> None:
    """Delete an item's keys (a SKU taken out of a sale); never raises."""
    try:
        _client()[0].delete(*keys(item))
    except redis.RedisError:
        log.warning("flash sale gate: could not forget %s", item, exc_info=True)
