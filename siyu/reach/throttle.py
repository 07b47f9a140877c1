"""Each channel's send rate, shared by every worker: ``take(...)`` grants up to n sends this minute.

A fixed one-minute window per (merchant, channel). With ``REDIS_URL`` set the counter is a Redis key
(``INCRBY`` then give back what exceeds the rate: atomic, no lock held); without Redis it is the
``ChannelSetting`` row's ``throttle_window``/``throttle_used``, updated under ``FOR UPDATE`` in a
short transaction. Drift can only go one way: a worker that dies after taking tokens wastes them
for the rest of the minute (sends fewer, never more than the rate).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction

from siyu.reach.models import ChannelSetting

_redis: Any = None


def _client() -> Any:
    global _redis
    if _redis is None:
        import redis

        _redis = redis.Redis.from_url(settings.REDIS_URL)
    return _redis


def window_of(now: dt.datetime) -> dt.datetime:
    return now.replace(second=0, microsecond=0)


def take(*, merchant_id: int, channel: str, wanted: int, rate: int, now: dt.datetime) -> int:
    """How many of ``wanted`` sends may start now (0 when this minute's rate is spent)."""
    if wanted <= 0:
        return 0
    window = window_of(now)
    if getattr(settings, "REDIS_URL", "") and not getattr(settings, "SIYU_REACH_THROTTLE_IN_DB", False):
        key = f"siyu:reach:rate:{merchant_id}:{channel}:{int(window.timestamp())}"
        client = _client()
        pipe = client.pipeline()
        pipe.incrby(key, wanted)
        pipe.expire(key, 120)
        used = int(pipe.execute()[0])
        over = max(0, used - rate)
        if over:
            client.decrby(key, min(over, wanted))
        return max(0, wanted - over)
    with transaction.atomic():
        row = (
            ChannelSetting.objects.select_for_update()
            .filter(merchant_id=merchant_id, channel=channel)
            .first()
        )
        if row is None:
            return 0
        used = row.throttle_used if row.throttle_window == window else 0
        granted = max(0, min(wanted, rate - used))
        ChannelSetting.objects.filter(pk=row.pk).update(throttle_window=window, throttle_used=used + granted)
        return granted


def give_back(*, merchant_id: int, channel: str, n: int, now: dt.datetime) -> None:
    """Return tokens taken but not used (fewer messages were due than granted)."""
    if n <= 0:
        return
    window = window_of(now)
    if getattr(settings, "REDIS_URL", "") and not getattr(settings, "SIYU_REACH_THROTTLE_IN_DB", False):
        _client().decrby(f"siyu:reach:rate:{merchant_id}:{channel}:{int(window.timestamp())}", n)
        return
    with transaction.atomic():
        row = (
            ChannelSetting.objects.select_for_update()
            .filter(merchant_id=merchant_id, channel=channel)
            .first()
        )
        if row is not None and row.throttle_window == window:
            ChannelSetting.objects.filter(pk=row.pk).update(throttle_used=max(0, row.throttle_used - n))
