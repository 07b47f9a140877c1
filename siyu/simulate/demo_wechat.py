"""The demo's WeChat side: what ``siyu demo`` sets up on the sandbox accounts, one section per area."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from siyu.tenancy.models import Merchant, Role, Staff
from siyu.wechat.accounts import account_for
from siyu.wechat.models import AccountKind
from siyu.wechat.oa_web import services as oa_web
from siyu.wechat.oa_web.models import MenuDraft, MenuPublish

log = logging.getLogger(__name__)

# --- oaweb: the official account's custom menu ---------------------------------------------------


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


def ensure_demo_oa_menu(merchant: Merchant, *, site_url: str = "http://127.0.0.1:8000") -> MenuPublish | None:
    """The demo official account's menu, saved and published to the sandbox (once: a second run
    finds it published and does nothing). None when the merchant has no official account (helper
    "oa"'s ``ensure_demo_official_account`` makes it) or no owner. The sandbox must be running for
    the publish to succeed; a failed publish is recorded like any other and tried again next run."""
    account = account_for(merchant, AccountKind.OFFICIAL_ACCOUNT)
    owner = (
        Staff.objects.for_merchant(merchant).filter(role=Role.OWNER, is_active=True).order_by("pk").first()
    )
    if account is None or owner is None:
        return None
    menu = demo_oa_menu(f"{site_url.rstrip('/')}/shop/{merchant.slug}")
    draft = MenuDraft.objects.for_merchant(merchant).first()
    last = MenuPublish.objects.for_merchant(merchant).first()
    if draft is not None and draft.menu == menu and last is not None and last.ok and last.menu == menu:
        return last
    host = urlsplit(site_url).hostname or "127.0.0.1"
    oa_web.save_menu_draft(staff=owner, menu=menu, shop_host=host)
    published = oa_web.publish_menu(staff=owner, shop_host=host)
    if not published.ok:
        log.warning("demo menu not published: %s %s", published.errcode, published.errmsg)
    return published
