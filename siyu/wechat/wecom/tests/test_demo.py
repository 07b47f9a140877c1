"""The demo's WeCom: ensure_demo_wecom is idempotent, and the sandbox process (reading Siyu's sandbox
accounts and 活码 from the database, as ``siyu wechat_sandbox`` does) lets a visitor scan a demo
活码 and get its welcome message."""

from __future__ import annotations

import json
import urllib.request

import pytest

from siyu.members.models import Customer, Source
from siyu.simulate.demo_wechat import DEMO_WAYS, ensure_demo_wecom
from siyu.tenancy.models import Role
from siyu.testing.factories import make_staff
from siyu.wechat.models import WeChatAccount
from siyu.wechat.sandbox import server
from siyu.wechat.sandbox.base import serve_in_thread
from siyu.wechat.sandbox_accounts import register_sandbox_accounts
from siyu.wechat.wecom.models import ContactWay, WeComMember
from siyu.wechat.wecom.sandbox_ways import register_sandbox_ways


@pytest.mark.django_db(transaction=True)
def test_the_demo_corp_scans_in_the_sandbox_process(live_server, merchant, settings):
    guides = [make_staff(merchant, Role.GUIDE), make_staff(merchant, Role.GUIDE)]
    account = ensure_demo_wecom(merchant)
    ensure_demo_wecom(merchant)  # a rerun changes nothing
    assert (WeChatAccount.objects.count(), WeComMember.objects.count(), ContactWay.objects.count()) == (
        1,
        2,
        2,
    )
    assert account.sandbox and len(account.secret("encoding_aes_key")) == 43
    store, live = ContactWay.objects.order_by("id")
    assert [m.staff_id for m in store.members.all()] == [guides[0].pk]
    assert (live.multi, live.members.count(), live.source) == (True, 2, Source.LIVE)

    app = server.build(live_server.url)
    register_sandbox_accounts(app)
    register_sandbox_ways(app)
    base, stop = serve_in_thread(app)
    settings.SIYU_WECHAT_SANDBOX_URL = base
    try:
        with urllib.request.urlopen(f"{base}/ui/wecom/") as response:
            page = response.read().decode()
        assert "门店活码" in page and "直播间活码" in page
        result = app.wecom.scan(account.app_id, store.config_id, name="Demo visitor")
        assert (result["status"], result["body"]) == (200, b"success"), result
        assert result["welcome"]["text"] == DEMO_WAYS[0][3]
        with urllib.request.urlopen(f"{base}/qyapi/cgi-bin/gettoken?corpid=x&corpsecret=y") as response:
            assert json.loads(response.read())["errcode"] == 40013
    finally:
        stop()
    customer = Customer.objects.get(nickname="Demo visitor")
    assert (customer.guide_id, customer.first_touch_source, customer.first_touch_campaign) == (
        guides[0].pk,
        Source.OUTLET,
        "store-qr",
    )
