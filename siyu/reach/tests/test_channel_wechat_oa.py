"""Official-account template messages against the sandbox: the exact request, client_msg_id, the
receipt pushed to the OA callback."""

from __future__ import annotations

import pytest
from django.test import Client

from siyu.members.models import Channel, Customer
from siyu.reach.channels import adapter_for
from siyu.reach.models import Message, MessageStatus
from siyu.testing.reach_wechat import follow, inbox, make_customer, make_message, make_template
from siyu.testing.wechat_oa import pushes_into

TMPL = "oaTmplShipped0000000001"
OPENID = "oOaAmy0000000000000001"


@pytest.fixture
def adapter():
    return adapter_for(Channel.OFFICIAL_ACCOUNT)


@pytest.fixture
def template(shop):
    return make_template(
        shop.merchant,
        Channel.OFFICIAL_ACCOUNT,
        external_id=TMPL,
        fields={"thing1": "{{ product.name }}", "time2": "2026年5月1日 20:00"},
        page="pages/goods/index",
        link_url="https://shop.example.com/goods",
    )


@pytest.fixture
def amy(shop):
    customer = make_customer(shop.merchant, "amy")
    follow(shop, customer, OPENID)
    return customer


def test_only_current_followers_are_reachable(shop, adapter, template, amy):
    gone = make_customer(shop.merchant, "bob")
    follow(shop, gone, "oOaBob0000000000000001", subscribed=False)
    make_customer(shop.merchant, "cat")
    found = Customer.objects.filter(adapter.reachable(shop.merchant.pk, template))
    assert [c.nickname for c in found] == ["amy"]
    assert adapter.addresses(shop.merchant.pk, [amy.pk, gone.pk], template) == {amy.pk: OPENID}


def test_send_posts_the_exact_request_and_a_repeat_is_not_a_second_message(shop, adapter, template, amy):
    message = make_message(template, amy, key="b7:c1", context={"product": {"name": "凤凰单丛"}})
    assert message.payload == {
        "touser": OPENID,
        "template_id": TMPL,
        "url": "https://shop.example.com/goods",
        "miniprogram": {"appid": shop.mini_program.app_id, "pagepath": "pages/goods/index"},
        "data": {"thing1": {"value": "凤凰单丛"}, "time2": {"value": "2026年5月1日 20:00"}},
        "client_msg_id": "b7:c1",
    }

    first = adapter.send(message)
    again = adapter.send(message)  # a retry of the same message within WeChat's window

    assert first.outcome == again.outcome == "sent"
    assert first.provider_id == again.provider_id != ""
    assert shop.reach.requests("template/send") == [message.payload, message.payload]
    assert inbox(shop.fake, "official_account") == [(OPENID, "thing1: 凤凰单丛\ntime2: 2026年5月1日 20:00")]


def test_an_unfollowed_customer_is_refused(shop, adapter, template, amy):
    message = make_message(template, amy, context={"product": {"name": "凤凰单丛"}})
    with shop.fake.lock:
        shop.fake.state["oa_users"][(shop.official_account.app_id, OPENID)]["subscribed"] = False
    result = adapter.send(message)
    assert (result.outcome, result.error, result.retryable) == ("failed", "43004 require subscribe", False)
    assert inbox(shop.fake, "official_account") == []


def test_the_receipt_callback_marks_the_message_delivered_or_failed(shop, adapter, template, amy):
    bob = make_customer(shop.merchant, "bob")
    follow(shop, bob, "oOaBob0000000000000001")
    sent = {}
    for customer in (amy, bob):
        message = make_message(template, customer, context={"product": {"name": "凤凰单丛"}})
        result = adapter.send(message)
        row = Message.objects.filter(pk=message.pk)
        row.update(status=MessageStatus.SENT, provider_id=result.provider_id)
        sent[customer.nickname] = (message.pk, result.provider_id)
    pushed = pushes_into(shop.fake, Client())

    delivered = shop.reach.finish_template_job(sent["amy"][1], "success")
    blocked = shop.reach.finish_template_job(sent["bob"][1], "failed:user block")
    replayed = Client().post(pushed[0][0], data=pushed[0][1], content_type="text/xml")

    assert (delivered[0], blocked[0], replayed.status_code) == (200, 200, 200)
    amy_row, bob_row = Message.objects.get(pk=sent["amy"][0]), Message.objects.get(pk=sent["bob"][0])
    assert (amy_row.status, amy_row.delivered_at is not None) == (MessageStatus.DELIVERED, True)
    assert (bob_row.status, bob_row.error) == (MessageStatus.FAILED, "failed:user block")
