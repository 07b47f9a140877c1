"""``--clock-at`` moves "now" for every clock a test or the code reads, test by test."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

INNER = """
import datetime as dt
import time

from django.utils import timezone

LOCAL_DAY = {  # Shanghai is UTC+8: the local day turns at 16:00 UTC
    "2028-02-29T15:59:00+00:00": dt.date(2028, 2, 29),
    "2028-02-29T16:01:00+00:00": dt.date(2028, 3, 1),
}


def test_every_clock_reads_the_instant(clock_instant):
    now = timezone.now()
    assert dt.timedelta(0) <= now - clock_instant < dt.timedelta(seconds=5)
    assert abs(time.time() - clock_instant.timestamp()) < 5
    assert abs(dt.datetime.now(dt.UTC) - clock_instant) < dt.timedelta(seconds=5)
    local_day = LOCAL_DAY[clock_instant.isoformat()]
    assert timezone.localdate() == dt.date.today() == local_day


def test_the_clock_ticks_from_the_instant(clock_instant):
    first = timezone.now()
    time.sleep(1)
    assert timezone.now() - first >= dt.timedelta(seconds=1)
    assert timezone.now() - clock_instant < dt.timedelta(seconds=5)


def test_each_test_starts_at_the_instant_again(clock_instant):
    assert timezone.now() - clock_instant < dt.timedelta(seconds=1)  # not a second on from the last
"""


def test_clock_at_moves_now_to_each_instant_in_turn(pytester):
    pytester.makepyfile(test_inner=INNER)
    result = pytester.runpytest_subprocess(
        "-p", "siyu.testing.clock", "--ds=siyu.test_settings", "-p", "no:cacheprovider", "-v",
        "--clock-at=2028-02-29T15:59:00Z", "--clock-at=2028-02-29T16:01:00+00:00",
    )  # fmt: skip

    result.assert_outcomes(passed=6)
    ran = [line.split(" ")[0] for line in result.outlines if " PASSED" in line]
    assert ran == [  # instant by instant, each test at each
        f"test_inner.py::{name}[clock={at}]"
        for at in ("2028-02-29T15:59Z", "2028-02-29T16:01Z")
        for name in (
            "test_every_clock_reads_the_instant",
            "test_the_clock_ticks_from_the_instant",
            "test_each_test_starts_at_the_instant_again",
        )
    ]


def test_an_instant_without_an_offset_is_refused(pytester):
    pytester.makepyfile(test_inner="def test_nothing(): pass")
    result = pytester.runpytest_subprocess(
        "-p", "siyu.testing.clock", "--ds=siyu.test_settings", "--clock-at=2028-02-29T16:01"
    )  # fmt: skip
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--clock-at: '2028-02-29T16:01' needs a UTC offset (Z or +08:00)*"])
