"""A fake WeChat Pay APIv3 merchant platform: WeChat's side of every call Siyu makes, byte for byte.

Plain Python, no Django: ``siyu/wechat/sandbox/pay.py`` mounts it in the sandbox server under
``/mch`` and tests drive it over real HTTP. It holds its own RSA platform keypair (generated when it
starts unless one is given), verifies each request's ``Authorization`` with the merchant's public key
(derived from the merchant key registered with it, as WeChat holds the merchant's certificate), signs
every answer with the platform key, and sends notifications signed and AES-GCM encrypted with the
merchant's APIv3 key to the ``notify_url`` of the prepay (or refund) request.

Deliveries go through ``sender(url, body, headers) -> status``; the sandbox posts them over HTTP,
tests may route them through Django's test client. Payment callbacks are sent when the cashier page's
pay button is pressed (``pay``); refund callbacks wait in ``outbox`` until ``deliver_pending`` (the
sandbox calls it from a thread shortly after the refund, as WeChat settles refunds later).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives import serialization

from siyu.wechat.pay import protocol

SHANGHAI_OFFSET = timedelta(hours=8)
CLOCK_SKEW_SECONDS = 300

Sender = Callable[[str, bytes, dict[str, str]], int]


def _now_text(moment: float | None = None) -> str:
    at = datetime.fromtimestamp(time.time() if moment is None else moment, UTC) + SHANGHAI_OFFSET
    return at.replace(tzinfo=None).isoformat(timespec="seconds") + "+08:00"


def http_sender(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST a notification over HTTP, as WeChat does; the status Siyu answered (0 when unreachable)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError:
        return 0


def _public_of(private_pem: str) -> str:
    key = protocol.private_key(private_pem)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@dataclass
class Merchant:
    mchid: str
    app_id: str
    serial_no: str
    public_pem: str  # the merchant's, to verify its requests
    apiv3_key: str
    platform_private_pem: str  # what WeChat signs this merchant's answers and callbacks with
    platform_serial: str


@dataclass
class Transaction:
    mchid: str
    app_id: str
    out_trade_no: str
    prepay_id: str
    description: str
    amount: int
    payer_openid: str
    notify_url: str
    time_expire: str
    state: str = "NOTPAY"  # NOTPAY, SUCCESS, CLOSED, REFUND
    transaction_id: str = ""
    success_time: str = ""
    refunded: int = 0


@dataclass
class RefundRecord:
    mchid: str
    out_trade_no: str
    transaction_id: str
    out_refund_no: str
    refund_id: str
    amount: int
    total: int
    notify_url: str
    status: str = "PROCESSING"
    create_time: str = ""
    success_time: str = ""


@dataclass
class Answer:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


class FakeWeChatPay:
    def __init__(
        self, *, platform_private_pem: str = "", platform_serial: str = "", sender: Sender = http_sender
    ):
        if not platform_private_pem:
            platform_private_pem, _ = protocol.generate_keypair()
        self.platform_private_pem = platform_private_pem
        self.platform_public_pem = _public_of(platform_private_pem)
        self.platform_serial = platform_serial or "PUB_KEY_ID_" + uuid.uuid4().hex[:24].upper()
        self.sender = sender
        # Asked for a merchant number the fake has not been told of (the sandbox reads Siyu's accounts).
        self.merchant_loader: Callable[[str], Merchant | None] | None = None
        # Seconds after which a refund settles by itself (the sandbox); None: when a test says so.
        self.refund_delay: float | None = None
        self.lock = threading.RLock()
        self.merchants: dict[str, Merchant] = {}
        self.transactions: dict[tuple[str, str], Transaction] = {}  # (mchid, out_trade_no)
        self.prepays: dict[str, tuple[str, str]] = {}  # prepay_id -> key of transactions
        self.refunds: dict[tuple[str, str], RefundRecord] = {}  # (mchid, out_refund_no)
        self.bill_tokens: dict[str, tuple[str, bytes]] = {}  # token -> (mchid, the file it serves)
        self.extra_bill_rows: dict[tuple[str, str], list[protocol.BillRow]] = {}  # tests add WeChat-only rows
        self.requests_seen = 0

    # -- accounts ---------------------------------------------------------------------------------

    def merchant_record(
        self,
        *,
        mchid: str,
        app_id: str,
        serial_no: str,
        private_pem: str,
        apiv3_key: str,
        platform_private_pem: str = "",
        platform_serial: str = "",
    ) -> Merchant:
        """What WeChat holds of a merchant: its public key (from its private key here), APIv3 key, and
        the platform key it signs for it (the fake's own unless the account brings one)."""
        return Merchant(
            mchid=mchid,
            app_id=app_id,
            serial_no=serial_no,
            public_pem=_public_of(private_pem),
            apiv3_key=apiv3_key,
            platform_private_pem=platform_private_pem or self.platform_private_pem,
            platform_serial=platform_serial or self.platform_serial,
        )

    def register_merchant(self, **fields: str) -> Merchant:
        merchant = self.merchant_record(**fields)
        with self.lock:
            self.merchants[merchant.mchid] = merchant
        return merchant

    def merchant(self, mchid: str) -> Merchant | None:
        with self.lock:
            found = self.merchants.get(mchid)
        if found is None and self.merchant_loader is not None:
            found = self.merchant_loader(mchid)
            if found is not None:
                with self.lock:
                    self.merchants[mchid] = found
        return found

    # -- HTTP -------------------------------------------------------------------------------------

    def handle(
        self, method: str, path: str, query_string: str, body: bytes, headers: dict[str, str]
    ) -> Answer:
        """Answer one API request (``path`` without the sandbox's ``/mch`` prefix)."""
        full_path = path + (f"?{query_string}" if query_string else "")
        text = body.decode("utf-8", errors="replace")
        lower = {k.lower(): v for k, v in headers.items()}
        fields = protocol.parse_authorization(lower.get("authorization", ""))
        merchant = self.merchant(fields["mchid"]) if fields else None
        if fields is None or merchant is None:
            return self._error(merchant, 401, "SIGN_ERROR", "签名错误")
        signed_paths = (full_path, "/mch" + full_path)
        if fields["serial_no"] != merchant.serial_no or not any(
            protocol.verify_request(merchant.public_pem, method=method, path=p, body=text, fields=fields)
            for p in signed_paths
        ):
            return self._error(merchant, 401, "SIGN_ERROR", "签名错误，请检查后再试")
        if (
            not fields["timestamp"].isdigit()
            or abs(time.time() - int(fields["timestamp"])) > CLOCK_SKEW_SECONDS
        ):
            return self._error(merchant, 401, "SIGN_ERROR", "timestamp 过期")
        with self.lock:
            self.requests_seen += 1
        query = {k: v[0] for k, v in parse_qs(query_string).items()}
        try:
            payload = json.loads(text) if text else {}
        except ValueError:
            return self._error(merchant, 400, "PARAM_ERROR", "请求体不是合法的JSON")
        host = lower.get("host", "127.0.0.1")
        return self._route(method, path, query, payload, merchant, host)

    def _route(
        self, method: str, path: str, query: dict, payload: dict, merchant: Merchant, host: str
    ) -> Answer:
        parts = path.strip("/").split("/")
        if method == "POST" and path == "/v3/pay/transactions/jsapi":
            return self._prepay(payload, merchant)
        if method == "GET" and parts[:4] == ["v3", "pay", "transactions", "out-trade-no"] and len(parts) == 5:
            if query.get("mchid") != merchant.mchid:
                return self._error(merchant, 400, "PARAM_ERROR", "mchid 与请求方不符")
            return self._query(merchant, parts[4])
        if (
            method == "POST"
            and parts[:4] == ["v3", "pay", "transactions", "out-trade-no"]
            and parts[5:] == ["close"]
        ):
            return self._close(merchant, parts[4])
        if method == "POST" and path == "/v3/refund/domestic/refunds":
            return self._refund(payload, merchant)
        if method == "GET" and parts[:4] == ["v3", "refund", "domestic", "refunds"] and len(parts) == 5:
            return self._query_refund(merchant, parts[4])
        if method == "GET" and path == "/v3/bill/tradebill":
            return self._tradebill(merchant, query, host)
        if method == "GET" and path == "/v3/billdownload/file":
            return self._download(merchant, query)
        return self._error(merchant, 404, "RESOURCE_NOT_EXISTS", "接口不存在")

    # -- answers ----------------------------------------------------------------------------------

    def _signed(
        self, merchant: Merchant, status: int, text: str, content_type: str = "application/json"
    ) -> Answer:
        timestamp, nonce_str = str(int(time.time())), protocol.nonce()
        signature = protocol.sign(merchant.platform_private_pem, f"{timestamp}\n{nonce_str}\n{text}\n")
        headers = {
            "Content-Type": content_type,
            "Request-ID": uuid.uuid4().hex,
            "Wechatpay-Nonce": nonce_str,
            "Wechatpay-Serial": merchant.platform_serial,
            "Wechatpay-Signature": signature,
            "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
            "Wechatpay-Timestamp": timestamp,
        }
        return Answer(status, text.encode(), headers)

    def _json(self, merchant: Merchant | None, obj: Any, status: int = 200) -> Answer:
        text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
        if merchant is None:  # WeChat cannot sign for a caller it does not know
            return Answer(status, text.encode(), {"Content-Type": "application/json"})
        return self._signed(merchant, status, text)

    def _error(self, merchant: Merchant | None, status: int, code: str, message: str) -> Answer:
        return self._json(merchant, {"code": code, "message": message}, status)

    def _prepay(self, p: dict, merchant: Merchant) -> Answer:
        try:
            amount = int(p["amount"]["total"])
            key = (str(p["mchid"]), str(p["out_trade_no"]))
            openid = str(p["payer"]["openid"])
            app_id, notify_url = str(p["appid"]), str(p["notify_url"])
            description, time_expire = str(p["description"]), str(p.get("time_expire", ""))
        except (KeyError, TypeError, ValueError):
            return self._error(merchant, 400, "PARAM_ERROR", "参数错误")
        if key[0] != merchant.mchid:
            return self._error(merchant, 400, "MCH_NOT_EXISTS", "商户号不存在")
        if app_id != merchant.app_id:
            return self._error(merchant, 400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配")
        if amount <= 0 or not openid or not notify_url.startswith("http"):
            return self._error(merchant, 400, "PARAM_ERROR", "参数错误")
        with self.lock:
            existing = self.transactions.get(key)
            if existing is not None:
                if existing.state == "SUCCESS":
                    return self._error(merchant, 403, "ORDERPAID", "该订单已支付")
                if existing.state == "CLOSED":
                    return self._error(merchant, 400, "ORDER_CLOSED", "订单已关闭")
                if existing.amount != amount or existing.description != description:
                    return self._error(merchant, 400, "INVALID_REQUEST", "201 商户订单号重复")
                return self._json(merchant, {"prepay_id": existing.prepay_id})
            prepay_id = "wx" + datetime.now(UTC).strftime("%d%H%M%S") + uuid.uuid4().hex[:24]
            self.transactions[key] = Transaction(
                mchid=key[0],
                app_id=app_id,
                out_trade_no=key[1],
                prepay_id=prepay_id,
                description=description,
                amount=amount,
                payer_openid=openid,
                notify_url=notify_url,
                time_expire=time_expire,
            )
            self.prepays[prepay_id] = key
        return self._json(merchant, {"prepay_id": prepay_id})

    def _transaction_json(self, t: Transaction) -> dict[str, Any]:
        data: dict[str, Any] = {
            "appid": t.app_id,
            "mchid": t.mchid,
            "out_trade_no": t.out_trade_no,
            "trade_state": t.state,
            "trade_state_desc": {
                "NOTPAY": "订单未支付",
                "SUCCESS": "支付成功",
                "CLOSED": "订单已关闭",
                "REFUND": "转入退款",
            }[t.state],
            "attach": "",
            "payer": {"openid": t.payer_openid},
        }
        if t.transaction_id:
            data.update(
                {
                    "transaction_id": t.transaction_id,
                    "trade_type": "JSAPI",
                    "bank_type": "OTHERS",
                    "success_time": t.success_time,
                    "amount": {
                        "total": t.amount,
                        "payer_total": t.amount,
                        "currency": "CNY",
                        "payer_currency": "CNY",
                    },
                }
            )
        else:
            data["amount"] = {"total": t.amount, "currency": "CNY"}
        return data

    def _query(self, merchant: Merchant, out_trade_no: str) -> Answer:
        t = self.transactions.get((merchant.mchid, out_trade_no))
        if t is None:
            return self._error(merchant, 404, "ORDER_NOT_EXIST", "订单不存在")
        return self._json(merchant, self._transaction_json(t))

    def _close(self, merchant: Merchant, out_trade_no: str) -> Answer:
        with self.lock:
            t = self.transactions.get((merchant.mchid, out_trade_no))
            if t is None:
                return self._error(merchant, 404, "ORDER_NOT_EXIST", "订单不存在")
            if t.state in ("SUCCESS", "REFUND"):
                return self._error(merchant, 403, "ORDERPAID", "该订单已支付")
            t.state = "CLOSED"
        return self._signed(merchant, 204, "")

    def _refund(self, p: dict, merchant: Merchant) -> Answer:
        try:
            out_trade_no, out_refund_no = str(p["out_trade_no"]), str(p["out_refund_no"])
            amount, total = int(p["amount"]["refund"]), int(p["amount"]["total"])
            notify_url = str(p.get("notify_url", ""))
        except (KeyError, TypeError, ValueError):
            return self._error(merchant, 400, "PARAM_ERROR", "参数错误")
        with self.lock:
            existing = self.refunds.get((merchant.mchid, out_refund_no))
            if existing is not None:
                return self._json(merchant, self._refund_json(existing))
            t = self.transactions.get((merchant.mchid, out_trade_no))
            if t is None or not t.transaction_id:
                return self._error(merchant, 404, "RESOURCE_NOT_EXISTS", "订单不存在")
            if total != t.amount:
                return self._error(merchant, 400, "PARAM_ERROR", "订单金额与原订单不一致")
            if amount <= 0 or t.refunded + amount > t.amount:
                return self._error(merchant, 403, "NOT_ENOUGH", "退款金额超过可退金额")
            t.refunded += amount
            t.state = "REFUND"
            record = RefundRecord(
                mchid=merchant.mchid,
                out_trade_no=out_trade_no,
                transaction_id=t.transaction_id,
                out_refund_no=out_refund_no,
                refund_id="50" + uuid.uuid4().hex[:26],
                amount=amount,
                total=total,
                notify_url=notify_url,
                create_time=_now_text(),
            )
            self.refunds[(merchant.mchid, out_refund_no)] = record
        if self.refund_delay is not None:
            timer = threading.Timer(self.refund_delay, self.settle_refunds)
            timer.daemon = True
            timer.start()
        return self._json(merchant, self._refund_json(record))

    def _refund_json(self, r: RefundRecord) -> dict[str, Any]:
        data: dict[str, Any] = {
            "refund_id": r.refund_id,
            "out_refund_no": r.out_refund_no,
            "transaction_id": r.transaction_id,
            "out_trade_no": r.out_trade_no,
            "channel": "ORIGINAL",
            "user_received_account": "支付用户零钱",
            "create_time": r.create_time,
            "status": r.status,
            "funds_account": "AVAILABLE",
            "amount": {
                "total": r.total,
                "refund": r.amount,
                "payer_total": r.total,
                "payer_refund": r.amount,
                "settlement_refund": r.amount,
                "settlement_total": r.total,
                "discount_refund": 0,
                "currency": "CNY",
            },
        }
        if r.success_time:
            data["success_time"] = r.success_time
        return data

    def _query_refund(self, merchant: Merchant, out_refund_no: str) -> Answer:
        r = self.refunds.get((merchant.mchid, out_refund_no))
        if r is None:
            return self._error(merchant, 404, "RESOURCE_NOT_EXISTS", "退款单不存在")
        return self._json(merchant, self._refund_json(r))

    def _tradebill(self, merchant: Merchant, query: dict, host: str) -> Answer:
        bill_date = query.get("bill_date", "")
        try:
            day = datetime.strptime(bill_date, "%Y-%m-%d").date()
        except ValueError:
            return self._error(merchant, 400, "PARAM_ERROR", "bill_date 格式错误")
        # A day's bill is published at 10:00 (Shanghai) the next day, as WeChat does.
        published = datetime(day.year, day.month, day.day, 10) + timedelta(days=1)
        if datetime.now(UTC) + SHANGHAI_OFFSET < published.replace(tzinfo=UTC):
            return self._error(merchant, 400, "NO_STATEMENT_EXIST", "账单文件不存在")
        token = uuid.uuid4().hex
        content = self.bill_text(merchant.mchid, bill_date).encode()
        with self.lock:
            self.bill_tokens[token] = (merchant.mchid, content)
        return self._json(
            merchant,
            {
                "hash_type": "SHA1",
                "hash_value": hashlib.sha1(content).hexdigest(),
                "download_url": f"http://{host}/mch/v3/billdownload/file?token={token}",
            },
        )

    def _download(self, merchant: Merchant, query: dict) -> Answer:
        found = self.bill_tokens.get(query.get("token", ""))
        if found is None or found[0] != merchant.mchid:
            return self._error(merchant, 400, "PARAM_ERROR", "token 无效")
        content = found[1]
        return Answer(200, content, {"Content-Type": "application/octet-stream"})

    def bill_rows(self, mchid: str, bill_date: str) -> list[protocol.BillRow]:
        """The day's successful payments and refunds (Asia/Shanghai), plus any rows a test added."""
        rows: list[protocol.BillRow] = []
        with self.lock:
            for t in self.transactions.values():
                if t.mchid == mchid and t.transaction_id and t.success_time.startswith(bill_date):
                    rows.append(
                        protocol.BillRow(
                            trade_time=t.success_time[:19].replace("T", " "),
                            app_id=t.app_id,
                            mchid=mchid,
                            transaction_id=t.transaction_id,
                            out_trade_no=t.out_trade_no,
                            trade_state="SUCCESS",
                            amount=t.amount,
                            refund_id="",
                            out_refund_no="",
                            refund_amount=0,
                            refund_state="",
                            order_amount=t.amount,
                        )
                    )
            for r in self.refunds.values():
                if r.mchid == mchid and r.success_time.startswith(bill_date):
                    rows.append(
                        protocol.BillRow(
                            trade_time=r.success_time[:19].replace("T", " "),
                            app_id="",
                            mchid=mchid,
                            transaction_id=r.transaction_id,
                            out_trade_no=r.out_trade_no,
                            trade_state="REFUND",
                            amount=0,
                            refund_id=r.refund_id,
                            out_refund_no=r.out_refund_no,
                            refund_amount=r.amount,
                            refund_state="SUCCESS",
                            order_amount=0,
                        )
                    )
            rows.extend(self.extra_bill_rows.get((mchid, bill_date), []))
        return sorted(rows, key=lambda r: r.trade_time)

    def bill_text(self, mchid: str, bill_date: str) -> str:
        return protocol.render_trade_bill(self.bill_rows(mchid, bill_date))

    # -- what the customer and WeChat do ----------------------------------------------------------

    def transaction_for_prepay(self, prepay_id: str) -> Transaction | None:
        key = self.prepays.get(prepay_id)
        return self.transactions.get(key) if key else None

    def pay(self, prepay_id: str, *, deliver: bool = True) -> tuple[Transaction, int]:
        """The customer pays in the cashier: mark paid and send the signed, encrypted callback.
        Returns the transaction and the status Siyu answered (0 when not delivered)."""
        with self.lock:
            t = self.transaction_for_prepay(prepay_id)
            if t is None:
                raise KeyError(prepay_id)
            if t.state == "NOTPAY":
                t.state = "SUCCESS"
                t.transaction_id = (
                    "42" + datetime.now(UTC).strftime("%Y%m%d") + uuid.uuid4().int.__str__()[:18]
                )
                t.success_time = _now_text()
        if not deliver:
            return t, 0
        url, body, headers = self.transaction_notification(t)
        return t, self.sender(url, body, headers)

    def transaction_notification(self, t: Transaction) -> tuple[str, bytes, dict[str, str]]:
        resource = self._transaction_json(t)
        return (
            t.notify_url,
            *self.notification(t.mchid, "TRANSACTION.SUCCESS", "支付成功", "transaction", resource),
        )

    def notification(
        self,
        mchid: str,
        event_type: str,
        summary: str,
        original_type: str,
        resource: dict,
        *,
        timestamp: int | None = None,
        notification_id: str | None = None,
    ) -> tuple[bytes, dict[str, str]]:
        """A callback body and headers exactly as WeChat sends them."""
        merchant = self.merchant(mchid)
        if merchant is None:
            raise KeyError(mchid)
        encrypted = protocol.encrypt_resource(
            merchant.apiv3_key,
            json.dumps(resource, ensure_ascii=False, separators=(",", ":")),
            associated_data=original_type,
            nonce_str=protocol.nonce(12),
        )
        envelope = {
            "id": notification_id or str(uuid.uuid4()),
            "create_time": _now_text(timestamp),
            "resource_type": "encrypt-resource",
            "event_type": event_type,
            "summary": summary,
            "resource": {"original_type": original_type, **encrypted},
        }
        text = json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))
        stamp, nonce_str = str(int(time.time()) if timestamp is None else timestamp), protocol.nonce()
        headers = {
            "Content-Type": "application/json",
            "Wechatpay-Nonce": nonce_str,
            "Wechatpay-Serial": merchant.platform_serial,
            "Wechatpay-Signature": protocol.sign(
                merchant.platform_private_pem, f"{stamp}\n{nonce_str}\n{text}\n"
            ),
            "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
            "Wechatpay-Timestamp": stamp,
        }
        return text.encode(), headers

    def settle_refunds(self, *, status: str = "SUCCESS") -> list[int]:
        """WeChat finishes the processing refunds (SUCCESS or ABNORMAL) and sends their callbacks."""
        sent = []
        with self.lock:
            pending = [r for r in self.refunds.values() if r.status == "PROCESSING"]
            for r in pending:
                r.status = status
                if status == "SUCCESS":
                    r.success_time = _now_text()
        for r in pending:
            resource = {
                "mchid": r.mchid,
                "out_trade_no": r.out_trade_no,
                "transaction_id": r.transaction_id,
                "out_refund_no": r.out_refund_no,
                "refund_id": r.refund_id,
                "refund_status": r.status,
                "user_received_account": "支付用户零钱",
                "amount": {
                    "total": r.total,
                    "refund": r.amount,
                    "payer_total": r.total,
                    "payer_refund": r.amount,
                },
            }
            if r.success_time:
                resource["success_time"] = r.success_time
            event = "REFUND.SUCCESS" if status == "SUCCESS" else f"REFUND.{status}"
            body, headers = self.notification(
                r.mchid, event, "退款成功" if status == "SUCCESS" else "退款异常", "refund", resource
            )
            if r.notify_url:
                sent.append(self.sender(r.notify_url, body, headers))
        return sent

    def notify_path(self, url: str) -> str:
        """The path (and query) of a notify_url, for tests that deliver through a test client."""
        parts = urlsplit(url)
        return parts.path + (f"?{parts.query}" if parts.query else "")
