"""The SMS channel against the fake Tencent Cloud SMS served over real HTTP (contract tests)."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from siyu.reach.channels import adapter_for
from siyu.reach.channels.text import SendInDoubt
from siyu.reach.errors import InvalidTemplate
from siyu.reach.models import MessageTemplate
from siyu.testing.reach_channels import (
    SMS_APP_ID,
    SMS_SECRET_ID,
    SMS_SIGN,
    channel_template,
    queued_message,
    sms_channel,
)
from siyu.testing.wechat import serve_fake
from siyu.wechat.sandbox.sms import parse_authorization, tc3_signature


@pytest.fixture
def fake(settings):
    yield from serve_fake(settings)


@pytest.fixture
def shopper(customer):
    customer.nickname = "小明"
    customer.phone = "13800001234"
    customer.save(update_fields=["nickname", "phone"])
    return customer


def sms_template(merchant, **fields):
    return channel_template(
        merchant, "sms", external_id="1234567", params=["{{ customer.nickname }}", "满100减10"], **fields
    )


def test_the_fake_checks_signatures_as_tencents_published_example_computes_them():
    # docs: cloud.tencent.com/document/api/213/30654 ("Signature v3"), the DescribeInstances example.
    body = b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
    assert (
        hashlib.sha256(body).hexdigest() == "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
    )
    signature = tc3_signature(
        secret_key="Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
        service="cvm",
        timestamp=1551113065,
        content_type="application/json; charset=utf-8",
        host="cvm.tencentcloudapi.com",
        body=body,
    )
    assert signature == "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"


def test_a_text_goes_out_through_the_sdk_signed_and_lands_in_the_inbox(merchant, fake, shopper):
    sms_channel(merchant, fake)
    template = sms_template(merchant)
    message = queued_message(template, shopper, key="b7:c1")
    adapter = adapter_for("sms")
    assert adapter.ready(merchant.pk)

    result = adapter.send(message)

    assert result.outcome == "sent"
    assert fake.state["sms_requests"] == [
        {
            "PhoneNumberSet": ["+8613800001234"],
            "SmsSdkAppId": SMS_APP_ID,
            "SignName": SMS_SIGN,
            "TemplateId": "1234567",
            "TemplateParamSet": ["小明", "满100减10"],
            "SessionContext": "b7:c1",
        }
    ]
    sent = fake.state["sms_sent"][0]
    assert result.provider_id == sent["serial"]
    assert [(i.channel, i.to, i.title, i.body) for i in fake.inbox] == [
        ("sms", "+8613800001234", f"【{SMS_SIGN}】", "小明 满100减10")
    ]


def test_the_request_carries_tencents_tc3_authorization(merchant, fake, shopper):
    sms_channel(merchant, fake)
    seen = {}
    original = fake.handle

    def spy(request):
        if request.path == "/sms":
            seen.update(request.headers, body=request.body)
        return original(request)

    fake.handle = spy
    adapter_for("sms").send(queued_message(sms_template(merchant), shopper))

    auth = parse_authorization(seen["authorization"])
    assert auth["algorithm"] == "TC3-HMAC-SHA256"
    assert auth["SignedHeaders"] == "content-type;host"
    assert auth["Credential"].startswith(f"{SMS_SECRET_ID}/") and auth["Credential"].endswith(
        "/sms/tc3_request"
    )
    assert seen["x-tc-action"] == "SendSms" and seen["x-tc-version"] == "2021-01-11"
    assert auth["Signature"] == tc3_signature(
        secret_key="sandbox-secret-key-0000000000000000",
        service="sms",
        timestamp=int(seen["x-tc-timestamp"]),
        content_type=seen["content-type"],
        host=seen["host"],
        body=seen["body"],
    )


def test_a_wrong_secret_key_is_refused_and_nothing_is_sent(merchant, fake, shopper):
    setting = sms_channel(merchant, fake)
    setting.set_secrets({"secret_id": SMS_SECRET_ID, "secret_key": "not-the-key"})
    setting.save()

    result = adapter_for("sms").send(queued_message(sms_template(merchant), shopper))

    assert result.outcome == "failed" and not result.retryable
    assert result.error.startswith("AuthFailure.SignatureFailure")
    assert fake.inbox == [] and "sms_sent" not in fake.state


def test_a_parameter_longer_than_tencents_limit_is_refused_at_save_and_cut_at_render(merchant, fake, shopper):
    sms_channel(merchant, fake)
    with pytest.raises(InvalidTemplate) as refused:
        channel_template(merchant, "sms", name="long", external_id="1", params=["一二三四五六七八九十一二三"])
    assert refused.value.detail == {"field": "params.0", "limit": 12}
    assert not MessageTemplate.objects.filter(name="long").exists()

    shopper.nickname = "一个很长很长很长很长的昵称啊"
    shopper.save(update_fields=["nickname"])
    message = queued_message(sms_template(merchant), shopper)
    assert message.payload["TemplateParamSet"][0] == "一个很长很长很长很长的…"
    assert adapter_for("sms").send(message).outcome == "sent"


def test_an_enterprise_account_without_a_per_variable_limit(merchant, fake, shopper):
    sms_channel(merchant, fake, param_max_chars=0)
    template = channel_template(merchant, "sms", external_id="1", params=["一二三四五六七八九十一二三"])
    assert adapter_for("sms").send(queued_message(template, shopper)).outcome == "sent"


def test_no_connection_is_a_retryable_failure_and_a_lost_answer_is_in_doubt(
    merchant, fake, shopper, settings
):
    sms_channel(merchant, fake)
    message = queued_message(sms_template(merchant), shopper)
    settings.SIYU_WECHAT_SANDBOX_URL = "http://127.0.0.1:9"  # nothing listens: the request never left

    result = adapter_for("sms").send(message)
    assert (result.outcome, result.retryable) == ("failed", True)

    settings.SIYU_WECHAT_SANDBOX_URL = fake.base_url
    original = fake.handle
    fake.handle = lambda request: (_ for _ in ()).throw(RuntimeError("crashed after taking it"))
    with pytest.raises(SendInDoubt):
        adapter_for("sms").send(message)
    fake.handle = original


def test_a_send_left_in_doubt_is_found_by_its_session_context(merchant, fake, shopper):
    sms_channel(merchant, fake)
    template = sms_template(merchant)
    adapter = adapter_for("sms")
    sent = queued_message(template, shopper, key="b1:c1")
    result = adapter.send(sent)  # the worker "dies" before recording this

    found = adapter.query(sent)

    assert found is not None
    assert (found.outcome, found.provider_id) == ("delivered", result.provider_id)


def test_a_send_that_never_reached_tencent_is_safe_to_retry_once_reports_had_time(merchant, fake, shopper):
    sms_channel(merchant, fake, report_wait_seconds=600)
    template = sms_template(merchant)
    adapter = adapter_for("sms")
    adapter.send(queued_message(template, shopper, key="b1:c1"))
    lost = queued_message(template, shopper, key="b2:c1")

    lost.leased_until = timezone.now() - timedelta(seconds=60)
    assert adapter.query(lost) is None  # reports may still come: ask again later

    lost.leased_until = timezone.now() - timedelta(seconds=601)
    answer = adapter.query(lost)
    assert answer is not None
    assert (answer.outcome, answer.retryable, answer.error) == ("failed", True, "not_sent")


def test_a_failed_delivery_report_is_a_failure_that_is_not_retried(merchant, fake, shopper):
    sms_channel(merchant, fake)
    fake.state["sms_fail"] = {"+8613800001234": "用户关机"}
    message = queued_message(sms_template(merchant), shopper)
    adapter_for("sms").send(message)

    answer = adapter_for("sms").query(message)

    assert answer is not None
    assert (answer.outcome, answer.retryable, answer.error) == ("failed", False, "用户关机")


def test_only_customers_with_a_phone_are_reachable(merchant, fake, shopper, customer_login):
    other, _ = customer_login("bob")
    template = sms_template(merchant)
    adapter = adapter_for("sms")
    from siyu.members.models import Customer

    reachable = Customer.objects.filter(merchant=merchant).filter(adapter.reachable(merchant.pk, template))
    assert list(reachable.values_list("pk", flat=True)) == [shopper.pk]
    assert adapter.addresses(merchant.pk, [shopper.pk, other.pk], template) == {shopper.pk: "+8613800001234"}


def test_the_fake_refuses_a_request_without_a_signature(fake):
    import requests

    response = requests.post(
        f"{fake.base_url}/sms",
        data=json.dumps({"PhoneNumberSet": ["+8613800001234"]}),
        headers={"Content-Type": "application/json", "X-TC-Action": "SendSms", "X-TC-Version": "2021-01-11"},
        timeout=5,
    )
    assert response.json()["Response"]["Error"]["Code"] == "AuthFailure.SignatureFailure"
    assert fake.inbox == []
