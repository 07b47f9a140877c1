"""The official account's server callback, played by the sandbox: the URL check, plaintext and safe
mode, follows (customer, consent, follow event, follow coupon, QR attribution), unfollows, scans,
replies, WeChat's retries and every refusal."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from siyu.audience.rules.compiler import Context, compile_rule
from siyu.audience.rules.parse import parse_rule
from siyu.events.models import Event
from siyu.members.models import Channel, ContactPreference, Customer, CustomerIdentity
from siyu.promotions.models import Coupon
from siyu.testing.factories import make_template
from siyu.testing.snapshots import changed, tenant_rows
from siyu.testing.wechat import AES_KEY
from siyu.testing.wechat_oa import (
    OA_APP_ID,
    OA_TOKEN,
    ORIGINAL_ID,
    act,
    add_official_account,
    follower_customer,
    make_qr_code,
    replay,
)
from siyu.wechat.msgcrypt import MessageCrypto, parse_xml, plain_signature, to_xml
from siyu.wechat.oa.models import OfficialAccountFollower, OfficialAccountPush
from siyu.wechat.oa.services import create_reply_rule

pytestmark = pytest.mark.django_db

CALLBACK = f"/wechat/oa/{OA_APP_ID}/callback"


def _signed_query(token: str = OA_TOKEN, timestamp: str | None = None, nonce: str = "n0nce") -> str:
    timestamp = timestamp or str(int(time.time()))
    return f"signature={plain_signature(token, timestamp, nonce)}&timestamp={timestamp}&nonce={nonce}"


def _reachable_on_oa(merchant) -> list[int]:
    q = compile_rule(
        parse_rule({"reachable": "official_account"}), Context(merchant_id=merchant.pk, now=None)
    )
    return list(Customer.objects.for_merchant(merchant).filter(q).values_list("pk", flat=True))


def test_the_url_check_echoes_echostr_only_with_the_right_signature(merchant, oa):
    client = Client()
    ok = client.get(f"{CALLBACK}?{_signed_query()}&echostr=5837397520000000001")
    assert (ok.status_code, ok.content) == (200, b"5837397520000000001")
    bad = client.get(f"{CALLBACK}?{_signed_query(token='other')}&echostr=1")
    assert bad.status_code == 403 and bad.json()["code"] == "wechat_signature_invalid"


def test_a_follow_by_qr_code_in_safe_mode_makes_an_attributed_customer_with_the_follow_coupon(
    merchant, owner, oa, fake_wechat, sent
):
    template = make_template(owner, title="关注有礼", triggers=["follow"], claimable=False)
    create_reply_rule(staff=owner, kind="subscribe", text="欢迎关注！")
    qr = make_qr_code(owner, source="outlet", campaign="开业")

    result = act(fake_wechat, "o-fan-1", "scan", qr.ticket)

    assert (result["status"], result["reply"]) == ("200", "欢迎关注！")
    path, body = sent[0]
    assert "encrypt_type=aes" in path and b"<Encrypt>" in body and b"subscribe" not in body
    customer = follower_customer(merchant, "o-fan-1")
    assert (customer.first_touch_source, customer.first_touch_campaign) == ("outlet", "开业")
    assert (customer.last_touch_source, customer.last_touch_campaign) == ("outlet", "开业")
    follower = OfficialAccountFollower.objects.get(openid="o-fan-1")
    assert (follower.customer_id, follower.subscribed, follower.scene, follower.qr_code_id) == (
        customer.pk,
        True,
        qr.scene,
        qr.pk,
    )
    event = Event.objects.get(customer=customer, kind="follow")
    assert (event.kind, event.source, event.campaign, event.properties) == (
        "follow",
        "outlet",
        "开业",
        {"target": "official_account", "scene": qr.scene},
    )
    assert list(Coupon.objects.filter(customer=customer).values_list("template_id", flat=True)) == [
        template.pk
    ]
    assert ContactPreference.objects.get(customer=customer, channel=Channel.OFFICIAL_ACCOUNT).opted_in is True
    assert _reachable_on_oa(merchant) == [customer.pk]
    qr.refresh_from_db()
    assert (qr.scans, qr.follows) == (1, 1)


def test_wechats_retries_of_a_follow_act_once_and_get_the_same_reply(merchant, owner, oa, fake_wechat, sent):
    make_template(owner, triggers=["follow"], claimable=False)
    create_reply_rule(staff=owner, kind="subscribe", text="欢迎")
    qr = make_qr_code(owner)
    act(fake_wechat, "o-fan-2", "scan", qr.ticket)
    client = Client()
    first = OfficialAccountPush.objects.get()
    before = tenant_rows(merchant)

    answers = [replay(client, sent[0]) for _retry in range(3)]

    assert changed(before, tenant_rows(merchant)) == []
    crypto = MessageCrypto(OA_TOKEN, AES_KEY, OA_APP_ID)
    for status, body in answers:
        assert status == 200
        assert crypto.decrypt(parse_xml(body)["Encrypt"]) == first.reply
    assert Coupon.objects.count() == 1
    assert Event.objects.filter(kind="follow").count() == 1


def test_refollowing_gives_no_second_follow_coupon_and_unfollowing_ends_reachability(
    merchant, owner, oa, fake_wechat, sent
):
    make_template(owner, triggers=["follow"], claimable=False)
    act(fake_wechat, "o-fan-3", "follow")
    customer = follower_customer(merchant, "o-fan-3")
    assert _reachable_on_oa(merchant) == [customer.pk]

    assert act(fake_wechat, "o-fan-3", "unfollow")["status"] == "200"
    follower = OfficialAccountFollower.objects.get(openid="o-fan-3")
    assert (follower.subscribed, follower.unsubscribed_at is not None) == (False, True)
    assert _reachable_on_oa(merchant) == []

    time.sleep(1.05)  # a new CreateTime: WeChat keys events by sender and second
    act(fake_wechat, "o-fan-3", "follow")
    follower.refresh_from_db()
    assert (follower.subscribed, follower.unsubscribed_at) == (True, None)
    assert Coupon.objects.filter(customer=customer).count() == 1
    assert Event.objects.filter(customer=customer, kind="follow").count() == 2
    assert _reachable_on_oa(merchant) == [customer.pk]


def test_a_follower_scanning_again_counts_a_scan_and_moves_the_last_touch(
    merchant, owner, oa, fake_wechat, sent
):
    first = make_qr_code(owner, source="outlet", campaign="开业")
    second = make_qr_code(owner, name="海报", source="ads", campaign="双11")
    act(fake_wechat, "o-fan-4", "scan", first.ticket)
    time.sleep(1.05)
    create_reply_rule(staff=owner, kind="subscribe", text="又见面了")

    result = act(fake_wechat, "o-fan-4", "scan", second.ticket)

    assert result["reply"] == "又见面了"
    assert b"SCAN" not in sent[-1][1]  # encrypted
    second.refresh_from_db()
    first.refresh_from_db()
    assert [(first.scans, first.follows), (second.scans, second.follows)] == [(1, 1), (1, 0)]
    customer = follower_customer(merchant, "o-fan-4")
    assert (customer.first_touch_source, customer.last_touch_source, customer.last_touch_campaign) == (
        "outlet",
        "ads",
        "双11",
    )


def test_unionid_from_user_info_joins_the_mini_program_customer(
    merchant, owner, fake_wechat, sent, customer_login
):
    add_official_account(merchant, fake_wechat, unionid=True)
    shopper = customer_login("alice")[0]
    CustomerIdentity.objects.create(merchant=merchant, customer=shopper, kind="unionid", value="u-o-alice")

    act(fake_wechat, "o-alice", "follow")

    assert follower_customer(merchant, "o-alice").pk == shopper.pk
    assert Customer.objects.for_merchant(merchant).count() == 1


def test_replies_keyword_exact_then_contains_then_default_and_menu_clicks(
    merchant, owner, oa, fake_wechat, sent
):
    create_reply_rule(staff=owner, kind="keyword", match="contains", keyword="优惠", text="本周满99减10")
    create_reply_rule(staff=owner, kind="keyword", match="exact", keyword="优惠券", text="去领券中心")
    create_reply_rule(
        staff=owner,
        kind="keyword",
        keyword="门店",
        reply_type="news",
        title="门店地址",
        text="10点到22点",
        url="https://shop.example/outlets",
    )
    create_reply_rule(staff=owner, kind="default", text="收到")
    create_reply_rule(staff=owner, kind="click", keyword="MENU_COUPON", text="券已发放")

    assert act(fake_wechat, "o-5", "text", "优惠券")["reply"] == "去领券中心"
    assert act(fake_wechat, "o-5", "text", "有什么优惠吗")["reply"] == "本周满99减10"
    assert act(fake_wechat, "o-5", "text", "你好")["reply"] == "收到"
    assert act(fake_wechat, "o-5", "click", "MENU_COUPON")["reply"] == "券已发放"
    news = act(fake_wechat, "o-5", "text", "门店")["reply"]
    assert "<Title>门店地址</Title>" in news and "https://shop.example/outlets" in news


def test_plaintext_mode_answers_in_plaintext(merchant, owner, fake_wechat):
    add_official_account(merchant, fake_wechat, safe=False)
    create_reply_rule(staff=owner, kind="keyword", keyword="hi", text="hello")
    body = to_xml(
        {
            "ToUserName": ORIGINAL_ID,
            "FromUserName": "o-plain",
            "CreateTime": int(time.time()),
            "MsgType": "text",
            "Content": "hi",
            "MsgId": 1234567890123456,
        }
    )
    response = Client().post(f"{CALLBACK}?{_signed_query()}", data=body, content_type="text/xml")
    reply = parse_xml(response.content)
    assert response.status_code == 200
    assert {k: reply[k] for k in ("ToUserName", "FromUserName", "MsgType", "Content")} == {
        "ToUserName": "o-plain",
        "FromUserName": ORIGINAL_ID,
        "MsgType": "text",
        "Content": "hello",
    }
    again = Client().post(f"{CALLBACK}?{_signed_query()}", data=body, content_type="text/xml")
    assert again.content == response.content
    nothing = to_xml(
        {
            "ToUserName": ORIGINAL_ID,
            "FromUserName": "o-plain",
            "CreateTime": 5,
            "MsgType": "event",
            "Event": "VIEW",
            "EventKey": "https://x",
        }
    )
    assert (
        Client().post(f"{CALLBACK}?{_signed_query()}", data=nothing, content_type="text/xml").content
        == b"success"
    )


def _encrypted(fields: dict, *, app_id: str = OA_APP_ID, token: str = OA_TOKEN, timestamp: str | None = None):
    timestamp = timestamp or str(int(time.time()))
    crypto = MessageCrypto(token, AES_KEY, app_id)
    encrypted, signature = crypto.encrypt(to_xml(fields), nonce="abc", timestamp=timestamp)
    query = f"{_signed_query(token, timestamp, 'abc')}&encrypt_type=aes&msg_signature={signature}"
    return query, to_xml({"ToUserName": ORIGINAL_ID, "Encrypt": encrypted})


FOLLOW = {
    "ToUserName": ORIGINAL_ID,
    "FromUserName": "o-x",
    "CreateTime": 1,
    "MsgType": "event",
    "Event": "subscribe",
}


@pytest.mark.parametrize(
    ("make", "status", "code"),
    [
        (lambda: (_signed_query(token="wrong"), to_xml(FOLLOW)), 403, "wechat_signature_invalid"),
        (lambda: (_signed_query(), to_xml(FOLLOW)), 403, "push_not_encrypted"),
        (lambda: _encrypted(FOLLOW, timestamp=str(int(time.time()) - 3600)), 403, "push_expired"),
        (
            lambda: (
                _encrypted(FOLLOW)[0].replace("msg_signature=", "msg_signature=0"),
                _encrypted(FOLLOW)[1],
            ),
            403,
            "wechat_signature_invalid",
        ),
        (lambda: _encrypted(FOLLOW, app_id="wxsomeoneelse"), 400, "wechat_decrypt_failed"),
        (lambda: _encrypted({"ToUserName": ORIGINAL_ID, "MsgType": "event"}), 400, "push_malformed"),
        (lambda: (_encrypted(FOLLOW)[0], "<xml><Encrypt>"), 400, "push_malformed"),
        (lambda: (_signed_query(), '<!DOCTYPE x [<!ENTITY a "b">]><xml/>'), 400, "push_malformed"),
    ],
)
def test_refused_pushes_change_nothing(merchant, owner, oa, make, status, code):
    make_template(owner, triggers=["follow"], claimable=False)
    query, body = make()
    before = tenant_rows(merchant)
    response = Client().post(f"{CALLBACK}?{query}", data=body, content_type="text/xml")
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert response.json()["message"]
    assert changed(before, tenant_rows(merchant)) == []


def test_an_unknown_or_inactive_account_is_not_found(merchant, oa):
    oa.is_active = False
    oa.save(update_fields=["is_active"])
    before = tenant_rows(merchant)
    query, body = _encrypted(FOLLOW)
    response = Client().post(f"{CALLBACK}?{query}", data=body, content_type="text/xml")
    assert (response.status_code, response.json()["code"]) == (404, "official_account_unknown")
    assert changed(before, tenant_rows(merchant)) == []
