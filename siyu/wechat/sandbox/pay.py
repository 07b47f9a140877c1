"""The sandbox's WeChat Pay: the APIv3 merchant API under ``/mch`` and the cashier page under ``/ui/pay/``.

The protocol is ``siyu.wechat.pay.fake.FakeWeChatPay`` (signatures, encryption, the bill); this module
mounts it on the sandbox frame and adds what a person sees:

- ``/ui/pay/`` lists the sandbox's transactions and refunds;
- ``/ui/pay/<prepay_id>`` is the "WeChat cashier": the amount, 支付 and 取消. 支付 marks the
  transaction paid and pushes the signed, encrypted TRANSACTION.SUCCESS callback to its notify_url,
  then returns to the shop (``?return=`` when it is a Siyu URL); 取消 returns without paying.

Sandbox accounts come from Siyu's database through the frame's account loader. Their platform key is
the account's ``sandbox_platform_private_key`` secret (made by the demo with the account), so the
keys Siyu verifies with survive a sandbox restart; an account without one gets the fake's own key.
"""

from __future__ import annotations

import html
import urllib.parse

from siyu.wechat.pay.fake import FakeWeChatPay, Merchant
from siyu.wechat.sandbox.base import FakeRequest, FakeResponse, FakeWeChat, html_response, page, redirect

REFUND_SETTLE_SECONDS = 1.0  # WeChat settles a refund later; the sandbox does it after a moment


def _yuan(fen: int) -> str:
    return f"¥{fen // 100}.{fen % 100:02d}"


def install(app: FakeWeChat, *, fake: FakeWeChatPay | None = None) -> FakeWeChatPay:
    """Mount WeChat Pay on ``app``; returns the fake (tests pass their own, with their keys and sender)."""
    if fake is None:
        fake = FakeWeChatPay(sender=lambda url, body, headers: app.post(url, body, headers)[0])
        fake.refund_delay = REFUND_SETTLE_SECONDS

    def load(mchid: str) -> Merchant | None:
        account = app.account("wechat_pay", mchid)
        if account is None:
            return None
        s, c = account.secrets, account.config
        if not s.get("private_key") or not s.get("apiv3_key"):
            return None
        return fake.merchant_record(
            mchid=mchid,
            app_id=str(c.get("app_id", "")),
            serial_no=str(c.get("serial_no", "")),
            private_pem=s["private_key"],
            apiv3_key=s["apiv3_key"],
            platform_private_pem=s.get("sandbox_platform_private_key", ""),
            platform_serial=str(c.get("platform_public_key_id") or c.get("platform_serial") or ""),
        )

    if fake.merchant_loader is None:
        fake.merchant_loader = load
    app.state["pay"] = fake
    mch = app.service("/mch")

    def api(request: FakeRequest) -> FakeResponse:
        path = request.path.removeprefix("/mch")
        answer = fake.handle(
            request.method, path, urllib.parse.urlencode(request.query), request.body, request.headers
        )
        return FakeResponse(answer.status, answer.body, answer.headers)

    for method, pattern in (
        ("POST", "/v3/pay/transactions/jsapi"),
        ("GET", "/v3/pay/transactions/out-trade-no/{no}"),
        ("POST", "/v3/pay/transactions/out-trade-no/{no}/close"),
        ("POST", "/v3/refund/domestic/refunds"),
        ("GET", "/v3/refund/domestic/refunds/{no}"),
        ("GET", "/v3/bill/tradebill"),
        ("GET", "/v3/billdownload/file"),
    ):
        mch.route(method, pattern)(api)

    ui = app.service("/ui/pay")
    app.add_ui_link("微信支付 WeChat Pay", "/ui/pay/")

    @ui.route("GET", "/")
    def listing(request: FakeRequest) -> FakeResponse:
        with fake.lock:
            transactions = list(fake.transactions.values())[-50:]
            refunds = list(fake.refunds.values())[-50:]
        rows = "".join(
            f"<tr><td>{html.escape(t.out_trade_no)}</td><td>{html.escape(t.description)}</td>"
            f"<td>{_yuan(t.amount)}</td><td>{html.escape(t.state)}</td>"
            f"<td><a href='/ui/pay/{html.escape(t.prepay_id)}'>收银台 cashier</a></td></tr>"
            for t in reversed(transactions)
        )
        refund_rows = "".join(
            f"<tr><td>{html.escape(r.out_refund_no)}</td><td>{html.escape(r.out_trade_no)}</td>"
            f"<td>{_yuan(r.amount)}</td><td>{html.escape(r.status)}</td></tr>"
            for r in reversed(refunds)
        )
        body = (
            "<div class='card'><h3>交易 Transactions</h3><table><tr><th>商户订单号</th><th>商品</th>"
            f"<th>金额</th><th>状态</th><th></th></tr>{rows or '<tr><td colspan=5>—</td></tr>'}</table></div>"
            "<div class='card'><h3>退款 Refunds</h3><table><tr><th>退款单号</th><th>商户订单号</th>"
            f"<th>金额</th><th>状态</th></tr>{refund_rows or '<tr><td colspan=4>—</td></tr>'}</table></div>"
        )
        return html_response(page("微信支付 WeChat Pay", body))

    def back_url(value: str) -> str:
        # Only back to Siyu: the cashier is no open redirect.
        return value if value.startswith(app.siyu_url + "/") else ""

    @ui.route("GET", "/{prepay_id}")
    def cashier(request: FakeRequest) -> FakeResponse:
        t = fake.transaction_for_prepay(request.params["prepay_id"])
        if t is None:
            return html_response(
                page("微信支付", "<div class='card'>订单不存在 (no such prepay_id)</div>"), 404
            )
        back = back_url(request.query.get("return", ""))
        if t.state != "NOTPAY":
            state = {"SUCCESS": "已支付 Paid", "CLOSED": "已关闭 Closed", "REFUND": "已退款 Refunded"}[
                t.state
            ]
            link = (
                f"<p><a class='btn' href='{html.escape(back)}'>返回商家 Back to shop</a></p>" if back else ""
            )
            body = f"<div class='card'><p data-state='{t.state}'>{state}</p>{link}</div>"
            return html_response(page("微信支付", body))
        body = (
            "<div class='card' style='text-align:center'>"
            f"<p>{html.escape(t.description)}</p>"
            f"<p style='font-size:32px;margin:8px 0' data-testid='amount'>{_yuan(t.amount)}</p>"
            f"<p><small>商户号 {html.escape(t.mchid)} · 订单 {html.escape(t.out_trade_no)}</small></p>"
            f"<form method='post'><input type='hidden' name='return' value='{html.escape(back)}'>"
            "<button name='action' value='pay' data-testid='pay'>支付 Pay</button> "
            "<button class='secondary' name='action' value='cancel' data-testid='cancel'>取消 Cancel</button>"
            "</form></div>"
        )
        return html_response(page("微信支付 WeChat cashier", body))

    @ui.route("POST", "/{prepay_id}")
    def press(request: FakeRequest) -> FakeResponse:
        prepay_id = request.params["prepay_id"]
        form = request.form()
        back = back_url(form.get("return", ""))
        if fake.transaction_for_prepay(prepay_id) is None:
            return html_response(
                page("微信支付", "<div class='card'>订单不存在 (no such prepay_id)</div>"), 404
            )
        if form.get("action") == "pay":
            _t, status = fake.pay(prepay_id)
            if status not in (200, 204):
                body = f"<div class='card'><p>支付成功，但商家未确认 (Siyu answered {status})</p></div>"
                return html_response(page("微信支付", body), 200)
        if back:
            return redirect(back)
        return redirect(f"/ui/pay/{urllib.parse.quote(prepay_id)}")

    return fake
