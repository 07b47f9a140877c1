"""Tencent's SMS callbacks over HTTP: status reports settle messages, "T" replies unsubscribe."""

from __future__ import annotations

import json

import pytest

from siyu.members.models import ContactPreference
from siyu.reach.channels import adapter_for
from siyu.reach.models import Message
from siyu.testing.reach_channels import SMS_CALLBACK_TOKEN, channel_template, queued_message, sms_channel
from siyu.testing.wechat import serve_fake
from siyu.wechat.sandbox.sms import status_report


@pytest.fixture
def fake(settings):
    yield from serve_fake(settings)


@pytest.fixture
def shopper(customer):
    customer.nickname = "小明"
    customer.phone = "13800001234"
    customer.save(update_fields=["nickname", "phone"])
    ContactPreference.objects.create(
        merchant_id=customer.merchant_id, customer=customer, channel="sms", opted_in=True
    )
    return customer


def sent_text(merchant, fake, shopper, key="b1:c1"):
    """A text sent through the fake and recorded as the dispatcher records it."""
    template = channel_template(
        merchant, "sms", name=f"t {key}", external_id="1", params=["{{ customer.nickname }}"]
    )
    message = queued_message(template, shopper, key=key)
    result = adapter_for("sms").send(message)
    message.status, message.provider_id = "sent", result.provider_id
    message.save(update_fields=["status", "provider_id"])
    return message


def post_json(client, path, body):
    return client.post(path, data=json.dumps(body, ensure_ascii=False), content_type="application/json")


def test_a_status_report_marks_the_text_delivered(client, merchant, fake, shopper):
    sms_channel(merchant, fake)
    message = sent_text(merchant, fake, shopper)
    report = status_report(fake.state["sms_sent"][0])

    response = post_json(client, f"/reach/sms/{merchant.pk}/{SMS_CALLBACK_TOKEN}/status", [report])

    assert response.status_code == 200
    assert response.json() == {"result": 0, "errmsg": "OK"}
    message.refresh_from_db()
    assert message.status == "delivered"
    assert message.delivered_at is not None


def test_a_failed_report_marks_the_text_failed(client, merchant, fake, shopper):
    sms_channel(merchant, fake)
    fake.state["sms_fail"] = {"+8613800001234": "用户关机"}
    message = sent_text(merchant, fake, shopper)

    post_json(
        client,
        f"/reach/sms/{merchant.pk}/{SMS_CALLBACK_TOKEN}/status",
        [status_report(fake.state["sms_sent"][0])],
    )

    message.refresh_from_db()
    assert (message.status, message.error) == ("failed", "MK:0001: 用户关机")


@pytest.mark.parametrize("text", ["T", "td", " 退订 "])
def test_replying_t_unsubscribes_the_phone_from_sms(client, merchant, fake, shopper, text):
    sms_channel(merchant, fake)
    message = sent_text(merchant, fake, shopper)
    reply = {
        "extend": "",
        "mobile": "13800001234",
        "nationcode": "86",
        "sign": "茶舍",
        "text": text,
        "time": 1,
    }

    response = post_json(client, f"/reach/sms/{merchant.pk}/{SMS_CALLBACK_TOKEN}/reply", reply)

    assert response.status_code == 200
    assert ContactPreference.objects.get(customer=shopper, channel="sms").opted_in is False
    message.refresh_from_db()
    assert message.unsubscribed_at is not None


def test_any_other_reply_changes_nothing(client, merchant, fake, shopper):
    sms_channel(merchant, fake)
    sent_text(merchant, fake, shopper)
    reply = {"mobile": "13800001234", "nationcode": "86", "text": "谢谢", "time": 1}

    assert post_json(client, f"/reach/sms/{merchant.pk}/{SMS_CALLBACK_TOKEN}/reply", reply).status_code == 200
    assert ContactPreference.objects.get(customer=shopper, channel="sms").opted_in is True


def test_a_forged_token_is_a_404_and_changes_nothing(client, merchant, fake, shopper, make_staff):
    sms_channel(merchant, fake)
    message = sent_text(merchant, fake, shopper)
    report = status_report(fake.state["sms_sent"][0])
    reply = {"mobile": "13800001234", "nationcode": "86", "text": "T", "time": 1}

    for path, body in (("status", [report]), ("reply", reply)):
        assert post_json(client, f"/reach/sms/{merchant.pk}/forged/{path}", body).status_code == 404
        assert (
            post_json(client, f"/reach/sms/{merchant.pk + 1}/{SMS_CALLBACK_TOKEN}/{path}", body).status_code
            == 404
        )

    message.refresh_from_db()
    assert (message.status, message.delivered_at, message.unsubscribed_at) == ("sent", None, None)
    assert ContactPreference.objects.get(customer=shopper, channel="sms").opted_in is True


@pytest.mark.django_db(transaction=True)
def test_the_sandbox_phone_page_replies_t_through_siyus_callback(live_server, settings, merchant, shopper):
    import requests

    served = serve_fake(settings, siyu_url=live_server.url)
    fake = next(served)
    try:
        sms_channel(merchant, fake)
        sent_text(merchant, fake, shopper)
        page = requests.get(f"{fake.base_url}/ui/sms/", timeout=5)
        assert "+8613800001234" in page.text and "回复" in page.text
        answer = requests.post(
            f"{fake.base_url}/ui/sms/%2B8613800001234/reply", data={"text": "T"}, timeout=10
        )
    finally:
        served.close()

    assert answer.status_code == 200
    assert fake.state["sms_replies"] == [{"phone": "+8613800001234", "text": "T", "status": 200}]
    assert Message.objects.get(key="b1:c1").unsubscribed_at is not None
    assert ContactPreference.objects.get(customer=shopper, channel="sms").opted_in is False
