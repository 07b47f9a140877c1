"""The outgoing webhook against the sandbox's receiver: signature, idempotency key, retries."""

from __future__ import annotations

import json
import time

import pytest

from siyu.reach.channels import adapter_for
from siyu.reach.channels.webhook import sign
from siyu.testing.reach_channels import WEBHOOK_SECRET, channel_template, queued_message, webhook_channel
from siyu.testing.wechat import serve_fake
from siyu.wechat.sandbox.webhook import signature_ok


@pytest.fixture
def fake(settings):
    yield from serve_fake(settings)


@pytest.fixture
def member(customer):
    customer.nickname = "小明"
    customer.phone = "13800001234"
    customer.save(update_fields=["nickname", "phone"])
    return customer


def crm_template(merchant):
    return channel_template(
        merchant, "webhook", name="crm note", text="{{ customer.nickname }} 有新券", level=2
    )


def test_a_signed_post_reaches_the_receiver_once(merchant, fake, member):
    webhook_channel(merchant, fake)
    message = queued_message(crm_template(merchant), member, key="b5:c2")

    result = adapter_for("webhook").send(message)

    assert result.outcome == "sent"
    [request] = fake.state["hook_requests"]
    assert request["status"] == 200
    assert request["headers"]["idempotency-key"] == "b5:c2"
    assert signature_ok(WEBHOOK_SECRET, request["headers"]["x-siyu-signature"], request["body"])
    body = json.loads(request["body"])
    assert body.pop("sent_at")
    assert body == {
        "id": "b5:c2",
        "type": "reach.message",
        "merchant_id": merchant.pk,
        "customer": {"id": member.pk, "nickname": "小明", "phone": "138****1234"},
        "template": "crm note",
        "payload": {"text": "小明 有新券", "level": 2},
    }
    assert [(i.channel, i.title, i.provider_id) for i in fake.inbox] == [("webhook", "crm note", "b5:c2")]


def test_the_signature_covers_the_body_and_the_time():
    body = b'{"id":"b1:c1"}'
    header = sign("s3cret", body, 1_700_000_000)
    assert signature_ok("s3cret", header, body, now=1_700_000_100)
    assert not signature_ok("s3cret", header, body + b" ", now=1_700_000_100)
    assert not signature_ok("other", header, body, now=1_700_000_100)
    assert not signature_ok("s3cret", header, body, now=1_700_000_000 + 301)  # replayed too late


def test_a_5xx_is_retryable_and_the_retry_is_delivered_once(merchant, fake, member):
    webhook_channel(merchant, fake)
    fake.state["hook_fail"] = {"crm": 1}
    message = queued_message(crm_template(merchant), member)
    adapter = adapter_for("webhook")

    first = adapter.send(message)
    second = adapter.send(message)
    third = adapter.send(message)  # a repeat the receiver already has: dropped by its Idempotency-Key

    assert (first.outcome, first.retryable) == ("failed", True)
    assert first.error.startswith("HTTP 500")
    assert (second.outcome, third.outcome) == ("sent", "sent")
    assert [r["status"] for r in fake.state["hook_requests"]] == [500, 200, 200]
    assert len(fake.inbox) == 1


def test_a_wrong_secret_is_a_4xx_failure_not_retried(merchant, fake, member):
    setting = webhook_channel(merchant, fake)
    setting.set_secrets({"signing_secret": "not-the-secret"})
    setting.save()

    result = adapter_for("webhook").send(queued_message(crm_template(merchant), member))

    assert (result.outcome, result.retryable) == ("failed", False)
    assert result.error.startswith("HTTP 401")
    assert fake.inbox == []


def test_a_timeout_or_refused_connection_is_retryable(merchant, fake, member):
    webhook_channel(merchant, fake, timeout=0.5)
    original = fake.handle

    def slow(request):
        time.sleep(1.0)
        return original(request)

    fake.handle = slow
    message = queued_message(crm_template(merchant), member)
    result = adapter_for("webhook").send(message)
    assert (result.outcome, result.retryable) == ("failed", True)
    fake.handle = original
