"""The demo's sandbox WeChat Pay account pays through the whole sandbox, as in ``siyu demo``."""

from __future__ import annotations

import pytest

from siyu.orders.models import OrderStatus
from siyu.orders.services import payments
from siyu.simulate.demo_wechat import DEMO_MCHID, ensure_demo_wechat_pay
from siyu.testing.flows import place
from siyu.testing.wechat_pay import Outbox
from siyu.wechat.models import AccountKind, WeChatAccount
from siyu.wechat.sandbox import server
from siyu.wechat.sandbox.base import serve_in_thread
from siyu.wechat.sandbox_accounts import _as_sandbox

pytestmark = pytest.mark.django_db


def test_demo_account_is_a_sandbox_one_made_once(merchant):
    account = ensure_demo_wechat_pay(merchant)

    assert ensure_demo_wechat_pay(merchant).pk == account.pk
    assert WeChatAccount.objects.filter(kind=AccountKind.WECHAT_PAY).count() == 1
    assert (account.app_id, account.sandbox, account.is_active) == (DEMO_MCHID, True, True)
    assert len(account.secret("apiv3_key")) == 32
    assert account.secret("private_key").startswith("-----BEGIN PRIVATE KEY-----")
    assert account.config["platform_public_key_id"].startswith("PUB_KEY_ID_")


def test_the_sandbox_server_plays_wechat_pay_for_the_demo_account(
    settings, merchant, wechat_customer, sku, address, client
):
    account = ensure_demo_wechat_pay(merchant)
    app = server.build("http://testserver")
    # The demo's sandbox reads accounts from the database; here the test thread hands it the row.
    app.account_loader = lambda kind, app_id: (
        _as_sandbox(account) if (kind, app_id) == ("wechat_pay", DEMO_MCHID) else None
    )
    outbox = Outbox()
    app.state["pay"].sender = outbox
    base, stop = serve_in_thread(app)
    settings.SIYU_WECHAT_SANDBOX_URL = base
    settings.SIYU_PUBLIC_URL = "http://testserver"
    try:
        order = place(wechat_customer, [(sku.pk, 1)], address=address)
        started = payments.start_payment(customer=wechat_customer, order_id=order.pk)
        prepay_id = started.action.params["package"].removeprefix("prepay_id=")
        assert started.action.url == f"{base}/ui/pay/{prepay_id}"

        app.state["pay"].pay(prepay_id)
        assert outbox.deliver(client) == [204]
    finally:
        stop()
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
