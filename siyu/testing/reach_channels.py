"""Set-ups for the SMS, email and webhook channels against the sandbox's fakes, and messages to send.

``sms_channel`` makes the merchant's SMS setting (sandbox endpoint) and tells the fake the same
credentials; ``email_channel`` points the email setting at a local aiosmtpd server
(siyu/wechat/sandbox/smtp.py); ``webhook_channel`` at the fake receiver ``/hook/<name>``.
``queued_message`` makes a ``Message`` row rendered by the channel's adapter, as the dispatcher
would hand it over (the contract tests drive adapters with these).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from siyu.members.models import Customer
from siyu.reach.channels import adapter_for
from siyu.reach.models import ChannelSetting, Message, MessageTemplate
from siyu.tenancy.models import Merchant
from siyu.wechat.sandbox.base import FakeWeChat
from siyu.wechat.sandbox.webhook import register_hook

SMS_SECRET_ID = "AKIDsandbox0000000000000000000000000"
SMS_SECRET_KEY = "sandbox-secret-key-0000000000000000"
SMS_APP_ID = "1400000001"
SMS_SIGN = "茶舍"
SMS_CALLBACK_TOKEN = "cb-token-0123456789"
WEBHOOK_SECRET = "whsec-0123456789abcdef"


def sms_channel(merchant: Merchant, fake: FakeWeChat, **config: Any) -> ChannelSetting:
    setting = ChannelSetting(
        merchant=merchant,
        channel="sms",
        enabled=True,
        config={"sandbox": True, "sms_sdk_app_id": SMS_APP_ID, "sign_name": SMS_SIGN, **config},
    )
    setting.set_secrets(
        {"secret_id": SMS_SECRET_ID, "secret_key": SMS_SECRET_KEY, "callback_token": SMS_CALLBACK_TOKEN}
    )
    setting.save()
    base = f"/reach/sms/{merchant.pk}/{SMS_CALLBACK_TOKEN}"
    fake.register_account(
        "sms",
        SMS_SECRET_ID,
        {"secret_key": SMS_SECRET_KEY},
        {
            "sms_sdk_app_id": SMS_APP_ID,
            "signs": [SMS_SIGN],
            "param_max_chars": int(config.get("param_max_chars", 12)),
            "reply_callback": f"{base}/reply",
        },
    )
    return setting


def email_channel(merchant: Merchant, host: str, port: int, **config: Any) -> ChannelSetting:
    setting = ChannelSetting(
        merchant=merchant,
        channel="email",
        enabled=True,
        config={"host": host, "port": port, "from_email": "茶舍 <news@tea.example>", **config},
    )
    setting.set_secrets({"password": "smtp-password"})
    setting.save()
    return setting


def webhook_channel(merchant: Merchant, fake: FakeWeChat, name: str = "crm", **config: Any) -> ChannelSetting:
    path = register_hook(fake, name, WEBHOOK_SECRET)
    base = fake.base_url  # type: ignore[attr-defined]
    setting = ChannelSetting(
        merchant=merchant, channel="webhook", enabled=True, config={"url": f"{base}{path}", **config}
    )
    setting.set_secrets({"signing_secret": WEBHOOK_SECRET})
    setting.save()
    return setting


def channel_template(
    merchant: Merchant, channel: str, *, name: str = "", external_id: str = "", **fields: Any
) -> MessageTemplate:
    template = MessageTemplate(
        merchant=merchant,
        name=name or f"{channel} notice",
        channel=channel,
        external_id=external_id,
        fields=fields,
    )
    adapter_for(channel).validate(template)
    template.save()
    return template


def queued_message(
    template: MessageTemplate, customer: Customer, *, key: str = "", context: dict[str, Any] | None = None
) -> Message:
    """A message as the dispatcher hands it to ``send``: addressed, rendered, stored."""
    adapter = adapter_for(template.channel)
    address = adapter.addresses(customer.merchant_id, [customer.pk], template)[customer.pk]
    message = Message.objects.create(
        merchant_id=customer.merchant_id,
        customer=customer,
        key=key or f"t{template.pk}:c{customer.pk}",
        channel=template.channel,
        template=template,
        address=address,
        status="sending",
        send_at=timezone.now(),
        leased_until=timezone.now(),
    )
    ctx = {"customer.nickname": customer.nickname, **(context or {})}
    message.payload = adapter.render(template, ctx, message)
    message.save(update_fields=["payload"])
    return message
