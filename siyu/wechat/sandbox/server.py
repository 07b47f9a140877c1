"""The whole sandbox: the frame plus every fake service. ``siyu wechat_sandbox`` serves ``build()``."""

from __future__ import annotations

from siyu.wechat.sandbox import inbox, oa, oa_web, pay, reach_wechat, wecom, wecom_groups
from siyu.wechat.sandbox import sms as sms_fake
from siyu.wechat.sandbox import webhook as webhook_fake
from siyu.wechat.sandbox.base import FakeWeChat

# Each fake service's install(app), in the order their routes are tried (wecom_groups reads the
# contacts wecom keeps).
INSTALLS: list = [oa.install, oa_web.install, pay.install, wecom.install, wecom_groups.install]
INSTALLS.append(reach_wechat.install)  # subscribe/template messages, WeCom mass-send (siyu/reach)
INSTALLS.append(sms_fake.install)  # Tencent Cloud SMS (siyu/reach/channels/sms.py)
INSTALLS.append(webhook_fake.install)  # a webhook receiver (siyu/reach/channels/webhook.py)
INSTALLS.append(inbox.install)  # the inbox of what every fake delivered (last: reads them all)


def build(siyu_url: str = "http://127.0.0.1:8000") -> FakeWeChat:
    app = FakeWeChat(siyu_url)
    for install in INSTALLS:
        install(app)
    return app
