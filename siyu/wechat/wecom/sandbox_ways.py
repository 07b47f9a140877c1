"""How the sandbox process learns the 渠道活码 of Siyu's sandbox corps: it reads them here.

A way created through the API while the sandbox ran is in its memory; one made before it started
(the demo's, or any after a restart) is read from the database the first time the sandbox looks
at the corp. Only ways of accounts marked ``sandbox`` are handed over.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import close_old_connections

from siyu.wechat.models import AccountKind, WeChatAccount
from siyu.wechat.sandbox.base import FakeWeChat
from siyu.wechat.wecom.models import ContactWay


def sandbox_qr_code(config_id: str) -> str:
    """The QR image the sandbox serves for a way (WeCom's qr_code is an image URL too)."""
    return f"{settings.SIYU_WECHAT_SANDBOX_URL.rstrip('/')}/ui/wecom/qr/{config_id}.svg"


def ways_of(corp_id: str) -> list[dict[str, Any]]:
    """The live ways of a sandbox corp, as WeCom's get_contact_way would describe them."""
    close_old_connections()
    merchants = WeChatAccount.objects.filter(kind=AccountKind.WECOM, app_id=corp_id, sandbox=True)
    rows = (
        ContactWay.objects.filter(merchant_id__in=merchants.values("merchant_id"), deleted_at__isnull=True)
        .prefetch_related("members")
        .order_by("id")
    )
    return [
        {
            "config_id": way.config_id,
            "type": 2 if way.multi else 1,
            "scene": 2,
            "remark": way.name,
            "skip_verify": way.skip_verify,
            "state": way.state,
            "user": [m.userid for m in way.members.all()],
            "party": [],
            "qr_code": way.qr_code,
        }
        for way in rows
    ]


def register_sandbox_ways(app: FakeWeChat) -> None:
    app.wecom.way_loader = ways_of  # type: ignore[attr-defined]
