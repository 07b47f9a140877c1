"""``--clock-at``: run tests with "now" at fixed instants, so no test passes only at some hours.

The merchants' zone (Asia/Shanghai, UTC+8) starts a new day at 16:00 UTC, so a test that mixes the
real clock with a fixed date, or code that takes the UTC date for the local one, fails only in some
hours of the day. ``make test-clock`` runs the tests marked ``clock`` at each instant of ``SWEEP``:

    pytest siyu -m clock --clock-at=sweep                        # every instant of SWEEP
    pytest siyu/members --clock-at=2028-02-29T16:01:00Z          # one instant, any tests

Each selected test runs once per instant (its id ends in ``[clock=<instant>]``), all tests at the
first instant before any at the next. Before each test is set up, the clock moves to its instant
and ticks from there: time-machine patches ``time.time``, ``datetime.now``, ``date.today`` and the
like at C level, so ``timezone.now()``, ``timezone.localdate()`` and ``date.today()`` (TZ is the
merchants' zone under Django) all agree with it. ``time.monotonic`` is left alone, so timeouts
still work. Tests that set their own clock (``time_machine`` fixture, a patched
``timezone.now``) keep it: the innermost travel wins.

Browser tests are skipped while the clock travels: Chromium's clock stays real, so its scripts
(count-downs) and cookie expiry would disagree with the server's.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from unittest import mock

import pytest
import time_machine

# Each instant is a way "today" has been got wrong. 2028 is a leap year after every date the
# tests write down, so the sweep also finds a test whose fixed date the real clock will overtake.
SWEEP = (
    "2028-02-29T00:30:00Z",  # 08:30 in Shanghai: both zones agree on the day (29 February)
    "2028-02-29T15:59:00Z",  # 23:59 in Shanghai: the local day, and February, end in a minute
    "2028-02-29T16:01:00Z",  # 00:01 on 1 March in Shanghai while UTC is still on 29 February
    "2028-12-31T23:59:00Z",  # the UTC year's last minute: 07:59 on 1 January 2029 in Shanghai
)

PARAM = "clock_instant"  # the parameter that multiplies each test by the instants (tests may ask for it)
_INSTANTS = pytest.StashKey[list[dt.datetime]]()
_TRAVEL = pytest.StashKey[time_machine.travel]()
_TRAVELLER = pytest.StashKey[time_machine.Traveller]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("siyu").addoption(
        "--clock-at",
        action="append",
        default=[],
        metavar="INSTANT",
        help="run each test with the clock at this ISO 8601 instant (with offset), ticking; repeat for "
        "several instants; 'sweep' means every instant of siyu.testing.clock.SWEEP",
    )


def instants(config: pytest.Config) -> list[dt.datetime]:
    """The instants given with ``--clock-at``, in order, as aware datetimes."""
    chosen: list[dt.datetime] = []
    for value in config.getoption("clock_at"):
        for text in SWEEP if value == "sweep" else (value,):
            try:
                at = dt.datetime.fromisoformat(text)
            except ValueError:
                raise pytest.UsageError(f"--clock-at: {text!r} is not an ISO 8601 instant") from None
            if at.tzinfo is None:
                raise pytest.UsageError(f"--clock-at: {text!r} needs a UTC offset (Z or +08:00)")
            chosen.append(at.astimezone(dt.UTC))
    return chosen


def label(at: dt.datetime) -> str:
    return f"clock={at:%Y-%m-%dT%H:%MZ}"


def pytest_configure(config: pytest.Config) -> None:
    chosen = instants(config)
    if chosen:
        config.stash[_INSTANTS] = chosen
        config.stash[_TRAVEL] = time_machine.travel(_timestamp(chosen[0]), tick=True)
        config.stash[_TRAVELLER] = config.stash[_TRAVEL].start()


def pytest_unconfigure(config: pytest.Config) -> None:
    if _TRAVEL in config.stash:
        config.stash[_TRAVEL].stop()
        del config.stash[_TRAVEL]


def pytest_report_header(config: pytest.Config) -> str | None:
    chosen = config.stash.get(_INSTANTS, [])
    return f"clock at: {', '.join(label(at) for at in chosen)}" if chosen else None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    chosen = metafunc.config.stash.get(_INSTANTS, [])
    if chosen:
        # A session-scoped parameter orders the run instant by instant, so a module's fixtures are
        # built again at each instant rather than carried over from the previous one.
        if PARAM not in metafunc.fixturenames:  # a test may ask for its instant by this name
            metafunc.fixturenames.append(PARAM)
        metafunc.parametrize(PARAM, chosen, ids=label, scope="session")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _INSTANTS not in config.stash:
        return
    skip = pytest.mark.skip(reason="the browser's clock does not travel with --clock-at")
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Move the clock before any of the test's fixtures (of any scope) are set up."""
    chosen = item.config.stash.get(_INSTANTS, [])
    if chosen:
        callspec = getattr(item, "callspec", None)
        at = callspec.params[PARAM] if callspec and PARAM in callspec.params else chosen[0]
        item.config.stash[_TRAVELLER].move_to(_timestamp(at))


def _timestamp(at: dt.datetime) -> float:
    # A number, not the datetime: time-machine would set TZ to a datetime's zone (UTC), while
    # Django set TZ to the merchants' zone that date.today() must keep answering in.
    return at.timestamp()


@contextlib.contextmanager
def at(moment: dt.datetime) -> Iterator[None]:
    """Run the block (checkout, providers, payments...) as if it were ``moment``: ``timezone.now``
    answers ``moment`` and stands still."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield
