"""The lines ``siyu demo`` prints last: where everything is and how to log in."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from django.utils import timezone

from siyu.simulate.demo_data import PLAYBOOKS, DemoSummary
from siyu.simulate.demo_tables import HOURS_TO_FINISH


def banner(
    summary: DemoSummary,
    *,
    base: str,
    running: bool,
    logs: tuple[Path, ...] = (),
    now: datetime | None = None,
    sandbox: str = "",
) -> list[str]:
    """The banner, in English (a terminal has no language switch): URLs, logins, and what to try.

    ``running`` says whether the server and worker are up now (``--no-serve`` only loaded the data).
    """
    shop = f"{base}/shop/{summary.merchant_slug}/"
    api = f"{base}/api/v1/shop/{summary.merchant_slug}"
    json = "-H 'Content-Type: application/json'"
    sample = summary.sample
    code = summary.sample_login_code
    who = ""
    if sample is not None:
        who = (
            f" ({sample.nickname}: {sample.tier or 'member'}, {sample.orders} orders, "
            f"{sample.points:,} points, {sample.coupons} coupons)"
        )
    lines = [
        "",
        "Siyu demo is running." if running else "The demo data is loaded.",
        f"  Start here       {base}/",
        f"  Operator console {base}/console/   log in as demo_owner / {summary.password}",
        f"  H5 storefront    {shop}   log in with the nickname {code}{who}",
        f"  API docs         {base}/api/v1/docs",
        *(
            [f"  WeChat sandbox   {sandbox}/   (WeChat's side: pay, official account, WeCom)"]
            if sandbox
            else []
        ),
        "",
        f"Shop API as customer {code} (sandbox login: any code works, the same code is the same customer):",
        f'  curl -s -X POST {api}/auth/login {json} -d \'{{"code": "{code}"}}\'',
        f"  curl -s {api}/orders -H 'Authorization: Bearer <token from the login>'",
        "",
        f"Staff (password {summary.password}; an admin API token from POST {base}/api/v1/admin/auth/token):",
        *summary.login_lines("  "),
        "",
        *_activity_lines(summary, now or timezone.now()),
    ]
    if logs:
        lines.append("Logs: " + ", ".join(str(p) for p in logs))
    lines.append(
        "Press Ctrl-C to stop the server and the worker."
        if running
        else "Serve it with `siyu demo` (the server and a task worker)."
    )
    return lines


def _activity_lines(summary: DemoSummary, now: datetime) -> list[str]:
    idle = [key for key in PLAYBOOKS if not summary.running.get(key)]
    stale = summary.built_at is not None and now - summary.built_at > timedelta(hours=HOURS_TO_FINISH)
    if not idle and not stale:
        return [
            "Every playbook has a running activity; coupons, promotions, tags, segments and membership "
            "are live.",
            "",
        ]
    built = f"{timezone.localtime(summary.built_at):%Y-%m-%d}" if summary.built_at else "earlier"
    lines = [f"The demo data was built on {built}:"]
    if idle:
        lines.append(f"  no running activity any more for: {', '.join(idle)}")
    if stale:
        lines.append("  the teams, bargains and help requests started then have expired")
    lines += ["  `siyu demo --reset` builds it again with every activity running.", ""]
    return lines
