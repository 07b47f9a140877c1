"""Email over a real local SMTP server (aiosmtpd), and its one-click unsubscribe."""

from __future__ import annotations

import pytest

from siyu.members.models import ContactPreference
from siyu.reach.channels import adapter_for
from siyu.reach.channels.email import read_unsubscribe_token, unsubscribe_token
from siyu.reach.errors import InvalidTemplate
from siyu.reach.models import Message
from siyu.testing.reach_channels import channel_template, email_channel, queued_message
from siyu.wechat.sandbox.base import FakeWeChat
from siyu.wechat.sandbox.smtp import free_port, start_smtp


@pytest.fixture
def smtp():
    app = FakeWeChat()
    controller = start_smtp(app)
    app.smtp_port = controller.port  # type: ignore[attr-defined]
    yield app
    controller.stop()


@pytest.fixture
def reader(customer):
    customer.nickname = "小明"
    customer.email = "xiaoming@example.com"
    customer.save(update_fields=["nickname", "email"])
    ContactPreference.objects.create(
        merchant_id=customer.merchant_id, customer=customer, channel="email", opted_in=True
    )
    return customer


def newsletter(merchant):
    return channel_template(
        merchant,
        "email",
        subject="{{ customer.nickname }}，新茶到了",
        body="你好 {{ customer.nickname }}，春茶上新。",
        html="<p>你好 <b>{{ customer.nickname }}</b></p><script>alert(1)</script>",
    )


def test_a_mail_goes_out_over_smtp_with_its_unsubscribe_headers(merchant, smtp, reader, settings):
    settings.SIYU_PUBLIC_URL = "https://shop.example"
    email_channel(merchant, "127.0.0.1", smtp.smtp_port)
    message = queued_message(newsletter(merchant), reader, key="b3:c9")

    result = adapter_for("email").send(message)

    assert result.outcome == "sent"
    [item] = smtp.inbox
    headers = item.extra["headers"]
    assert (item.channel, item.to, item.title) == ("email", "xiaoming@example.com", "小明，新茶到了")
    assert item.body.strip() == "你好 小明，春茶上新。"
    assert item.extra["html"].strip() == "<p>你好 <b>小明</b></p>"  # the script is cleaned away
    assert headers["Message-ID"] == message.payload["message_id"] == result.provider_id
    assert headers["Message-ID"].endswith("@tea.example>")
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = message.payload["unsubscribe_url"]
    assert headers["List-Unsubscribe"].strip() == f"<{url}>"  # a long header is folded
    assert url.startswith("https://shop.example/reach/u/")
    token = url.rsplit("/", 1)[1]
    assert read_unsubscribe_token(token) == {
        "m": merchant.pk,
        "c": reader.pk,
        "ch": "email",
        "msg": message.pk,
    }


def test_every_attempt_of_a_message_has_the_same_message_id(merchant, smtp, reader):
    email_channel(merchant, "127.0.0.1", smtp.smtp_port)
    template = newsletter(merchant)
    first = queued_message(template, reader, key="b1:c1")
    again = adapter_for("email").render(template, {"customer.nickname": "小明"}, first)
    other = queued_message(template, reader, key="b2:c1")
    assert again["message_id"] == first.payload["message_id"] != other.payload["message_id"]


def test_templates_are_held_to_the_channels_rules(merchant):
    for fields, detail in (
        ({"subject": "", "body": "x"}, {"field": "subject", "rule": "required"}),
        ({"subject": "x" * 201, "body": "x"}, {"field": "subject", "limit": 200}),
        ({"subject": "a\nBcc: x@y", "body": "x"}, {"field": "subject", "rule": "one_line"}),
        ({"subject": "x", "body": " "}, {"field": "body", "rule": "required"}),
    ):
        with pytest.raises(InvalidTemplate) as refused:
            channel_template(merchant, "email", name="t", **fields)
        assert refused.value.detail == detail


def test_a_server_that_cannot_be_reached_is_a_retryable_failure(merchant, reader):
    email_channel(merchant, "127.0.0.1", free_port())
    message = queued_message(newsletter(merchant), reader)

    result = adapter_for("email").send(message)

    assert (result.outcome, result.retryable) == ("failed", True)


def test_the_unsubscribe_page_asks_first_then_unsubscribes(client, merchant, reader):
    message = Message.objects.create(
        merchant=merchant, customer=reader, key="b1:c1", channel="email", send_at="2026-01-01T00:00:00Z"
    )
    token = unsubscribe_token(
        merchant_id=merchant.pk, customer_id=reader.pk, channel="email", message_id=message.pk
    )

    page = client.get(f"/reach/u/{token}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    assert 'data-testid="confirm"' in page.content.decode()
    assert ContactPreference.objects.get(customer=reader, channel="email").opted_in is True

    done = client.post(f"/reach/u/{token}", HTTP_ACCEPT_LANGUAGE="en")
    assert done.status_code == 200
    assert 'data-testid="done"' in done.content.decode()
    assert ContactPreference.objects.get(customer=reader, channel="email").opted_in is False
    message.refresh_from_db()
    assert message.unsubscribed_at is not None


def test_a_mail_clients_one_click_post_unsubscribes_without_a_page(merchant, reader):
    from django.test import Client

    token = unsubscribe_token(
        merchant_id=merchant.pk, customer_id=reader.pk, channel="email", message_id=None
    )
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        f"/reach/u/{token}",
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert ContactPreference.objects.get(customer=reader, channel="email").opted_in is False


def test_a_forged_token_is_refused_and_changes_nothing(client, merchant, reader):
    token = unsubscribe_token(
        merchant_id=merchant.pk, customer_id=reader.pk, channel="email", message_id=None
    )
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")

    for method in (client.get, client.post):
        response = method(f"/reach/u/{forged}")
        assert response.status_code == 400
        assert 'data-testid="invalid"' in response.content.decode()
    assert ContactPreference.objects.get(customer=reader, channel="email").opted_in is True
