"""微信 > 自动回复 and 渠道二维码 in the console: list, create, edit, delete, refusals, permissions."""

from __future__ import annotations

import pytest

from siyu.tenancy.models import AuditEntry, Role
from siyu.testing.snapshots import refused
from siyu.testing.wechat_oa import act, make_qr_code
from siyu.wechat.oa.models import OfficialAccountQrCode, ReplyRule
from siyu.wechat.oa.services import create_reply_rule
from siyu.wechat.sandbox.oa import read_ticket

pytestmark = pytest.mark.django_db

RULE = {
    "kind": "keyword",
    "keyword": "优惠",
    "match": "contains",
    "reply_type": "text",
    "text": "满99减10",
    "is_active": "on",
}


def test_an_operator_adds_edits_and_deletes_an_auto_reply(console_as, merchant):
    client, _operator = console_as(Role.OPERATOR)

    assert client.post("/console/wechat/replies/new/", RULE).status_code == 302
    rule = ReplyRule.objects.get()
    assert (rule.merchant_id, rule.kind, rule.keyword, rule.match, rule.text, rule.is_active) == (
        merchant.pk,
        "keyword",
        "优惠",
        "contains",
        "满99减10",
        True,
    )
    page = client.get("/console/wechat/replies/").content.decode()
    assert "优惠" in page and "满99减10" in page and "Contains" in page

    news = {
        **RULE,
        "reply_type": "news",
        "title": "本周活动",
        "url": "https://shop.example/a",
        "text": "看看",
    }
    assert client.post(f"/console/wechat/replies/{rule.pk}/", news).status_code == 302
    rule.refresh_from_db()
    assert (rule.reply_type, rule.title, rule.url, rule.text) == (
        "news",
        "本周活动",
        "https://shop.example/a",
        "看看",
    )

    assert client.post(f"/console/wechat/replies/{rule.pk}/delete/").status_code == 302
    assert ReplyRule.objects.count() == 0
    assert list(
        AuditEntry.objects.filter(merchant=merchant, action__startswith="oa_")
        .values_list("action", flat=True)
        .order_by("id")
    ) == [
        "oa_reply.create",
        "oa_reply.update",
        "oa_reply.delete",
    ]


def test_refused_replies_change_nothing(console_as, merchant, owner):
    client, _operator = console_as(Role.OPERATOR)
    create_reply_rule(staff=owner, kind="keyword", keyword="优惠", text="x")
    create_reply_rule(staff=owner, kind="default", text="收到")

    refused(client, "/console/wechat/replies/new/", RULE, merchant, 409, "reply_rule_taken")
    refused(
        client,
        "/console/wechat/replies/new/",
        {**RULE, "kind": "default", "keyword": ""},
        merchant,
        409,
        "reply_rule_taken",
    )
    response = refused(
        client, "/console/wechat/replies/new/", {**RULE, "keyword": "新", "text": ""}, merchant, 400
    )
    assert "Enter the reply text." in response.content.decode()
    response = refused(
        client, "/console/wechat/replies/new/", {**RULE, "keyword": "新", "reply_type": "news"}, merchant, 400
    )
    assert "A link card needs a title." in response.content.decode()
    refused(
        client, "/console/wechat/replies/new/", {**RULE, "keyword": "新", "text": "字" * 700}, merchant, 400
    )


def test_staff_without_marketing_rights_cannot_change_replies_or_codes(console_as, merchant, owner, oa):
    client, _guide = console_as(Role.GUIDE)
    rule = create_reply_rule(staff=owner, kind="default", text="收到")
    refused(client, "/console/wechat/replies/new/", RULE, merchant, 403)
    refused(client, f"/console/wechat/replies/{rule.pk}/delete/", {}, merchant, 403)
    refused(
        client,
        "/console/wechat/qrcodes/new/",
        {"name": "x", "source": "ads", "kind": "permanent"},
        merchant,
        403,
    )


def test_an_operator_makes_qr_codes_and_sees_scans_and_follows(console_as, merchant, oa, fake_wechat, sent):
    client, _operator = console_as(Role.OPERATOR)

    permanent = client.post(
        "/console/wechat/qrcodes/new/",
        {"name": "门店收银台", "source": "outlet", "campaign": "开业", "kind": "permanent"},
    )
    temporary = client.post(
        "/console/wechat/qrcodes/new/",
        {"name": "海报", "source": "ads", "campaign": "双11", "kind": "temporary", "expire_days": "7"},
    )

    assert (permanent.status_code, temporary.status_code) == (302, 302)
    poster, counter = OfficialAccountQrCode.objects.order_by("-id")
    assert (counter.kind, counter.source, counter.campaign, counter.expires_at) == (
        "permanent",
        "outlet",
        "开业",
        None,
    )
    assert (poster.kind, poster.source, round((poster.expires_at - poster.created_at).total_seconds())) == (
        "temporary",
        "ads",
        7 * 24 * 3600,
    )
    assert (read_ticket(counter.ticket) or {})["action"] == "QR_LIMIT_STR_SCENE"
    assert (read_ticket(poster.ticket) or {})["action"] == "QR_STR_SCENE"
    assert (read_ticket(poster.ticket) or {})["scene"] == poster.scene

    act(fake_wechat, "o-1", "scan", counter.ticket)
    act(fake_wechat, "o-2", "scan", counter.ticket)
    act(fake_wechat, "o-2", "unfollow")

    page = client.get("/console/wechat/qrcodes/")
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html
    row = html.split(f'data-scene="{counter.scene}"')[1].split("</tr>")[0]
    assert (
        'data-testid="scans">2<' in row
        and 'data-testid="follows">2<' in row
        and 'data-testid="following">1<' in row
    )
    assert "Outlet" in row and "开业" in row


def test_qr_codes_are_refused_without_an_account_or_when_wechat_refuses(
    console_as, merchant, fake_wechat, oa
):
    client, _operator = console_as(Role.OPERATOR)
    form = {"name": "x", "source": "ads", "kind": "permanent"}
    fake_wechat.revoke_tokens()
    fake_wechat.accounts.clear()  # WeChat no longer knows the app secret: the token call fails
    from siyu.wechat.models import AccessToken

    AccessToken.objects.all().delete()
    refused(client, "/console/wechat/qrcodes/new/", form, merchant, 502, "wechat_api_error")
    oa.is_active = False
    oa.save(update_fields=["is_active"])
    refused(client, "/console/wechat/qrcodes/new/", form, merchant, 409, "wechat_not_configured")
    refused(client, "/console/wechat/qrcodes/new/", {**form, "source": "import"}, merchant, 400)


def test_another_merchants_rule_is_not_found(console_as, make_staff, owner):
    from siyu.testing.factories import make_merchant

    other = make_merchant("beta")
    rule = create_reply_rule(staff=make_staff(Role.OWNER, m=other), kind="default", text="收到")
    client, _me = console_as(Role.OWNER)
    assert client.get(f"/console/wechat/replies/{rule.pk}/").status_code == 404
    refused(client, f"/console/wechat/replies/{rule.pk}/delete/", {}, other, 404)
    assert ReplyRule.objects.get().text == "收到"


def test_the_qr_list_says_when_no_account_is_connected(console_as):
    client, _owner = console_as(Role.OWNER)
    for url in ("/console/wechat/qrcodes/", "/console/wechat/replies/"):
        assert 'data-testid="no-account"' in client.get(url).content.decode()


def test_qr_code_made_by_the_service_counts_only_its_own_scans(owner, oa, fake_wechat, sent):
    first, second = make_qr_code(owner), make_qr_code(owner, name="b")
    act(fake_wechat, "o-9", "scan", second.ticket)
    first.refresh_from_db()
    second.refresh_from_db()
    assert [(first.scans, first.follows), (second.scans, second.follows)] == [(0, 0), (1, 1)]
