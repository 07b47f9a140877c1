"""The demo merchant's WeChat accounts, all played by the built-in WeChat sandbox: one section per carrier.

``ensure_demo_wechat`` runs on every ``siyu demo`` (a demo database from before WeChat gets its
accounts too) and changes nothing that is already there; it runs again once the sandbox is up, for
what needs the sandbox to answer (the official account's QR codes).

oa: ``ensure_demo_official_account`` — a sandbox official account (safe mode), a follow coupon,
two campaign QR codes and a few auto-replies, so a new user can follow through a QR code in the
sandbox's follower simulator (``/ui/oa/``) and get the coupon.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from typing import Any
from urllib.parse import urlsplit

from siyu.promotions.models import CouponTemplate
from siyu.promotions.services import coupons as coupon_services
from siyu.tenancy.models import Merchant, Role, Staff
from siyu.wechat.errors import WeChatApiError
from siyu.wechat.models import AccountKind, WeChatAccount
from siyu.wechat.oa import services as oa_services
from siyu.wechat.oa.models import OfficialAccountQrCode, ReplyRule
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


# ---- oa: the official account -------------------------------------------------------------------

DEMO_QR_CODES = (
    ("静安门店收银台", "outlet", "门店开业"),
    ("双11海报", "ads", "双11预热"),
)
DEMO_REPLIES = (
    {"kind": "subscribe", "text": "欢迎关注思语茶铺！关注礼券已放入您的账户，回复“优惠”看本周活动。"},
    {"kind": "default", "text": "收到～回复“优惠”看活动，回复“门店”查附近门店。"},
    {"kind": "keyword", "match": "contains", "keyword": "优惠", "text": "本周：满99减10，新人无门槛5元。"},
    {
        "kind": "keyword",
        "match": "exact",
        "keyword": "门店",
        "reply_type": "news",
        "title": "思语茶铺门店",
        "text": "营业时间 10:00-22:00",
        "url": "https://example.com/outlets",
    },
    {"kind": "click", "keyword": "MENU_COUPON", "text": "领券中心在商城首页，关注礼券已自动发放。"},
)


def _secret(merchant: Merchant, name: str, length: int) -> str:
    # Derived, not random: a rebuilt demo keeps the credentials a running sandbox already knows.
    raw = hashlib.sha256(f"siyu-demo-oa|{merchant.pk}|{name}".encode()).digest()
    return base64.b64encode(raw + raw).decode().replace("+", "A").replace("/", "B")[:length]


def _hex(merchant: Merchant, name: str, length: int) -> str:
    return hashlib.sha256(f"siyu-demo-oa|{merchant.pk}|{name}".encode()).hexdigest()[:length]


def _owner(merchant: Merchant) -> Staff:
    return Staff.objects.for_merchant(merchant).filter(role=Role.OWNER, is_active=True).order_by("id")[0]


def ensure_demo_official_account(merchant: Merchant) -> WeChatAccount:
    """The merchant's official account, made a sandbox one (safe mode) when it has none, with a
    follow coupon, auto-replies and two campaign QR codes (skipped, with a log line, when the
    sandbox is not reachable yet; run again once it is)."""
    account = WeChatAccount.objects.for_merchant(merchant).filter(kind=AccountKind.OFFICIAL_ACCOUNT).first()
    if account is None:
        account = WeChatAccount(
            merchant=merchant,
            kind=AccountKind.OFFICIAL_ACCOUNT,
            app_id="wx" + _hex(merchant, "app_id", 16),
            sandbox=True,
            config={
                "oa_type": "service",
                "original_id": "gh_" + _hex(merchant, "original_id", 12),
                "unionid": True,
            },
        )
        account.set_secrets(
            {
                "app_secret": _secret(merchant, "app_secret", 32),
                "token": _secret(merchant, "token", 32),
                "encoding_aes_key": _secret(merchant, "aes", 43),
            }
        )
        account.save()
    staff = _owner(merchant)
    templates = CouponTemplate.objects.for_merchant(merchant).values_list("triggers", flat=True)
    if not any("follow" in (t or []) for t in templates):
        coupon_services.create_template(
            staff=staff,
            title="关注有礼 无门槛5元",
            kind="amount",
            amount=500,
            triggers=["follow"],
            claimable=False,
            validity="after_claim",
            valid_days=7,
        )
    if not ReplyRule.objects.for_merchant(merchant).exists():
        for rule in DEMO_REPLIES:
            oa_services.create_reply_rule(staff=staff, **rule)
    if not OfficialAccountQrCode.objects.for_merchant(merchant).exists():
        try:
            for name, source, campaign in DEMO_QR_CODES:
                oa_services.create_qr_code(
                    staff=staff, name=name, kind="permanent", source=source, campaign=campaign
                )
        except WeChatApiError as exc:
            log.warning("demo QR codes not made (is the WeChat sandbox running?): %s", exc.detail)
    return account


# ---- oaweb: the official account's custom menu --------------------------------------------------


def demo_oa_menu(shop_url: str) -> dict[str, Any]:
    """逛商城 | 会员 (会员中心, 领券中心, 我的订单) | 优惠 (the click the demo's reply rule answers)."""
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
            {"type": "click", "name": "优惠", "key": "MENU_COUPON"},
        ]
    }


def ensure_demo_oa_menu(
    merchant: Merchant, *, site_url: str = "http://127.0.0.1:8000", publish: bool = True
) -> MenuDraft | MenuPublish | None:
    """The demo official account's menu as the draft, and with ``publish`` sent to WeChat (the
    sandbox): call it with ``publish`` once the sandbox answers, on every start, since the sandbox
    keeps menus in memory only. None when the merchant has no official account or no owner. A
    failed publish is recorded like any other and shows on the console's menu page."""
    account = WeChatAccount.objects.for_merchant(merchant).filter(kind=AccountKind.OFFICIAL_ACCOUNT).first()
    owner = (
        Staff.objects.for_merchant(merchant).filter(role=Role.OWNER, is_active=True).order_by("id").first()
    )
    if account is None or not account.is_active or owner is None:
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
        log.warning("demo menu not published (is the WeChat sandbox running?): %s", published.errmsg)
    return published


# ---- all of it -----------------------------------------------------------------------------------


def ensure_demo_wechat(merchant: Merchant) -> None:
    """Every WeChat account and carrier set-up of the demo, each section idempotent."""
    ensure_demo_mini_program(merchant)
    ensure_demo_official_account(merchant)
    # The sandbox is not running yet here: the menu is only drafted (ensure_demo_oa_menu with
    # publish=True once it answers).
    ensure_demo_oa_menu(merchant, publish=False)
