"""The WeCom callback from the outside: URL verification, encrypted pushes, and what an add, a
retry, a delete and an edit do to customers, identities, guide bindings and welcome messages."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from siyu.members.models import BindingSource, Customer, GuideBinding, IdentityKind, Source
from siyu.testing.factories import log_in_customer
from siyu.testing.snapshots import changed, tenant_rows
from siyu.testing.wechat import add_account
from siyu.testing.wecom import CORP_ID, MINI_PROGRAM_ID, change, encrypted_push
from siyu.wechat.models import AccountKind
from siyu.wechat.msgcrypt import MessageCrypto
from siyu.wechat.wecom import services
from siyu.wechat.wecom.models import CallbackReceipt, ContactWay, DeletedBy, WeComContact

pytestmark = pytest.mark.django_db


def _way(world, **overrides) -> ContactWay:
    data = {
        "name": "门店活码",
        "staff_ids": [world.guide_a.pk],
        "source": Source.OUTLET,
        "campaign": "spring",
        "welcome_text": "你好，我是你的专属导购",
        "card_title": "新人礼包",
        "card_page": "pages/index/index.html",
        **overrides,
    }
    return services.create_contact_way(staff=world.owner, data=services.WayInput(**data))


def test_url_verification_answers_the_published_wecom_sample(client, merchant):
    # WeCom's WXBizMsgCrypt sample: token QDG6eK, corp wx5823bf96d3bd56c7, echo 1616140317555161061.
    add_account(
        merchant,
        AccountKind.WECOM,
        "wx5823bf96d3bd56c7",
        {"token": "QDG6eK", "encoding_aes_key": "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"},
    )
    query = {
        "msg_signature": "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3",
        "timestamp": "1409659589",
        "nonce": "263014780",
        "echostr": "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==",
    }
    response = client.get(f"/wechat/wecom/wx5823bf96d3bd56c7/callback?{urlencode(query)}")
    assert (response.status_code, response.content) == (200, b"1616140317555161061")
    bad = client.get(f"/wechat/wecom/wx5823bf96d3bd56c7/callback?{urlencode({**query, 'nonce': '1'})}")
    assert bad.status_code == 403
    assert client.get(f"/wechat/wecom/wwnobody/callback?{urlencode(query)}").status_code == 404


def test_a_scan_registers_the_customer_binds_the_guide_and_welcomes_once(send, client, world):
    way = _way(world)
    fields = world.wecom.add_contact(CORP_ID, way.config_id, name="Mia", unionid="union-mia")
    external = fields["ExternalUserID"]

    response = send(fields)

    assert (response.status_code, response.content) == (200, b"success")
    customer = Customer.objects.get(
        identities__kind=IdentityKind.WECOM_EXTERNAL_USERID, identities__value=external
    )
    assert (customer.nickname, customer.first_touch_source, customer.first_touch_campaign) == (
        "Mia",
        Source.OUTLET,
        "spring",
    )
    assert sorted(customer.identities.values_list("kind", "value")) == [
        ("unionid", "union-mia"),
        ("wecom_external_userid", external),
    ]
    assert customer.guide_id == world.guide_a.pk
    binding = GuideBinding.objects.get(customer=customer)
    assert (binding.guide_id, binding.source, binding.previous_guide_id) == (
        world.guide_a.pk,
        BindingSource.WECOM,
        None,
    )
    contact = WeComContact.objects.get(customer=customer)
    assert (contact.userid, contact.staff_id, contact.contact_way_id, contact.state, contact.deleted_at) == (
        "guide_a",
        world.guide_a.pk,
        way.pk,
        way.state,
        None,
    )
    assert contact.welcome_sent_at is not None and contact.welcome_error == ""
    welcome = world.wecom.welcome_for(CORP_ID, fields["WelcomeCode"])
    assert welcome["text"] == "你好，我是你的专属导购"
    [card] = welcome["attachments"]
    assert card["msgtype"] == "miniprogram"
    assert {k: card["miniprogram"][k] for k in ("title", "appid", "page")} == {
        "title": "新人礼包",
        "appid": MINI_PROGRAM_ID,
        "page": "pages/index/index.html",
    }

    # WeCom retries the same push (no answer within 5 s): nothing changes, nothing is sent again.
    before = tenant_rows(world.merchant)
    again = send(fields)
    assert (again.status_code, again.content) == (200, b"success")
    assert changed(before, tenant_rows(world.merchant)) == []
    assert len(world.fake.state["wecom.welcomes"][CORP_ID]) == 1
    assert CallbackReceipt.objects.count() == 1


def test_a_contact_with_a_known_unionid_is_the_mini_program_customer(send, client, world):
    shopper, _token = log_in_customer(world.merchant, "lena")
    unionid = shopper.identities.get(kind=IdentityKind.UNIONID).value
    way = _way(world, staff_ids=[world.guide_b.pk], welcome_text="", card_title="", card_page="")
    fields = world.wecom.add_contact(CORP_ID, way.config_id, name="Lena", unionid=unionid)

    assert send(fields).status_code == 200

    assert Customer.objects.filter(merchant=world.merchant).count() == 1
    shopper.refresh_from_db()
    assert shopper.guide_id == world.guide_b.pk
    assert shopper.identities.filter(kind=IdentityKind.WECOM_EXTERNAL_USERID).count() == 1
    # A known customer came in again through the 活码: the last touch moves, the first stays.
    assert (shopper.first_touch_source, shopper.last_touch_source) == (Source.UNKNOWN, Source.OUTLET)
    # No welcome configured: none sent.
    assert world.fake.state["wecom.welcomes"].get(CORP_ID, []) == []


def test_a_customer_with_a_guide_keeps_them(send, client, world):
    first = _way(world, welcome_text="", card_title="", card_page="")
    second = _way(world, name="B", staff_ids=[world.guide_b.pk], welcome_text="", card_title="", card_page="")
    fields = world.wecom.add_contact(CORP_ID, first.config_id, name="Ivy", unionid="union-ivy")
    send(fields)
    fields_b = world.wecom.add_contact(
        CORP_ID, second.config_id, name="Ivy", unionid="union-ivy", external_userid=fields["ExternalUserID"]
    )
    send(fields_b)
    customer = Customer.objects.get(identities__value="union-ivy")
    assert customer.guide_id == world.guide_a.pk
    assert sorted(WeComContact.objects.filter(customer=customer).values_list("userid", flat=True)) == [
        "guide_a",
        "guide_b",
    ]


def test_deletes_on_either_side_are_stamped_and_a_re_add_clears_them(send, client, world):
    way = _way(world, welcome_text="", card_title="", card_page="")
    fields = world.wecom.add_contact(CORP_ID, way.config_id, name="Zoe", unionid="union-zoe")
    send(fields)
    external = fields["ExternalUserID"]

    assert send(change("del_follow_user", "guide_a", external)).content == b"success"
    contact = WeComContact.objects.get(external_userid=external)
    assert contact.deleted_by == DeletedBy.CUSTOMER and contact.deleted_at is not None
    # The binding stays: the guide may win the customer back.
    assert Customer.objects.get(pk=contact.customer_id).guide_id == world.guide_a.pk

    again = world.wecom.add_contact(CORP_ID, way.config_id, name="Zoe", external_userid=external)
    send(again)
    contact.refresh_from_db()
    assert (contact.deleted_at, contact.deleted_by) == (None, "")

    send(change("del_external_contact", "guide_a", external))
    contact.refresh_from_db()
    assert contact.deleted_by == DeletedBy.GUIDE


def test_an_edit_refreshes_the_contact_name(send, client, world):
    way = _way(world, welcome_text="", card_title="", card_page="")
    fields = world.wecom.add_contact(CORP_ID, way.config_id, name="Old", unionid="union-ed")
    send(fields)
    world.fake.state["wecom.contacts"][CORP_ID][fields["ExternalUserID"]]["name"] = "New"
    send(change("edit_external_contact", "guide_a", fields["ExternalUserID"]))
    assert WeComContact.objects.get().name == "New"


def test_bad_signatures_and_bodies_change_nothing(send, client, world):
    fields = change("del_follow_user", "guide_a", "wmnobody")
    before = tenant_rows(world.merchant)
    query, body = encrypted_push(fields, token="not-the-token")
    assert (
        client.post(f"/wechat/wecom/{CORP_ID}/callback?{query}", body, content_type="text/xml").status_code
        == 403
    )
    query, _body = encrypted_push(fields)
    garbage = b"<xml><Encrypt><![CDATA[bm90IGEgbWVzc2FnZQ==]]></Encrypt></xml>"
    crypto = MessageCrypto("wecomtoken", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", CORP_ID)
    signature = crypto.signature("1", "n", "bm90IGEgbWVzc2FnZQ==")
    bad = f"/wechat/wecom/{CORP_ID}/callback?msg_signature={signature}&timestamp=1&nonce=n"
    assert client.post(bad, garbage, content_type="text/xml").status_code == 400
    assert client.post(
        f"/wechat/wecom/{CORP_ID}/callback?{query}", b"<xml", content_type="text/xml"
    ).status_code in (
        400,
        403,
    )
    assert changed(before, tenant_rows(world.merchant)) == []


def test_a_push_whose_contact_wecom_does_not_know_is_acknowledged_and_changes_nothing(send, client, world):
    before = tenant_rows(world.merchant)
    response = send(change("add_external_contact", "guide_a", "wmunknown", State="x", WelcomeCode="c"))
    assert (response.status_code, response.content) == (200, b"success")
    assert changed(before, tenant_rows(world.merchant)) == []


def test_an_event_nobody_handles_is_acknowledged(send, client, world):
    response = send({"ToUserName": CORP_ID, "MsgType": "event", "Event": "enter_agent"})
    assert (response.status_code, response.content) == (200, b"success")
