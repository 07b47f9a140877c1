"""Regenerate the screenshots in docs/screenshots/ from the demo database (``make screenshots``).

It serves the configured database (the demo's, after ``siyu demo --no-serve``) on a free local port
from this process, logs in as the demo owner with Debian's Chromium through the same Playwright
setup the browser tests use, and saves one PNG per entry of ``SHOTS`` (arguments: only the files
whose names start with one of them, e.g. ``reach-``). To add a screenshot, add a
line to ``SHOTS``: the path (or a function returning it, called after Django is set up), the file
name, the viewport (``DESKTOP`` or ``PHONE``) and whether the page needs the staff login.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siyu.settings")
os.environ.setdefault("SIYU_DEMO", "1")  # the demo's pages, sandbox cashier included

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.staticfiles.handlers import StaticFilesHandler  # noqa: E402
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402

from siyu.simulate.demo_tables import DEMO_PASSWORD, DEMO_SLUG  # noqa: E402
from siyu.testing.browser import CHROMIUM, DESKTOP, PHONE  # noqa: E402

OUT = ROOT / "docs" / "screenshots"


@dataclass(frozen=True)
class Shot:
    path: str | Callable[[], str]
    file: str
    viewport: dict[str, Any]
    staff: bool = True  # log in as the demo owner first
    wait_for: str = "body"  # a selector that is there once the page has drawn
    scroll_to: str = ""  # a selector to bring into view before the shot


SHOTS = [
    Shot("/console/overview/", "console-overview.png", DESKTOP, wait_for="[data-chart] canvas"),
    Shot("/console/orders/", "console-orders.png", DESKTOP, wait_for="[data-testid=orders]"),
    Shot(
        lambda: f"/console/customers/{_best_customer()}/",
        "console-customer.png",
        DESKTOP,
        wait_for=".kpis",
    ),
    Shot(
        "/console/members/?sort=growth",
        "console-members.png",
        {"viewport": {"width": 1280, "height": 900}},
        wait_for="[data-testid=members]",
    ),
    Shot(lambda: f"/shop/{DEMO_SLUG}/p/{_best_product()}/", "storefront-product.png", PHONE, staff=False),
    Shot("/console/media/", "console-media.png", DESKTOP, wait_for="[data-testid=library]"),
    Shot(
        lambda: f"/console/products/{_best_product()}/edit/",
        "console-product-edit.png",
        DESKTOP,
        wait_for="[data-testid=richtext-area]",
        scroll_to="[data-testid=gallery]",
    ),
    Shot(
        lambda: f"/shop/{DEMO_SLUG}/p/{_best_product()}/",
        "storefront-product-detail.png",
        PHONE,
        staff=False,
        scroll_to="[data-testid=detail] img",
    ),
    # 触达: the demo's channels, templates, a broadcast's report (the newest one) and its form.
    Shot("/console/reach/channels/", "reach-channels.png", DESKTOP, wait_for="main table"),
    Shot(
        "/console/reach/templates/", "reach-templates.png", DESKTOP, wait_for="[data-testid=reach-templates]"
    ),
    Shot(lambda: _newest_broadcast(), "reach-broadcast.png", DESKTOP, wait_for="main"),
    Shot(
        "/console/reach/broadcasts/new/",
        "reach-broadcast-new.png",
        DESKTOP,
        wait_for="[data-testid=broadcast-form]",
    ),
]


def _newest_broadcast() -> str:
    """The demo's newest broadcast's report (the list when none was sent yet)."""
    from siyu.reach.models import Broadcast

    newest = (
        Broadcast.objects.filter(merchant__slug=DEMO_SLUG)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return f"/console/reach/broadcasts/{newest}/" if newest else "/console/reach/broadcasts/"


def _best_product() -> int:
    """The demo's best-selling product on sale: a product page with several SKUs and stock."""
    from django.db.models import Count

    from siyu.catalog.models import Product

    row = (
        Product.objects.filter(merchant__slug=DEMO_SLUG, status="on_sale")
        .annotate(n=Count("skus"))
        .order_by("-n", "id")
        .values_list("id", flat=True)
        .first()
    )
    if row is None:
        sys.exit("No demo merchant in this database: run `siyu demo --no-serve` first.")
    return row


def _best_customer() -> int:
    """The demo customer with the most paid orders: a 360 page with something on it."""
    from django.db.models import Count, Q

    from siyu.members.models import Customer

    row = (
        Customer.objects.filter(merchant__slug=DEMO_SLUG)
        .annotate(n=Count("orders", filter=Q(orders__paid_at__isnull=False)))
        .order_by("-n", "id")
        .values_list("id", flat=True)
        .first()
    )
    if row is None:
        sys.exit("No demo merchant in this database: run `siyu demo --no-serve` first.")
    return row


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve() -> tuple[ThreadedWSGIServer, str]:
    """The project's WSGI app with static files from the finders, on a free loopback port."""
    vendor = settings.BASE_DIR / "static"
    if vendor not in [Path(d) for d in settings.STATICFILES_DIRS]:
        # Until settings list siyu/static (where `make assets` puts htmx and ECharts).
        settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, vendor]
    server = ThreadedWSGIServer(("127.0.0.1", 0), _QuietHandler, allow_reuse_address=False)
    server.set_app(StaticFilesHandler(get_wsgi_application()))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def main() -> None:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        sys.exit(f"Chromium is not at {CHROMIUM}: apt-get install chromium")
    if (
        shutil.which("fc-list")
        and not subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout.strip()
    ):
        print("No Chinese font: the pages would show boxes. Install one: apt-get install fonts-noto-cjk")
    # ``scripts/screenshots.py reach-`` takes only the shots whose file name starts so.
    wanted = [s for s in SHOTS if not sys.argv[1:] or any(s.file.startswith(a) for a in sys.argv[1:])]
    shots = [(s, s.path() if callable(s.path) else s.path) for s in wanted]  # ORM before the event loop
    server, base = serve()
    OUT.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            for shot, path in shots:
                context = browser.new_context(locale="zh-CN", **shot.viewport)
                page = context.new_page()
                if shot.staff:
                    page.goto(f"{base}/console/login/")
                    page.fill("input[name=username]", "demo_owner")
                    page.fill("input[name=password]", DEMO_PASSWORD)
                    page.click("button[type=submit].primary")
                    page.wait_for_url(f"{base}/console/**")
                page.goto(f"{base}{path}")
                page.wait_for_selector(shot.wait_for)
                page.wait_for_load_state("networkidle")
                if shot.scroll_to:
                    page.locator(shot.scroll_to).first.evaluate("el => el.scrollIntoView({block: 'start'})")
                    page.mouse.wheel(0, -80)  # a little of what comes before, below the sticky bars
                    page.wait_for_timeout(300)
                page.screenshot(path=str(OUT / shot.file))
                print(f"docs/screenshots/{shot.file}  <- {path}")
                context.close()
            browser.close()
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
