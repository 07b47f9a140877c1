"""The demo shop on the WeChat sandbox: one section per carrier, each idempotent (a rerun changes nothing).

Section "wecom": ``ensure_demo_wecom(merchant)``.
"""

from __future__ import annotations

import secrets
import string

from django.db import transaction
from django.utils import timezone

from siyu.members.models import Source
from siyu.tenancy.models import Merchant, Role, Staff
from siyu.wechat.models import AccountKind, WeChatAccount
from siyu.wechat.wecom.models import ContactWay, WeComMember
from siyu.wechat.wecom.sandbox_ways import sandbox_qr_code
from siyu.wechat.wecom.services import new_state

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
