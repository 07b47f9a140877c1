"""The sandbox inbox: what each simulated customer received, by recipient and channel, named when the
sandbox's process can tell who an address is."""

from __future__ import annotations

import json
import urllib.request

import pytest

from siyu.members.models import CustomerIdentity, IdentityKind
from siyu.testing.factories import log_in_customer, make_merchant
from siyu.testing.wechat import add_account
from siyu.wechat.models import WeChatAccount
from siyu.wechat.sandbox import server
from siyu.wechat.sandbox.base import FakeRequest, InboxItem, serve_in_thread
from siyu.wechat.sandbox_names import address_names


def _get(app, path: str, query: dict[str, str] | None = None):
    return app.handle(FakeRequest("GET", path, query or {}, b"", {}))


def test_the_inbox_groups_messages_by_recipient_then_channel_newest_first():
    app = server.build()
    app.deliver(InboxItem("sms", "13800000001", "", "【茶园】阿明，满100减20券已到账", at=1000.0))
    app.deliver(InboxItem("subscribe_message", "o-openid-2", "优惠券到账", "券：满100减20", at=1001.0))
    app.deliver(InboxItem("sms", "13800000001", "", "【茶园】新茶上市", at=1002.0))
    app.deliver(
        InboxItem("email", "b@example.com", "春茶", "你好", at=1003.0, extra={"url": "http://x/r/ab"})
    )
    app.address_names = lambda addresses: {"13800000001": "阿明"}

    body = _get(app, "/ui/inbox").body.decode()

    assert body.count('data-testid="inbox-recipient"') == 0  # single quotes in the page
    assert body.count("data-testid='inbox-recipient'") == 3
    assert body.count("data-testid='inbox-item'") == 4
    # Newest recipient first: the email (1003), then the phone (1002), then the openid (1001).
    assert body.index("b@example.com") < body.index("阿明") < body.index("o-openid-2")
    # Within the phone's SMS, newest first.
    assert body.index("新茶上市") < body.index("满100减20券已到账")
    assert "阿明<small>13800000001</small>" in body  # named, with the address beside
    assert "http://x/r/ab" in body
    # Counts per channel at the top, and the page reloads itself.
    assert "data-testid='inbox-count-sms'><b>2</b>" in body
    assert "data-testid='inbox-count-all'><b>4</b>" in body
    assert "location.reload()" in body

    only_sms = _get(app, "/ui/inbox", {"channel": "sms"}).body.decode()
    assert (
        only_sms.count("data-testid='inbox-item'") == 2
        and "o-openid-2" not in only_sms.split("</a></div>")[1]
    )

    index = _get(app, "/").body.decode()
    assert "/ui/inbox" in index and "收件箱 Inbox" in index


def test_the_inbox_is_served_over_http_and_shows_an_empty_state():
    app = server.build()
    base, stop = serve_in_thread(app)
    try:
        with urllib.request.urlopen(f"{base}/ui/inbox", timeout=5) as response:
            assert response.status == 200
            assert "inbox-empty" in response.read().decode()
        app.deliver(InboxItem("webhook", "http://hook", "", '{"a": 1}', at=5.0, provider_id="h1"))
        with urllib.request.urlopen(f"{base}/ui/inbox.json", timeout=5) as response:
            data = json.loads(response.read())
    finally:
        stop()
    assert data["count"] == 1
    assert data["items"][0]["channel"] == "webhook" and data["items"][0]["provider_id"] == "h1"


def test_a_failing_name_lookup_still_shows_the_raw_addresses():
    app = server.build()
    app.deliver(InboxItem("sms", "13800000009", "", "hello", at=1.0))

    def broken(addresses):
        raise RuntimeError("database gone")

    app.address_names = broken
    body = _get(app, "/ui/inbox").body.decode()
    assert "13800000009" in body and "hello" in body


@pytest.mark.django_db
def test_addresses_name_the_customers_of_sandbox_merchants_only(merchant, customer):
    add_account(merchant, "mini_program", "wxsandbox1", {"app_secret": "s"})
    WeChatAccount.objects.filter(merchant=merchant).update(sandbox=True)
    customer.nickname = "阿明"
    customer.phone = "13800000001"
    customer.email = "aming@example.com"
    customer.save(update_fields=["nickname", "phone", "email"])
    CustomerIdentity.objects.create(
        merchant=merchant, customer=customer, kind=IdentityKind.MP_OPENID, value="o-aming"
    )
    other = make_merchant("real")
    stranger, _token = log_in_customer(other, "bob")
    stranger.nickname = "不显示"
    stranger.phone = "13900000002"
    stranger.save(update_fields=["nickname", "phone"])

    names = address_names(["o-aming", "+8613800000001", "aming@example.com", "13900000002", "nobody"])

    assert names == {"o-aming": "阿明", "+8613800000001": "阿明", "aming@example.com": "阿明"}
