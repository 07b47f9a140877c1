"""Browser fixtures: Playwright driving Debian's Chromium (``/usr/bin/chromium``), never a download.

Tests marked ``browser`` are skipped when Chromium is not installed. Pages collect JavaScript
errors and console errors in ``page.js_errors`` so a journey can assert that none happened;
``log_in`` signs a page in to the console through its login form; ``settle`` waits until a page's
own requests are done.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from siyu.tenancy.models import Staff
from siyu.testing.clients import PASSWORD

CHROMIUM = os.environ.get("SIYU_CHROMIUM", "/usr/bin/chromium")
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP = {"viewport": {"width": 1440, "height": 900}}

# Added to every page before its scripts run: counts the fetch and XMLHttpRequest calls in flight
# (htmx sends XMLHttpRequests; its swap runs in the load handler, before "loadend" counts one done).
IN_FLIGHT_SCRIPT = """
(() => {
  let inFlight = 0;
  window.__siyuInFlight = () => inFlight;
  const fetch = window.fetch;
  window.fetch = function (...args) {
    inFlight++;
    return fetch.apply(this, args).finally(() => { inFlight--; });
  };
  const send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function (...args) {
    inFlight++;
    this.addEventListener("loadend", () => { inFlight--; });
    return send.apply(this, args);
  };
})();
"""
SETTLED = (
    "document.readyState === 'complete' && window.__siyuInFlight() === 0"
    " && !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
)


def chromium_available() -> bool:
    return os.path.exists(CHROMIUM) or shutil.which("chromium") is not None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not chromium_available():
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls tests make between
    # page actions are still synchronous, so Django's async guard must not refuse them.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(
            executable_path=CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium"),
            headless=True,
            args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        )
        yield instance
        instance.close()


@pytest.fixture
def open_page(browser) -> Iterator[Callable[..., Any]]:
    """``open_page(phone=False, locale="zh-CN")`` -> a fresh page in its own context.

    ``page.js_errors`` lists uncaught exceptions and ``console.error`` messages seen so far.
    """
    contexts = []

    def make(*, phone: bool = False, locale: str = "zh-CN") -> Any:
        options: dict[str, Any] = dict(PHONE if phone else DESKTOP)
        context = browser.new_context(locale=locale, **options)
        # A wait only costs time when it fails: a generous default keeps a busy two-core CI machine
        # (xdist workers beside the browser) from failing a page that is merely slow to arrive.
        context.set_default_timeout(60_000)
        context.add_init_script(IN_FLIGHT_SCRIPT)
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
        page.on("console", lambda msg: errors.append(f"console: {msg.text}") if msg.type == "error" else None)
        page.js_errors = errors
        return page

    yield make
    for context in contexts:
        context.close()


def log_in(page: Any, base: str, staff: Staff) -> None:
    """Sign ``page`` in to the console at ``base`` as ``staff``, and wait for the page after the form."""
    page.goto(f"{base}/console/login/")
    page.fill("input[name=username]", staff.user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(re.compile(r".*/console/(?!login).*"))


def settle(page: Any) -> None:
    """Wait until ``page`` has loaded and none of its requests (fetch, htmx) is in flight or swapping.

    Unlike Playwright's "networkidle", which waits for half a second without traffic on every page,
    this returns as soon as the page is done. A request a script delays (``hx-trigger`` with
    ``delay:``) is not seen before it is sent: wait for its result instead.
    """
    page.wait_for_function(SETTLED)
