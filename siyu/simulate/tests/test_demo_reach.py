"""The demo's 触达 set-up: made once, and a coupon broadcast through it lands in the sandbox inbox."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import pytest

from siyu.members.models import ContactPreference, Customer
from siyu.promotions.models import Coupon, CouponTemplate
from siyu.reach import dispatch, services
from siyu.reach.channels import adapter_for
from siyu.reach.models import (
    ChannelSetting,
    FatiguePolicy,
    Message,
    MessageStatus,
    MessageTemplate,
    SendTime,
    SubscriptionGrant,
)
from siyu.simulate.demo_reach import (
    DEMO_CHANNELS,
    DEMO_COUPON,
    SMS_APP_ID,
    SMS_SIGN,
    _sms_secrets,
    ensure_demo_reach,
)
from siyu.simulate.demo_wechat import ensure_demo_wechat
from siyu.tenancy.models import Merchant, Role, Staff
from siyu.testing.reach import static_segment
from siyu.testing.wechat import serve_fake
from siyu.wechat.sandbox.smtp import start_smtp

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2028, 3, 1, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def sandbox(settings):
    """The WeChat sandbox with its SMTP server, as ``siyu demo`` runs it."""
    app = next(fake := serve_fake(settings))
    controller = start_smtp(app)
    app.smtp_port = controller.port  # type: ignore[attr-defined]
    yield app
    controller.stop()
    fake.close()


def _rows(merchant: Merchant) -> dict[str, int]:
    return {
        "settings": ChannelSetting.objects.filter(merchant=merchant, enabled=True).count(),
        "policies": FatiguePolicy.objects.filter(merchant=merchant).count(),
        "templates": MessageTemplate.objects.filter(merchant=merchant).count(),
        "coupons": CouponTemplate.objects.filter(merchant=merchant, title=DEMO_COUPON).count(),
        "grants": SubscriptionGrant.objects.filter(merchant=merchant).count(),
        "consents": ContactPreference.objects.filter(merchant=merchant).count(),
        "emails": Customer.objects.filter(merchant=merchant).exclude(email="").count(),
    }


def test_the_demo_reach_set_up_is_made_once_and_every_channel_is_ready(demo, sandbox):
    merchant = Merchant.objects.get(slug=demo.merchant_slug)
    ensure_demo_wechat(merchant)
    ensure_demo_reach(merchant, smtp_port=sandbox.smtp_port)
    first = _rows(merchant)

    ensure_demo_reach(merchant, smtp_port=sandbox.smtp_port)

    assert _rows(merchant) == first
    assert first["settings"] == len(DEMO_CHANNELS) == first["templates"]
    assert (first["policies"], first["coupons"]) == (1, 1)
    assert first["grants"] > 0 and first["emails"] > 0
    assert [c for c in DEMO_CHANNELS if not adapter_for(c).ready(merchant.pk)] == []
    policy = FatiguePolicy.objects.get(merchant=merchant)
    assert (policy.daily_cap, policy.weekly_cap, policy.default_hour) == (1, 3, 20)
    # Another SMTP port: only the email channel follows it.
    ensure_demo_reach(merchant, smtp_port=sandbox.smtp_port + 1)
    email = ChannelSetting.objects.get(merchant=merchant, channel="email")
    assert (email.config["host"], email.config["port"]) == ("127.0.0.1", sandbox.smtp_port + 1)
    assert _rows(merchant) == first


def test_a_coupon_broadcast_through_the_demo_set_up_reaches_the_sandbox_inbox(demo, sandbox):
    merchant = Merchant.objects.get(slug=demo.merchant_slug)
    ensure_demo_wechat(merchant)
    ensure_demo_reach(merchant, smtp_port=sandbox.smtp_port)
    secrets = _sms_secrets(merchant)
    # What register_sms_accounts reads from the database in the demo's sandbox process.
    sandbox.register_account(
        "sms",
        secrets["secret_id"],
        {"secret_key": secrets["secret_key"]},
        {"sms_sdk_app_id": SMS_APP_ID, "signs": [SMS_SIGN], "param_max_chars": 0},
    )
    owner = Staff.objects.get(merchant=merchant, role=Role.OWNER, user__username="demo_owner")
    people = list(Customer.objects.filter(merchant=merchant, merged_into__isnull=True).order_by("pk")[:60])
    segment = static_segment(merchant, people, name="触达演示")
    templates = {t.channel: t.pk for t in MessageTemplate.objects.filter(merchant=merchant)}
    coupon = CouponTemplate.objects.get(merchant=merchant, title=DEMO_COUPON)
    broadcast = services.create_broadcast(
        staff=owner,
        name="新茶季领券",
        segment_id=segment.pk,
        template_ids=[templates["email"], templates["sms"]],
        send_time=SendTime.NOW,
        holdout_bp=1000,
        coupon_template_id=coupon.pk,
    )
    services.start_broadcast(staff=owner, broadcast_id=broadcast.pk, now=NOW)
    for minute in range(10):
        dispatch.run_once(now=NOW + dt.timedelta(minutes=minute))

    messages = Message.objects.filter(broadcast=broadcast)
    statuses = Counter(messages.values_list("status", flat=True))
    reasons = Counter(messages.filter(status=MessageStatus.SKIPPED).values_list("reason", flat=True))
    assert sum(statuses.values()) == len(people)
    assert statuses[MessageStatus.QUEUED] == statuses[MessageStatus.SENDING] == 0
    assert reasons["holdout"] > 0
    sent = messages.filter(status__in=[MessageStatus.SENT, MessageStatus.DELIVERED])
    by_channel = Counter(sent.values_list("channel", flat=True))
    errors = Counter(messages.values_list("channel", "status", "reason", "error"))
    assert by_channel["email"] > 0 and by_channel["sms"] > 0, errors
    inbox = Counter(item.channel for item in sandbox.inbox)
    assert (inbox["email"], inbox["sms"]) == (by_channel["email"], by_channel["sms"])
    # Each customer reached got the coupon the message names.
    assert Coupon.objects.filter(template=coupon).count() == sent.count()
    mail = next(item for item in sandbox.inbox if item.channel == "email")
    assert DEMO_COUPON in mail.title
