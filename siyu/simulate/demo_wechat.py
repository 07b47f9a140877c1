"""The demo merchant's WeChat accounts, all played by the built-in WeChat sandbox.

``ensure_demo_wechat`` runs on every ``siyu demo`` (a demo database from before WeChat gets its
accounts too) and changes nothing that is already there. Each carrier keeps its own section below.
"""

from __future__ import annotations

import hashlib

from siyu.tenancy.models import Merchant
from siyu.wechat.models import AccountKind, WeChatAccount


def _demo_value(merchant: Merchant, name: str, length: int) -> str:
    """A stable, merchant-specific value for a sandbox credential (the sandbox reads it from the database)."""
    return hashlib.sha256(f"siyu-demo:{merchant.slug}:{name}".encode()).hexdigest()[:length]


def ensure_sandbox_account(
    merchant: Merchant, kind: str, app_id: str, *, name: str, config: dict, secrets: dict[str, str]
) -> WeChatAccount:
    """The merchant's sandbox account of ``kind``, created once with these values."""
    account = WeChatAccount.objects.for_merchant(merchant).filter(kind=kind).first()
    if account is not None:
        return account
    account = WeChatAccount(
        merchant=merchant, kind=kind, app_id=app_id, name=name, config=config, sandbox=True
    )
    account.set_secrets(secrets)
    account.save()
    return account


# --- mini-program ------------------------------------------------------------------------------


def ensure_demo_mini_program(merchant: Merchant) -> WeChatAccount:
    return ensure_sandbox_account(
        merchant,
        AccountKind.MINI_PROGRAM,
        "wx" + _demo_value(merchant, "mp", 16),
        name="山野茶铺小程序",
        config={},
        secrets={"app_secret": _demo_value(merchant, "mp-secret", 32)},
    )


def ensure_demo_wechat(merchant: Merchant) -> None:
    """Every WeChat account and carrier set-up of the demo, each section idempotent."""
    ensure_demo_mini_program(merchant)
