"""When a recipient's message goes: the send-slot rule, pure (no database).

    slot(start, hour, quiet, zone, window_days)

1. ``hour`` None (send now / at a set time): the slot is ``start``. Otherwise the first local
   ``hour:00`` at or after ``start`` in the merchant's zone.
2. Quiet hours ``[quiet_start, quiet_end)`` in local time (wrapping midnight when start > end; equal
   or missing ends mean none): a slot inside them moves to their end.
3. A slot at or after ``start + window_days`` days is None: the customer is skipped ("quiet_hours").

Worked example (docs/reach.md): Asia/Shanghai, started 2028-02-29 10:30 local (02:30 UTC), preferred
hour 23, quiet 22:00-08:00 -> 23:00 falls in quiet hours -> 2028-03-01 08:00 local (00:00 UTC).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def in_quiet(t: dt.time, start: dt.time | None, end: dt.time | None) -> bool:
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= t < end
    return t >= start or t < end


def slot(
    start: dt.datetime,
    hour: int | None,
    quiet_start: dt.time | None,
    quiet_end: dt.time | None,
    zone: ZoneInfo,
    window_days: int = 1,
) -> dt.datetime | None:
    """The send slot (aware, UTC) for one recipient, or None when it falls outside the window."""
    local = start.astimezone(zone)
    if hour is None:
        t = local
    else:
        t = dt.datetime.combine(local.date(), dt.time(hour), zone)
        if t < local:
            t = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(hour), zone)
    if quiet_end is not None and in_quiet(t.time().replace(tzinfo=None), quiet_start, quiet_end):
        end = dt.datetime.combine(t.date(), quiet_end, zone)
        if end <= t:
            end = dt.datetime.combine(t.date() + dt.timedelta(days=1), quiet_end, zone)
        t = end
    if t >= local + dt.timedelta(days=window_days):
        return None
    return t.astimezone(dt.UTC)
