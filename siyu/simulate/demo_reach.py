"""The demo merchant's 触达 (reach) set-up, every channel played by the built-in sandbox.

``ensure_demo_reach`` runs on every ``siyu demo`` next to ``ensure_demo_wechat`` (whose WeChat
accounts the mini-program, official-account and WeCom channels send through) and changes nothing
that is already there, except where the email channel points: the SMTP port the demo chose this
time. After it, an operator can open 触达 → 群发, pick a segment, the coupon and the templates, send
"at each customer's hour", press 沙箱快进 and watch the sandbox inbox (``/ui/inbox/``) fill.

What it makes, once each, through the same services the console calls:

- channel settings, enabled, for the subscribe message, the official account, WeCom 1:1, SMS
  (Tencent Cloud's format against the sandbox's ``/sms``) and email (SMTP into the sandbox inbox);
- the fatigue policy (1 a day, 3 a week, 20:00 for customers with no hour of their own);
- one Chinese template per channel naming the coupon, with the tracked link where the channel
  shows text (a page jump for the subscribe message);
- the coupon the broadcasts give (触达专享 满99减15);
- the first time only: an email address for every third customer who has none, consent to each of
  the five channels a customer never answered for (every fifth customer gets none, so "no consent"
  shows in the counts; an opt-out stays an opt-out), and one subscribe-message acceptance for every
  second customer with a mini-program openid.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.db import transaction

from siyu.members.models import Channel, ContactPreference, Customer, CustomerIdentity, IdentityKind
from siyu.promotions.models import CouponTemplate
from siyu.promotions.services import coupons as coupon_services
from siyu.reach import services as reach
from siyu.reach.models import ChannelSetting, FatiguePolicy, MessageTemplate, SubscriptionGrant
from siyu.tenancy.models import Merchant, Role, Staff

log = logging.getLogger(__name__)

DEMO_SMTP_PORT = 8025
DEMO_CHANNELS = (
    Channel.SUBSCRIBE_MESSAGE,
    Channel.OFFICIAL_ACCOUNT,
    Channel.WECOM,
    Channel.SMS,
    Channel.EMAIL,
)
DEMO_COUPON = "触达专享 满99减15"
SMS_APP_ID = "1400262600"
SMS_SIGN = "山野茶铺"
SMS_TEMPLATE_ID = "2262600"
FROM_EMAIL = "山野茶铺 <news@shanye-tea.example.com>"


def _value(merchant: Merchant, name: str, length: int) -> str:
    """Stable per merchant: a rebuilt demo keeps what a running sandbox already knows."""
    return hashlib.sha256(f"siyu-demo-reach:{merchant.slug}:{name}".encode()).hexdigest()[:length]


def subscribe_template_id(merchant: Merchant) -> str:
    """The demo's subscribe-message priTmplId (WeChat's are 43 characters of letters and digits)."""
    return "SY" + _value(merchant, "subscribe", 41)


def _owner(merchant: Merchant) -> Staff | None:
    return Staff.objects.for_merchant(merchant).filter(role=Role.OWNER, is_active=True).order_by("id").first()


# ---- channels --------------------------------------------------------------------------------------


def _sms_secrets(merchant: Merchant) -> dict[str, str]:
    return {
        "secret_id": "AKIDdemo" + _value(merchant, "sms-id", 28),
        "secret_key": _value(merchant, "sms-key", 32),
        "callback_token": _value(merchant, "sms-callback", 24),
    }


def _channel_config(channel: str, *, smtp_host: str, smtp_port: int) -> dict[str, Any]:
    if channel == Channel.SMS:
        # param_max_chars 0: an 企业认证 Tencent account, so a tracked link fits in one parameter.
        return {"sandbox": True, "sms_sdk_app_id": SMS_APP_ID, "sign_name": SMS_SIGN, "param_max_chars": 0}
    if channel == Channel.EMAIL:
        return {"sandbox": True, "host": smtp_host, "port": smtp_port, "from_email": FROM_EMAIL}
    return {"sandbox": True}  # the WeChat channels send through the demo's sandbox accounts


def ensure_demo_channels(staff: Staff, *, smtp_host: str, smtp_port: int) -> None:
    merchant = staff.merchant
    have = {s.channel: s for s in ChannelSetting.objects.for_merchant(merchant)}
    for channel in DEMO_CHANNELS:
        config = _channel_config(channel, smtp_host=smtp_host, smtp_port=smtp_port)
        setting = have.get(channel)
        current = setting.config or {} if setting is not None else {}
        if setting is None:
            secrets = _sms_secrets(merchant) if channel == Channel.SMS else None
            reach.save_channel_setting(
                staff=staff, channel=channel, enabled=True, config=config, secrets=secrets
            )
        elif (
            channel == Channel.EMAIL
            and (setting.config or {}).get("sandbox")
            and ((setting.config or {}).get("host"), (setting.config or {}).get("port"))
            != (smtp_host, smtp_port)
        ):
            # The demo's own sandbox mail server moved (another --smtp-port): follow it.
            reach.save_channel_setting(
                staff=staff,
                channel=channel,
                enabled=setting.enabled,
                rate_per_minute=setting.rate_per_minute,
                concurrency=setting.concurrency,
                daily_cap=setting.daily_cap,
                weekly_cap=setting.weekly_cap,
                config={**current, "host": smtp_host, "port": smtp_port},
            )
    if not FatiguePolicy.objects.filter(merchant_id=merchant.pk).exists():
        reach.save_fatigue_policy(staff=staff, daily_cap=1, weekly_cap=3, default_hour=20)


# ---- templates and the coupon --------------------------------------------------------------------


def demo_templates(merchant: Merchant, shop_url: str) -> list[dict[str, Any]]:
    coupons = f"{shop_url}/coupons/"
    return [
        {
            "name": "领券提醒（小程序订阅消息）",
            "channel": Channel.SUBSCRIBE_MESSAGE,
            "external_id": subscribe_template_id(merchant),
            "fields": {
                "thing1": "{{ coupon.name }}",
                "amount2": "{{ coupon.amount }}",
                "thing3": "专属券已到账，点此领取",
            },
            "page": "pages/coupons/index",
        },
        {
            "name": "领券提醒（公众号模板消息）",
            "channel": Channel.OFFICIAL_ACCOUNT,
            "external_id": "OA" + _value(merchant, "oa-template", 41),
            "fields": {
                "first": "{{ customer.nickname }}，您有一张新券到账",
                "keyword1": "{{ coupon.name }}",
                "keyword2": "{{ coupon.valid_until }}前有效",
                "remark": "点击详情，去商城使用",
            },
            "link_url": coupons,
        },
        {
            "name": "新茶季领券（企业微信1对1）",
            "channel": Channel.WECOM,
            "fields": {
                "text": "新茶季到了，给您留了一张{{ coupon.name }}，{{ coupon.valid_until }}前有效，"
                "点下面的链接就能用～",
                "title": "新茶季专属券",
            },
            "link_url": coupons,
        },
        {
            "name": "领券短信",
            "channel": Channel.SMS,
            "external_id": SMS_TEMPLATE_ID,
            "fields": {"params": ["{{ customer.nickname }}", "{{ coupon.name }}", "{{ link }}"]},
            "link_url": coupons,
        },
        {
            "name": "领券邮件",
            "channel": Channel.EMAIL,
            "fields": {
                "subject": "{{ merchant.name }}送您一张{{ coupon.name }}",
                "body": "{{ customer.nickname }}，您好：\n\n新茶季到了，{{ merchant.name }}给您留了一张"
                "{{ coupon.name }}（面值 {{ coupon.amount }}），{{ coupon.valid_until }}前有效。\n\n"
                "去商城使用：{{ link }}\n",
            },
            "link_url": coupons,
        },
    ]


def ensure_demo_templates(staff: Staff, *, shop_url: str) -> None:
    have = set(MessageTemplate.objects.for_merchant(staff.merchant).values_list("channel", flat=True))
    for spec in demo_templates(staff.merchant, shop_url):
        if spec["channel"] not in have:
            reach.save_template(staff=staff, **spec)


def ensure_demo_coupon(staff: Staff) -> CouponTemplate:
    found = CouponTemplate.objects.for_merchant(staff.merchant).filter(title=DEMO_COUPON).first()
    if found is not None:
        return found
    return coupon_services.create_template(
        staff=staff,
        title=DEMO_COUPON,
        kind="amount",
        amount=1500,
        threshold=9900,
        claimable=False,
        validity="after_claim",
        valid_days=7,
        total_quantity=5000,
    )


# ---- the audience's consents, subscriptions and emails ---------------------------------------------


def ensure_demo_audience(merchant: Merchant) -> None:
    """Consents, subscriptions and emails, made the first time only (the grants mark that time)."""
    template_id = subscribe_template_id(merchant)
    if SubscriptionGrant.objects.filter(merchant=merchant, template_id=template_id).exists():
        return
    customers = Customer.objects.for_merchant(merchant).filter(merged_into__isnull=True)
    # An email address for every third customer who has none.
    given = [c for c in customers.filter(email="").only("pk") if c.pk % 3 == 0]
    for c in given:
        c.email = f"guest{c.pk}@shanye-tea.example.com"
    Customer.objects.bulk_update(given, ["email"], batch_size=2000)
    # Consent to each demo channel a customer never answered for; every fifth customer stays without.
    ContactPreference.objects.bulk_create(
        [
            ContactPreference(merchant=merchant, customer_id=pk, channel=channel, opted_in=True)
            for pk in customers.values_list("pk", flat=True).iterator()
            if pk % 5
            for channel in DEMO_CHANNELS
        ],
        ignore_conflicts=True,
        batch_size=2000,
    )
    # One accepted subscription to the coupon template for every second customer with an openid.
    with_openid = set(
        CustomerIdentity.objects.filter(merchant=merchant, kind=IdentityKind.MP_OPENID).values_list(
            "customer_id", flat=True
        )
    )
    SubscriptionGrant.objects.bulk_create(
        [
            SubscriptionGrant(merchant=merchant, customer_id=pk, template_id=template_id, remaining=1)
            for pk in sorted(with_openid)
            if pk % 2 == 0
        ],
        ignore_conflicts=True,
        batch_size=2000,
    )


# ---- all of it -------------------------------------------------------------------------------------


@transaction.atomic
def ensure_demo_reach(
    merchant: Merchant,
    *,
    site_url: str = "http://127.0.0.1:8000",
    smtp_host: str = "127.0.0.1",
    smtp_port: int = DEMO_SMTP_PORT,
) -> None:
    """Every 触达 set-up of the demo, each part idempotent (see the module's docstring)."""
    staff = _owner(merchant)
    if staff is None:
        log.warning("demo reach not set up: the merchant has no active owner")
        return
    ensure_demo_channels(staff, smtp_host=smtp_host, smtp_port=smtp_port)
    ensure_demo_coupon(staff)
    ensure_demo_templates(staff, shop_url=f"{site_url.rstrip('/')}/shop/{merchant.slug}")
    ensure_demo_audience(merchant)
