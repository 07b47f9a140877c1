"""The demo merchant's WeChat accounts, all played by the built-in WeChat sandbox.

``ensure_demo_wechat`` runs on every ``siyu demo`` (a demo database from before WeChat gets its
accounts too) and changes nothing that is already there. Each carrier keeps its own section below.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any
from urllib.parse import urlsplit

from siyu.tenancy.models import Merchant, Role, Staff
from siyu.wechat.accounts import account_for
from siyu.wechat.models import AccountKind, WeChatAccount
from siyu.wechat.oa_web import services as oa_web
from siyu.wechat.oa_web.models import MenuDraft, MenuPublish

log = logging.getLogger(__name__)


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


# --- oaweb: the official account's custom menu -------------------------------------------------


def demo_oa_menu(shop_url: str) -> dict[str, Any]:
    """逛商城 | 会员 (会员中心, 领券中心, 我的订单) | 联系我们: every link into the demo shop."""
    return {
        "button": [
            {"type": "view", "name": "逛商城", "url": f"{shop_url}/"},
            {
                "name": "会员",
                "sub_button": [
                    {"type": "view", "name": "会员中心", "url": f"{shop_url}/me/member/"},
                    {"type": "view", "name": "领券中心", "url": f"{shop_url}/coupons/"},
                    {"type": "view", "name": "我的订单", "url": f"{shop_url}/orders/"},
                ],
            },
            {"type": "click", "name": "联系我们", "key": "CONTACT_US"},
        ]
    }


def ensure_demo_oa_menu(
    merchant: Merchant, *, site_url: str = "http://127.0.0.1:8000", publish: bool = True
) -> MenuDraft | MenuPublish | None:
    """The demo official account's menu as the draft, and with ``publish`` sent to WeChat (the
    sandbox): call it with ``publish`` once the sandbox answers, on every start, since the sandbox
    keeps menus in memory only. None when the merchant has no official account (helper "oa"'s
    ``ensure_demo_official_account`` makes it) or no owner. A failed publish is recorded like any
    other and shows on the console's menu page."""
    account = account_for(merchant, AccountKind.OFFICIAL_ACCOUNT)
    owner = (
        Staff.objects.for_merchant(merchant).filter(role=Role.OWNER, is_active=True).order_by("pk").first()
    )
    if account is None or owner is None:
        return None
    menu = demo_oa_menu(f"{site_url.rstrip('/')}/shop/{merchant.slug}")
    host = urlsplit(site_url).hostname or "127.0.0.1"
    draft = MenuDraft.objects.for_merchant(merchant).first()
    if draft is None or draft.menu != menu:
        draft = oa_web.save_menu_draft(staff=owner, menu=menu, shop_host=host)
    if not publish:
        return draft
    published = oa_web.publish_menu(staff=owner, shop_host=host)
    if not published.ok:
        log.warning("demo menu not published: %s %s", published.errcode, published.errmsg)
    return published


def ensure_demo_wechat(merchant: Merchant) -> None:
    """Every WeChat account and carrier set-up of the demo, each section idempotent."""
    ensure_demo_mini_program(merchant)
    # The sandbox is not running yet here: the menu is only drafted (published once it answers).
    ensure_demo_oa_menu(merchant, publish=False)
