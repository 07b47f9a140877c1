"""WeChat Pay v3 end to end against the fake WeChat Pay: prepay from the shop API and the H5, the
signed callback, refusals that change nothing, refunds and their callbacks, unpaid timeouts."""

from __future__ import annotations

import base64
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.hashes import SHA256
from django.utils import timezone

from siyu.members.models import CustomerIdentity, IdentityKind
from siyu.orders.models import (
    Order,
    OrderStatus,
    Payment,
    PaymentNotification,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from siyu.orders.services import lifecycle, payments
from siyu.orders.tasks import cancel_unpaid_orders
from siyu.testing.clients import ApiClient, h5_login
from siyu.testing.factories import add_address
from siyu.testing.flows import place
from siyu.testing.snapshots import changed, tenant_rows
from siyu.testing.wechat_pay import APP_ID, KEYS, MCHID, django_sender
from siyu.wechat.pay import protocol
from siyu.wechat.pay.errors import PayerUnknown

pytestmark = pytest.mark.django_db
NOTIFY = f"/wechat/pay/{MCHID}/notify"
REFUND_NOTIFY = f"/wechat/pay/{MCHID}/refund-notify"


def _order(customer, sku, address):
    return place(customer, [(sku.pk, 2)], address=address)


def _start(customer, order):
    return payments.start_payment(customer=customer, order_id=order.pk, idempotency_key=f"t:{order.number}")


def _prepay_id(params) -> str:
    return params["package"].removeprefix("prepay_id=")


def test_shop_api_opens_a_jsapi_payment_and_the_signed_callback_pays_the_order(
    pay, wechat_customer, customer_login, sku, address, merchant
):
    _c, token = customer_login("alice")
    order = _order(wechat_customer, sku, address)
    api = ApiClient(token)

    response = api.post(f"/api/v1/shop/{merchant.slug}/orders/{order.pk}/payments", {})

    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["action"], data["amount"], data["status"], data["url"]) == ("jsapi", 10000, "pending", "")
    params = data["params"]
    assert set(params) == {"appId", "timeStamp", "nonceStr", "package", "signType", "paySign"}
    assert (params["appId"], params["signType"]) == (APP_ID, "RSA")
    message = f"{APP_ID}\n{params['timeStamp']}\n{params['nonceStr']}\n{params['package']}\n".encode()
    protocol.public_key(KEYS.merchant_public).verify(
        base64.b64decode(params["paySign"]), message, PKCS1v15(), SHA256()
    )
    t = pay.fake.transaction_for_prepay(_prepay_id(params))
    assert t is not None
    assert (t.mchid, t.app_id, t.out_trade_no, t.amount, t.payer_openid, t.notify_url) == (
        MCHID,
        APP_ID,
        data["payment_number"],
        10000,
        "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
        f"http://testserver{NOTIFY}",
    )
    assert t.description == f"订单 {order.number}"
    assert t.time_expire == timezone.localtime(order.expires_at).isoformat(timespec="seconds")

    _t, status = pay.fake.pay(_prepay_id(params))

    assert status == 204
    order.refresh_from_db()
    payment = Payment.objects.get()
    assert (order.status, order.paid_amount) == (OrderStatus.PAID, 10000)
    assert (payment.gateway, payment.status, payment.gateway_transaction_id) == (
        "wechatpay",
        PaymentStatus.SUCCEEDED,
        t.transaction_id,
    )


def test_paying_again_reuses_the_prepay(pay, wechat_customer, sku, address):
    order = _order(wechat_customer, sku, address)
    one = _start(wechat_customer, order)
    two = _start(wechat_customer, order)
    assert one.payment.pk == two.payment.pk
    assert _prepay_id(one.action.params) == _prepay_id(two.action.params)
    assert len(pay.fake.transactions) == 1


def test_a_customer_without_an_official_account_openid_cannot_start_a_real_wechat_payment(
    pay, customer, sku, address, merchant
):
    # The customer came through the mini-program (mp_openid); the pay account pays for the official
    # account, under which they have no openid: WeChat would refuse the prepay, so Siyu does not send it.
    order = _order(customer, sku, address)
    before = tenant_rows(merchant)

    with pytest.raises(PayerUnknown):
        payments.start_payment(customer=customer, order_id=order.pk)
    assert changed(before, tenant_rows(merchant)) == []
    assert pay.fake.transactions == {}


def test_replayed_and_duplicate_callbacks_change_nothing(pay, wechat_customer, sku, address, client):
    order = _order(wechat_customer, sku, address)
    started = _start(wechat_customer, order)
    t, _status = pay.fake.pay(_prepay_id(started.action.params), deliver=False)
    url, body, headers = pay.fake.transaction_notification(t)
    send = django_sender(client)

    assert send(url, body, headers) == 204
    assert send(url, body, headers) == 204  # the same notification again
    assert send(*pay.fake.transaction_notification(t)) == 204  # another notification, same payment

    order.refresh_from_db()
    assert (order.status, order.paid_amount) == (OrderStatus.PAID, 10000)
    assert PaymentNotification.objects.filter(gateway="wechatpay").count() == 2
    assert Refund.objects.count() == 0


def _notification(pay, t, **overrides):
    """A TRANSACTION.SUCCESS callback for ``t`` with parts of its resource or headers changed."""
    resource = pay.fake._transaction_json(t)
    resource.update(overrides.pop("resource", {}))
    body, headers = pay.fake.notification(
        MCHID, "TRANSACTION.SUCCESS", "支付成功", "transaction", resource, **overrides
    )
    return body, headers


def _resign(body: bytes, headers: dict, *, key: str | None = None) -> dict:
    text = body.decode()
    sig = protocol.sign(
        key or KEYS.platform_private,
        f"{headers['Wechatpay-Timestamp']}\n{headers['Wechatpay-Nonce']}\n{text}\n",
    )
    return {**headers, "Wechatpay-Signature": sig}


def _refusals(pay, t):
    good_body, good_headers = _notification(pay, t)
    other_key, _pub = KEYS.merchant_private, None  # any key but the platform's
    tampered = good_body.replace(
        b'"summary":"\xe6\x94\xaf\xe4\xbb\x98\xe6\x88\x90\xe5\x8a\x9f"', b'"summary":"x"'
    )
    stale_body, stale_headers = _notification(pay, t, timestamp=int(time.time()) - 301)
    wrong_amount = _notification(pay, t, resource={"amount": {"total": 1, "currency": "CNY"}})
    unknown_order = _notification(pay, t, resource={"out_trade_no": "P999999999"})
    other_mchid = _notification(pay, t, resource={"mchid": "1900000999"})
    other_appid = _notification(pay, t, resource={"appid": "wx0000000000000000"})
    wrong_key = json.loads(good_body)
    wrong_key["resource"] = protocol.encrypt_resource(
        "0" * 32,
        json.dumps(pay.fake._transaction_json(t)),
        associated_data="transaction",
        nonce_str="abcdefghijkl",
    )
    wrong_key_body = json.dumps(wrong_key).encode()
    return {
        "bad signature": (tampered, good_headers, 401),
        "signed by another key": (good_body, _resign(good_body, good_headers, key=other_key), 401),
        "unknown serial": (good_body, {**good_headers, "Wechatpay-Serial": "PUB_KEY_ID_OTHER"}, 401),
        "stale timestamp": (stale_body, stale_headers, 401),
        "wrong amount": (*wrong_amount, 409),
        "unknown order": (*unknown_order, 404),
        "other merchant number": (*other_mchid, 409),
        "other appid": (*other_appid, 409),
        "not our APIv3 key": (wrong_key_body, _resign(wrong_key_body, good_headers), 400),
    }


REFUSALS = [
    "bad signature",
    "signed by another key",
    "unknown serial",
    "stale timestamp",
    "wrong amount",
    "unknown order",
    "other merchant number",
    "other appid",
    "not our APIv3 key",
]


@pytest.mark.parametrize("case", REFUSALS)
def test_bad_callbacks_are_refused_and_change_nothing(
    case, pay, wechat_customer, sku, address, client, merchant, caplog
):
    order = _order(wechat_customer, sku, address)
    started = _start(wechat_customer, order)
    t, _ = pay.fake.pay(_prepay_id(started.action.params), deliver=False)
    body, headers, status = _refusals(pay, t)[case]
    before = tenant_rows(merchant)
    notifications = PaymentNotification.objects.count()

    response = client.post(
        NOTIFY,
        data=body,
        content_type="application/json",
        headers={k: v for k, v in headers.items() if k != "Content-Type"},
    )

    assert response.status_code == status, response.content
    answer = response.json()
    assert answer["code"] == "FAIL" and answer["message"]
    assert changed(before, tenant_rows(merchant)) == []
    assert PaymentNotification.objects.count() == notifications
    assert "wechat pay callback refused" in caplog.text


def test_callback_for_an_unknown_merchant_number_is_refused(pay, client):
    response = client.post("/wechat/pay/1234567890/notify", data=b"{}", content_type="application/json")
    assert response.status_code == 404
    assert response.json()["code"] == "FAIL"


def test_refund_stays_pending_until_wechat_settles_it(
    pay, wechat_customer, customer_login, sku, address, merchant, staff_api
):
    _c, token = customer_login("alice")
    order = _order(wechat_customer, sku, address)
    started = _start(wechat_customer, order)
    pay.fake.pay(_prepay_id(started.action.params))
    shop = ApiClient(token)
    opened = shop.post(
        f"/api/v1/shop/{merchant.slug}/orders/{order.pk}/after-sales",
        {"kind": "refund_only", "reason": "late"},
    )
    assert opened.status_code == 201, opened.content

    approved = staff_api.post(f"/api/v1/admin/after-sales/{opened.json()['id']}/approve", {})

    assert approved.status_code == 200, approved.content
    refund = Refund.objects.get()
    assert (refund.status, refund.amount) == (RefundStatus.PENDING, 10000)
    record = pay.fake.refunds[(MCHID, refund.number)]
    assert (record.amount, record.total, record.status, record.notify_url) == (
        10000,
        10000,
        "PROCESSING",
        f"http://testserver{REFUND_NOTIFY}",
    )
    assert refund.gateway_refund_id == record.refund_id

    assert pay.fake.settle_refunds() == [204]

    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED
    assert refund.succeeded_at is not None
    # WeChat retries a callback it thinks failed: the replay is acknowledged and changes nothing.
    assert pay.fake.settle_refunds() == []


def test_abnormal_refund_callback_marks_the_refund_failed(pay, wechat_customer, sku, address):
    order = _order(wechat_customer, sku, address)
    started = _start(wechat_customer, order)
    pay.fake.pay(_prepay_id(started.action.params))
    order.refresh_from_db()
    refund = payments.refund_order_payment(order, amount=3000, after_sale=None)
    assert refund.status == RefundStatus.PENDING

    assert pay.fake.settle_refunds(status="ABNORMAL") == [204]

    refund.refresh_from_db()
    assert (refund.status, refund.succeeded_at) == (RefundStatus.FAILED, None)


def test_refund_callback_with_the_wrong_amount_is_refused(
    pay, wechat_customer, sku, address, client, merchant
):
    order = _order(wechat_customer, sku, address)
    started = _start(wechat_customer, order)
    pay.fake.pay(_prepay_id(started.action.params))
    order.refresh_from_db()
    refund = payments.refund_order_payment(order, amount=3000, after_sale=None)
    record = pay.fake.refunds[(MCHID, refund.number)]
    body, headers = pay.fake.notification(
        MCHID,
        "REFUND.SUCCESS",
        "退款成功",
        "refund",
        {
            "mchid": MCHID,
            "out_trade_no": record.out_trade_no,
            "transaction_id": record.transaction_id,
            "out_refund_no": refund.number,
            "refund_id": record.refund_id,
            "refund_status": "SUCCESS",
            "success_time": "2026-12-07T10:00:00+08:00",
            "amount": {"total": 10000, "refund": 9999, "payer_total": 10000, "payer_refund": 9999},
        },
    )
    before = tenant_rows(merchant)

    response = client.post(REFUND_NOTIFY, data=body, content_type="application/json", headers=headers)

    assert response.status_code == 409
    assert changed(before, tenant_rows(merchant)) == []


def _expire(order):
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(seconds=1))


def test_timeout_asks_wechat_first_and_records_a_payment_whose_callback_was_lost(
    pay, wechat_customer, sku, address
):
    order = _order(wechat_customer, sku, address)
    started = _start(wechat_customer, order)
    t, _ = pay.fake.pay(_prepay_id(started.action.params), deliver=False)
    _expire(order)

    assert cancel_unpaid_orders.call() == 0

    order.refresh_from_db()
    payment = Payment.objects.get()
    assert (order.status, order.paid_amount) == (OrderStatus.PAID, 10000)
    assert (payment.status, payment.gateway_transaction_id) == (PaymentStatus.SUCCEEDED, t.transaction_id)
    assert t.state == "SUCCESS"


def test_timeout_closes_the_unpaid_wechat_order_then_cancels(pay, wechat_customer, sku, address):
    order = _order(wechat_customer, sku, address)
    started = _start(wechat_customer, order)
    _expire(order)

    assert lifecycle.expire_order(order.pk) is True

    order.refresh_from_db()
    t = pay.fake.transaction_for_prepay(_prepay_id(started.action.params))
    assert (order.status, t.state) == (OrderStatus.CANCELLED, "CLOSED")
    assert Payment.objects.get().status == PaymentStatus.CLOSED


def test_timeout_leaves_the_order_when_wechat_cannot_be_asked(pay, wechat_customer, sku, address, settings):
    order = _order(wechat_customer, sku, address)
    _start(wechat_customer, order)
    _expire(order)
    settings.SIYU_WECHAT_BASES = {**settings.SIYU_WECHAT_BASES, "mch": "http://127.0.0.1:9/mch"}

    assert cancel_unpaid_orders.call() == 0

    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert Payment.objects.get().status == PaymentStatus.PENDING


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_storefront_pays_through_the_sandbox_cashier_and_returns_to_the_order(
    sandbox_pay, outbox, sku, client, merchant
):
    shopper = h5_login(client, merchant)  # an H5 customer with no openid: the sandbox pays for them
    address = add_address(shopper)
    order = _order(shopper, sku, address)
    order_page = f"http://testserver/shop/{merchant.slug}/orders/{order.pk}/"

    response = client.post(f"/shop/{merchant.slug}/orders/{order.pk}/pay/")

    assert response.status_code == 302, response.content[:500]
    location = response["Location"]
    match = re.fullmatch(rf"{re.escape(sandbox_pay.base_url)}/ui/pay/(wx\w+)\?return=(.+)", location)
    assert match, location
    assert urllib.parse.unquote(match[2]) == order_page
    t = sandbox_pay.fake.transaction_for_prepay(match[1])
    mp_openid = CustomerIdentity.objects.get(customer=shopper, kind=IdentityKind.MP_OPENID).value
    assert (t.amount, t.payer_openid) == (10000, mp_openid)
    with urllib.request.urlopen(location) as page:
        html = page.read().decode()
    assert "¥100.00" in html and "支付" in html and "取消" in html
    press = urllib.parse.urlencode({"action": "pay", "return": order_page}).encode()
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.build_opener(_NoRedirect).open(
            urllib.request.Request(location.split("?")[0], data=press)
        )
    assert answer.value.code == 302
    assert answer.value.headers["Location"] == order_page

    assert outbox.deliver(client) == [204]

    order.refresh_from_db()
    assert (order.status, order.paid_amount) == (OrderStatus.PAID, 10000)
    assert t.state == "SUCCESS"


def test_sandbox_cashier_cancel_returns_unpaid_and_never_leaves_siyu(
    sandbox_pay, outbox, sku, client, merchant
):
    shopper = h5_login(client, merchant)
    order = _order(shopper, sku, add_address(shopper))
    location = client.post(f"/shop/{merchant.slug}/orders/{order.pk}/pay/")["Location"]
    opener = urllib.request.build_opener(_NoRedirect)
    for back, expected in (
        (
            f"http://testserver/shop/{merchant.slug}/orders/{order.pk}/",
            f"http://testserver/shop/{merchant.slug}/orders/{order.pk}/",
        ),
        ("https://evil.example/", None),
    ):
        press = urllib.parse.urlencode({"action": "cancel", "return": back}).encode()
        with pytest.raises(urllib.error.HTTPError) as answer:
            opener.open(urllib.request.Request(location.split("?")[0], data=press))
        assert answer.value.code == 302
        assert answer.value.headers["Location"] == (expected or urllib.parse.urlsplit(location).path)
    assert outbox.sent == []
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_inside_wechat_the_h5_opens_the_jsapi_cashier_with_signed_params(pay, sku, client, merchant):
    shopper = h5_login(client, merchant)
    CustomerIdentity.objects.create(
        merchant=merchant, customer=shopper, kind=IdentityKind.OA_OPENID, value="oH5openid0000000000000001"
    )
    order = _order(shopper, sku, add_address(shopper))

    response = client.post(
        f"/shop/{merchant.slug}/orders/{order.pk}/pay/", headers={"Accept-Language": "zh-hans"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="wechat-pay"' in html and "¥100.00" in html and "正在打开微信支付" in html
    params = json.loads(
        re.search(r'<script id="wechat-pay-params" type="application/json">(.+?)</script>', html)[1]
    )
    assert set(params) == {"appId", "timeStamp", "nonceStr", "package", "signType", "paySign"}
    t = pay.fake.transaction_for_prepay(_prepay_id(params))
    assert (t.payer_openid, t.amount) == ("oH5openid0000000000000001", 10000)
    assert "wechat_pay.js" in html


def test_a_refund_whose_callback_was_lost_is_settled_by_querying_wechat(pay, wechat_customer, sku, address):
    from siyu.wechat.pay.tasks import settle_wechat_refunds

    order = _order(wechat_customer, sku, address)
    started = _start(wechat_customer, order)
    pay.fake.pay(_prepay_id(started.action.params))
    order.refresh_from_db()
    refund = payments.refund_order_payment(order, amount=3000, after_sale=None)
    pay.fake.sender = lambda url, body, headers: 0  # WeChat's callback never arrives
    pay.fake.settle_refunds()

    assert settle_wechat_refunds.call() == 0  # too fresh: the callback may still come
    Refund.objects.filter(pk=refund.pk).update(created_at=timezone.now() - timedelta(minutes=6))
    assert settle_wechat_refunds.call() == 1

    refund.refresh_from_db()
    assert (refund.status, refund.gateway_refund_id) == (
        RefundStatus.SUCCEEDED,
        pay.fake.refunds[(MCHID, refund.number)].refund_id,
    )
    assert settle_wechat_refunds.call() == 0


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ("platform key", "wechat_pay_unverified"),  # WeChat's answer does not verify with our key
        ("platform serial", "wechat_pay_unverified"),  # the answer is signed under another key id
        ("merchant key", "wechat_pay_error"),  # our signature does not verify at WeChat: 401 SIGN_ERROR
    ],
)
def test_an_answer_that_does_not_verify_or_a_request_wechat_refuses_opens_no_payment(
    change, code, pay, wechat_customer, customer_login, sku, address, merchant
):
    account = pay.account
    if change == "platform key":
        account.set_secrets({"platform_public_key": KEYS.merchant_public})
    elif change == "platform serial":
        account.config = {**account.config, "platform_public_key_id": "PUB_KEY_ID_ROTATED"}
    else:
        other_private, _public = protocol.generate_keypair()
        account.set_secrets({"private_key": other_private})
    account.save()
    order = _order(wechat_customer, sku, address)
    _c, token = customer_login("alice")
    before = tenant_rows(merchant)

    response = ApiClient(token).post(f"/api/v1/shop/{merchant.slug}/orders/{order.pk}/payments", {})

    assert response.status_code == 502, response.content
    assert response.json()["code"] == code
    assert changed(before, tenant_rows(merchant)) == []
    assert Payment.objects.count() == 0
