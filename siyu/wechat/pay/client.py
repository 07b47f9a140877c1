"""Siyu's WeChat Pay APIv3 client for one merchant's ``wechat_pay`` account.

Every request is signed (``protocol.authorization``) and every 2xx answer that carries a body is
verified against the platform public key before Siyu believes it: an answer that does not verify is
treated like no answer (``PayResponseUnverified``), so a man in the middle cannot mark an order paid
through the query. Non-2xx answers raise ``PayApiError`` with WeChat's ``code`` (e.g. ORDERPAID,
ORDER_NOT_EXIST, NO_STATEMENT_EXIST).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from django.conf import settings

from siyu.wechat.http import base_url
from siyu.wechat.models import WeChatAccount
from siyu.wechat.pay import protocol
from siyu.wechat.pay.errors import PayApiError, PayNotConfigured, PayResponseUnverified

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10


def notify_url(mchid: str, kind: str = "notify") -> str:
    """Siyu's public callback URL for this merchant number (``notify`` or ``refund-notify``)."""
    return f"{settings.SIYU_PUBLIC_URL.rstrip('/')}/wechat/pay/{mchid}/{kind}"


def platform_serial(account: WeChatAccount) -> str:
    """The serial the platform signs with: the public-key id (PUB_KEY_ID_…) or the certificate serial."""
    config = account.config or {}
    return str(config.get("platform_public_key_id") or config.get("platform_serial") or "")


class PayClient:
    def __init__(self, account: WeChatAccount) -> None:
        self.account = account
        self.mchid = account.app_id
        self.app_id = str((account.config or {}).get("app_id", ""))
        self.serial_no = str((account.config or {}).get("serial_no", ""))
        self.private_pem = account.secret("private_key")
        self.platform_pem = account.secret("platform_public_key")
        self.base = base_url(account, "mch").rstrip("/")
        if not (self.private_pem and self.platform_pem and self.serial_no and platform_serial(account)):
            raise PayNotConfigured(detail={"mchid": self.mchid})

    # -- the endpoints Siyu uses ------------------------------------------------------------------

    def jsapi_prepay(
        self, *, out_trade_no: str, description: str, amount: int, payer_openid: str, time_expire: str
    ) -> str:
        """POST /v3/pay/transactions/jsapi: the prepay_id the client pays with."""
        data = self._call(
            "POST",
            "/v3/pay/transactions/jsapi",
            payload={
                "appid": self.app_id,
                "mchid": self.mchid,
                "description": description[:127],
                "out_trade_no": out_trade_no,
                "time_expire": time_expire,
                "notify_url": notify_url(self.mchid),
                "amount": {"total": amount, "currency": "CNY"},
                "payer": {"openid": payer_openid},
            },
        )
        return str(data["prepay_id"])

    def query_order(self, out_trade_no: str) -> dict[str, Any]:
        """GET /v3/pay/transactions/out-trade-no/{no}?mchid=: the transaction as WeChat sees it."""
        return self._call(
            "GET", f"/v3/pay/transactions/out-trade-no/{out_trade_no}", query={"mchid": self.mchid}
        )

    def close_order(self, out_trade_no: str) -> None:
        """POST /v3/pay/transactions/out-trade-no/{no}/close (204): no payment can succeed after it."""
        self._call(
            "POST", f"/v3/pay/transactions/out-trade-no/{out_trade_no}/close", payload={"mchid": self.mchid}
        )

    def refund(self, *, out_trade_no: str, out_refund_no: str, amount: int, total: int) -> dict[str, Any]:
        """POST /v3/refund/domestic/refunds: status SUCCESS, PROCESSING, CLOSED or ABNORMAL."""
        return self._call(
            "POST",
            "/v3/refund/domestic/refunds",
            payload={
                "out_trade_no": out_trade_no,
                "out_refund_no": out_refund_no,
                "notify_url": notify_url(self.mchid, "refund-notify"),
                "amount": {"refund": amount, "total": total, "currency": "CNY"},
            },
        )

    def query_refund(self, out_refund_no: str) -> dict[str, Any]:
        return self._call("GET", f"/v3/refund/domestic/refunds/{out_refund_no}")

    def trade_bill(self, bill_date: str) -> str:
        """The trade bill (CSV text) of one day: /v3/bill/tradebill, then its download_url, hash checked."""
        meta = self._call("GET", "/v3/bill/tradebill", query={"bill_date": bill_date, "bill_type": "ALL"})
        content = self._download(str(meta["download_url"]))
        expected = str(meta.get("hash_value", "")).lower()
        if meta.get("hash_type") == "SHA1" and hashlib.sha1(content).hexdigest() != expected:
            raise PayResponseUnverified(detail={"bill_date": bill_date, "reason": "hash"})
        return content.decode("utf-8")

    # -- transport --------------------------------------------------------------------------------

    def _signed_headers(self, method: str, path: str, body: str) -> dict[str, str]:
        return {
            "Authorization": protocol.authorization(
                method=method,
                path=path,
                body=body,
                mchid=self.mchid,
                serial_no=self.serial_no,
                private_pem=self.private_pem,
                timestamp=str(int(time.time())),
                nonce_str=protocol.nonce(),
            ),
            "Accept": "application/json",
            "Content-Type": "application/json",
            "User-Agent": "siyu-wechatpay/1",
            "Wechatpay-Serial": platform_serial(self.account),
        }

    def _call(
        self, method: str, path: str, *, query: dict[str, str] | None = None, payload: dict | None = None
    ) -> dict[str, Any]:
        full_path = f"{path}?{urlencode(query)}" if query else path
        body = protocol.dumps(payload) if payload is not None else ""
        headers = self._signed_headers(method, full_path, body)
        try:
            response = requests.request(
                method,
                self.base + full_path,
                data=body.encode() if body else None,
                headers=headers,
                timeout=TIMEOUT_SECONDS,
            )
        except requests.RequestException as exc:
            raise PayApiError(detail={"path": path, "code": "NETWORK", "message": str(exc)[:200]}) from exc
        text = response.content.decode("utf-8", errors="replace")
        if not 200 <= response.status_code < 300:
            try:
                error = json.loads(text)
            except ValueError:
                error = {}
            log.warning("wechat pay %s %s -> %s %s", method, path, response.status_code, text[:300])
            raise PayApiError(
                detail={
                    "path": path,
                    "status": response.status_code,
                    "code": str(error.get("code", "")),
                    "message": str(error.get("message", ""))[:200],
                }
            )
        self._verify(response, text)
        return json.loads(text) if text else {}

    def _verify(self, response: requests.Response, text: str) -> None:
        h = response.headers
        serial = h.get("Wechatpay-Serial", "")
        ok = serial == platform_serial(self.account) and protocol.verify(
            self.platform_pem,
            timestamp=h.get("Wechatpay-Timestamp", ""),
            nonce_str=h.get("Wechatpay-Nonce", ""),
            body=text,
            signature=h.get("Wechatpay-Signature", ""),
        )
        if not ok:
            log.warning("wechat pay answer failed verification (serial %r)", serial)
            raise PayResponseUnverified(detail={"serial": serial})

    def _download(self, url: str) -> bytes:
        # The download answer is the file itself, not signed: its hash (from the signed tradebill
        # answer) is what proves it. The request is signed over the URL's path and query.
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = self._signed_headers("GET", path, "")
        try:
            response = requests.get(url, headers=headers, timeout=TIMEOUT_SECONDS)
        except requests.RequestException as exc:
            raise PayApiError(
                detail={"path": parts.path, "code": "NETWORK", "message": str(exc)[:200]}
            ) from exc
        if response.status_code != 200:
            raise PayApiError(detail={"path": parts.path, "status": response.status_code, "code": "DOWNLOAD"})
        return response.content
