"""The demo merchant's WeChat accounts, all played by the built-in WeChat sandbox: one section per carrier.

``ensure_demo_wechat`` runs on every ``siyu demo`` (a demo database from before WeChat gets its
accounts too) and changes nothing that is already there; it runs again once the sandbox is up, for
what needs the sandbox to answer (the official account's QR codes).

oa: ``ensure_demo_official_account`` — a sandbox official account (safe mode), a follow coupon,
two campaign QR codes and a few auto-replies, so a new user can follow through a QR code in the
sandbox's follower simulator (``/ui/oa/``) and get the coupon.

wecom: ``ensure_demo_wecom`` — a sandbox corp, the guides mapped to WeCom userids and two 渠道活码
with welcome messages, so a new user can scan one in ``/ui/wecom/`` and see the welcome.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import logging
import secrets
import string
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from siyu.audience.models import Tag
from siyu.members.models import Customer, CustomerIdentity, Source
from siyu.promotions.models import CouponTemplate
from siyu.promotions.services import coupons as coupon_services
from siyu.tenancy.models import Merchant, Role, Staff
from siyu.wechat.accounts import account_for
from siyu.wechat.errors import WeChatApiError
from siyu.wechat.models import AccountKind, WeChatAccount
from siyu.wechat.oa import services as oa_services
from siyu.wechat.oa.models import OfficialAccountQrCode, ReplyRule
from siyu.wechat.oa_web import services as oa_web
from siyu.wechat.oa_web.models import MenuDraft, MenuPublish
from siyu.wechat.pay import protocol
from siyu.wechat.wecom.models import ContactWay, WeComMember
from siyu.wechat.wecom.sandbox_ways import sandbox_qr_code
from siyu.wechat.wecom.services import new_state
from siyu.wechat.wecom_groups.models import WeComGroup
from siyu.wechat.wecom_groups.people import WECOM_EXTERNAL_USERID
from siyu.wechat.wecom_groups.services import groups as wecom_groups
from siyu.wechat.wecom_groups.services import tags as wecom_tags

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


# --- wecomgroups -----------------------------------------------------------------------------------

DEMO_GROUPS = (
    # chat id, name, notice, how many of the guide's customers, how many others
    (
        "wrDEMO0000000000000000000000001",
        "周婷的茶友福利群",
        "每周三 20:00 群内秒杀，茶艺课报名请私聊周婷。",
        6,
        2,
    ),
    ("wrDEMO0000000000000000000000002", "新品尝鲜群", "新茶上市先尝鲜，试饮装每人限领一份。", 3, 3),
)
DEMO_SYNCED_TAGS = ("茶艺课学员", "企业采购")  # the manual tags the demo pushes to WeCom


def demo_external_userid(customer_id: int) -> str:
    return f"wmDEMO{customer_id:026d}"


def _contacts(merchant: Merchant, customers: list[Customer]) -> None:
    """Give each customer a WeCom identity if the WeCom demo section has not (a 活码 add does)."""
    have = set(
        CustomerIdentity.objects.filter(
            merchant=merchant, kind=WECOM_EXTERNAL_USERID, customer__in=customers
        ).values_list("customer_id", flat=True)
    )
    CustomerIdentity.objects.bulk_create(
        [
            CustomerIdentity(
                merchant=merchant,
                customer=c,
                kind=WECOM_EXTERNAL_USERID,
                value=demo_external_userid(c.pk),
            )
            for c in customers
            if c.pk not in have
        ],
        ignore_conflicts=True,
    )


def _member(userid: str, kind: int, name: str, joined: dt.datetime, scene: int, owner: str) -> dict[str, Any]:
    return {
        "userid": userid,
        "type": kind,
        "join_time": int(joined.timestamp()),
        "join_scene": scene,
        "invitor": {"userid": owner},
        "group_nickname": "",
        "name": name,
    }


def ensure_demo_wecom_groups(merchant: Merchant) -> dict[str, int]:
    """Two customer groups of the demo guide with some demo customers (their WeCom identities made
    when missing), and two manual tags chosen to sync to WeCom. Idempotent; nothing without a corp."""
    if account_for(merchant, AccountKind.WECOM) is None:
        return {"groups": 0}
    guide = Staff.objects.for_merchant(merchant).filter(role=Role.GUIDE).select_related("user").first()
    owner = Staff.objects.for_merchant(merchant).filter(role=Role.OWNER).order_by("pk").first()
    if guide is None or owner is None:
        return {"groups": 0}
    base = Customer.objects.for_merchant(merchant).filter(merged_into__isnull=True).order_by("pk")
    mine = list(base.filter(guide=guide)[:6])
    others = list(base.exclude(guide=guide)[:3])
    _contacts(merchant, mine + others)
    ids = dict(
        CustomerIdentity.objects.filter(merchant=merchant, kind=WECOM_EXTERNAL_USERID).values_list(
            "customer_id", "value"
        )
    )
    now = timezone.now()
    userid = guide.user.username
    made = 0
    for i, (chat_id, name, notice, n_mine, n_others) in enumerate(DEMO_GROUPS):
        if WeComGroup.objects.for_merchant(merchant).filter(chat_id=chat_id).exists():
            continue
        opened = now - dt.timedelta(days=40 - 15 * i)
        people = mine[:n_mine] + others[:n_others]
        members = [_member(userid, 1, guide.display_name, opened, 1, userid)]
        members += [
            _member(
                ids[c.pk], 2, c.nickname, opened + dt.timedelta(hours=3 * (j + 1)), 3 if j % 2 else 1, userid
            )
            for j, c in enumerate(people)
        ]
        chat = {
            "chat_id": chat_id,
            "name": name,
            "owner": userid,
            "create_time": int(opened.timestamp()),
            "notice": notice,
            "member_list": members,
        }
        wecom_groups.store_group(merchant_id=merchant.pk, group_chat=chat)
        made += 1
    synced = list(
        Tag.objects.for_merchant(merchant).filter(name__in=DEMO_SYNCED_TAGS).values_list("pk", flat=True)
    )
    if synced:
        wecom_tags.choose_synced_tags(staff=owner, tag_ids=synced)
    return {"groups": made, "synced_tags": len(synced)}


# ---- all of it -----------------------------------------------------------------------------------

DEMO_MCHID = "1900009191"


def ensure_demo_wechat_pay(merchant: Merchant) -> WeChatAccount:
    """The demo's sandbox WeChat Pay merchant (made once, keys generated here), so the demo storefront
    pays through WeChat Pay v3 against the sandbox. It pays for the demo mini-program's appid (the H5
    login gives customers that openid), else the official account's.

    A real account gets its platform public key from WeChat; here the demo makes the platform keypair
    too and hands the private half to the sandbox as ``sandbox_platform_private_key`` (the sandbox
    only ever reads accounts marked ``sandbox``), so WeChat's signatures verify across restarts.
    """
    existing = WeChatAccount.objects.for_merchant(merchant).filter(kind=AccountKind.WECHAT_PAY).first()
    if existing is not None:
        return existing
    payer_app = (
        WeChatAccount.objects.for_merchant(merchant)
        .filter(kind__in=[AccountKind.MINI_PROGRAM, AccountKind.OFFICIAL_ACCOUNT])
        .order_by("kind")  # mini_program before official_account
        .values_list("app_id", flat=True)
        .first()
    )
    merchant_private, _merchant_public = protocol.generate_keypair()
    platform_private, platform_public = protocol.generate_keypair()
    return ensure_sandbox_account(
        merchant,
        AccountKind.WECHAT_PAY,
        DEMO_MCHID,
        name="山野茶铺 微信支付",
        config={
            "serial_no": _demo_value(merchant, "pay-serial", 40).upper(),
            "app_id": payer_app or "wx" + _demo_value(merchant, "mp", 16),
            "platform_public_key_id": "PUB_KEY_ID_" + _demo_value(merchant, "pay-platform", 24).upper(),
        },
        secrets={
            "private_key": merchant_private,
            "apiv3_key": _demo_value(merchant, "apiv3", 32),
            "platform_public_key": platform_public,
            "sandbox_platform_private_key": platform_private,
        },
    )


# --- wecom ------------------------------------------------------------------------------------

DEMO_WAYS = (
    # name, source, campaign, welcome text, mini-program card title, page
    (
        "门店活码",
        Source.OUTLET,
        "store-qr",
        "你好，我是你的专属导购，新人礼包已经放进小程序，有问题随时找我～",
        "新人礼包",
        "pages/index/index.html",
    ),
    (
        "直播间活码",
        Source.LIVE,
        "live-0618",
        "感谢来自直播间的你！直播专享价在小程序里，点卡片就能买。",
        "直播专享",
        "pages/live/index.html",
    ),
)


@transaction.atomic
def ensure_demo_wecom(merchant: Merchant) -> WeChatAccount:
    """The demo's WeCom: a sandbox corp, every guide mapped to a WeCom userid, and two 渠道活码 with
    welcome messages. The ways are rows only; the sandbox reads them from the database when it starts
    (``siyu/wechat/wecom/sandbox_ways.py``), so they scan whether or not the sandbox was up."""
    account = WeChatAccount.objects.filter(merchant=merchant, kind=AccountKind.WECOM).first()
    if account is None:
        account = WeChatAccount(
            merchant=merchant,
            kind=AccountKind.WECOM,
            app_id=f"wwsiyudemo{merchant.pk:06d}",
            sandbox=True,
            config={"agent_id": "1000002"},
        )
        alphabet = string.ascii_letters + string.digits
        account.set_secrets(
            {
                "agent_secret": secrets.token_urlsafe(24),
                "contact_secret": secrets.token_urlsafe(24),
                "token": secrets.token_hex(8),
                "encoding_aes_key": "".join(secrets.choice(alphabet) for _ in range(43)),
            }
        )
        account.save()
    guides = list(Staff.objects.for_merchant(merchant).filter(role=Role.GUIDE, is_active=True).order_by("id"))
    for number, guide in enumerate(guides, start=1):
        WeComMember.objects.get_or_create(
            merchant=merchant, staff=guide, defaults={"userid": f"guide{number:02d}"}
        )
    members = list(WeComMember.objects.for_merchant(merchant).filter(staff__in=guides).order_by("id"))
    if members and not ContactWay.objects.for_merchant(merchant).exists():
        for number, (name, source, campaign, text, card, page) in enumerate(DEMO_WAYS):
            config_id = f"demo{merchant.pk:04d}{number:02d}{secrets.token_hex(8)}"
            way = ContactWay.objects.create(
                merchant=merchant,
                name=name,
                config_id=config_id,
                qr_code=sandbox_qr_code(config_id),
                multi=number == 1 and len(members) > 1,
                state=new_state(source),
                source=source,
                campaign=campaign,
                welcome_text=text,
                card_title=card,
                card_page=page,
                created_at=timezone.now(),
            )
            way.members.set(members[:1] if number == 0 else members)
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
    ensure_demo_wechat_pay(merchant)
    ensure_demo_wecom(merchant)
    ensure_demo_wecom_groups(merchant)
    # The sandbox is not running yet here: the menu is only drafted (ensure_demo_oa_menu with
    # publish=True once it answers).
    ensure_demo_oa_menu(merchant, publish=False)
