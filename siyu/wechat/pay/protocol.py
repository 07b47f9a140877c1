"""WeChat Pay APIv3 on the wire: signatures, AEAD resources, requestPayment params and the trade bill.

Pure functions over strings and bytes (no Django), shared by Siyu's client and the sandbox's fake
WeChat Pay, so both sides of every test speak exactly the documented format:

- Request signature (merchant private key, RSA-SHA256, PKCS#1 v1.5), sent as::

      Authorization: WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",signature="…",
                     timestamp="…",serial_no="…"      (one line)

  over ``METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nBODY\\n`` (BODY empty for GET).
- Response and callback signature (platform key): ``Wechatpay-Signature`` over
  ``TIMESTAMP\\nNONCE\\nBODY\\n`` with ``Wechatpay-Timestamp``, ``-Nonce``, ``-Serial``.
- ``resource`` of a callback: AEAD_AES_256_GCM with the 32-byte APIv3 key, the nonce and the
  associated data given in clear, ciphertext base64 (tag appended).
- ``requestPayment`` paySign: RSA-SHA256 over ``appId\\ntimeStamp\\nnonceStr\\npackage\\n``.

The RSA and AES primitives are ``wechatpayv3.utils`` (the library's own, so the byte format is the one
its users run against WeChat); its ``WeChatPay`` client is not used, see docs/wechat/pay.md.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import secrets
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from wechatpayv3 import utils as wxp

SCHEMA = "WECHATPAY2-SHA256-RSA2048"
BILL_HEADER = (
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,"
    "货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,"
    "商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注"
)
BILL_SUMMARY_HEADER = (
    "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"
)


def nonce(length: int = 32) -> str:
    """A random alphanumeric nonce (WeChat accepts up to 32 characters)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(length))


@lru_cache(maxsize=64)
def private_key(pem: str) -> rsa.RSAPrivateKey:
    return wxp.load_private_key(pem)


@lru_cache(maxsize=64)
def public_key(pem: str) -> rsa.RSAPublicKey:
    return wxp.load_public_key(pem)


def generate_keypair() -> tuple[str, str]:
    """A fresh RSA-2048 keypair as (private PKCS#8 PEM, public SubjectPublicKeyInfo PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private_pem, public_pem


def sign(private_pem: str, message: str) -> str:
    """base64 RSA-SHA256 (PKCS#1 v1.5) signature of ``message`` with the PEM private key."""
    return wxp.rsa_sign(private_key(private_pem), message)


def verify(public_pem: str, *, timestamp: str, nonce_str: str, body: str, signature: str) -> bool:
    """Whether ``signature`` is the platform's over ``timestamp\\nnonce\\nbody\\n``."""
    try:
        key = public_key(public_pem)
    except Exception:  # a malformed configured key: nothing can verify against it
        return False
    return wxp.rsa_verify(timestamp, nonce_str, body, signature, key)


def request_message(*, method: str, path: str, timestamp: str, nonce_str: str, body: str) -> str:
    return f"{method}\n{path}\n{timestamp}\n{nonce_str}\n{body}\n"


def authorization(
    *,
    method: str,
    path: str,
    body: str,
    mchid: str,
    serial_no: str,
    private_pem: str,
    timestamp: str,
    nonce_str: str,
) -> str:
    """The ``Authorization`` header of a request to ``path`` (with its query string)."""
    signature = sign(
        private_pem,
        request_message(method=method, path=path, timestamp=timestamp, nonce_str=nonce_str, body=body),
    )
    return (
        f'{SCHEMA} mchid="{mchid}",nonce_str="{nonce_str}",signature="{signature}",'
        f'timestamp="{timestamp}",serial_no="{serial_no}"'
    )


def parse_authorization(header: str) -> dict[str, str] | None:
    """The fields of an ``Authorization`` header, or None when it is not WECHATPAY2-SHA256-RSA2048."""
    schema, _, rest = header.partition(" ")
    if schema != SCHEMA:
        return None
    fields: dict[str, str] = {}
    for part in rest.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep or len(value) < 2 or not (value.startswith('"') and value.endswith('"')):
            return None
        fields[key] = value[1:-1]
    required = {"mchid", "nonce_str", "signature", "timestamp", "serial_no"}
    return fields if required <= fields.keys() else None


def verify_request(public_pem: str, *, method: str, path: str, body: str, fields: dict[str, str]) -> bool:
    """Whether a parsed Authorization's signature is the merchant's over this request."""
    message = request_message(
        method=method, path=path, timestamp=fields["timestamp"], nonce_str=fields["nonce_str"], body=body
    )
    try:
        key = public_key(public_pem)
    except Exception:
        return False
    # rsa_verify signs "a\nb\nc\n"; a request message has five lines, so verify it directly.
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from cryptography.hazmat.primitives.hashes import SHA256

    try:
        key.verify(base64.b64decode(fields["signature"]), message.encode(), PKCS1v15(), SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def decrypt_resource(apiv3_key: str, resource: dict[str, Any]) -> str | None:
    """The plaintext of an AEAD_AES_256_GCM ``resource``, or None when it does not authenticate."""
    if resource.get("algorithm") != "AEAD_AES_256_GCM" or len(apiv3_key.encode()) != 32:
        return None
    try:
        return wxp.aes_decrypt(
            nonce=str(resource["nonce"]),
            ciphertext=str(resource["ciphertext"]),
            associated_data=str(resource.get("associated_data") or ""),
            apiv3_key=apiv3_key,
        )
    except (KeyError, ValueError, TypeError):
        return None


def encrypt_resource(
    apiv3_key: str, plaintext: str, *, associated_data: str, nonce_str: str
) -> dict[str, str]:
    """A ``resource`` object as WeChat sends it (the sandbox's side of ``decrypt_resource``)."""
    ciphertext = AESGCM(apiv3_key.encode()).encrypt(
        nonce_str.encode(), plaintext.encode(), associated_data.encode()
    )
    return {
        "algorithm": "AEAD_AES_256_GCM",
        "ciphertext": base64.b64encode(ciphertext).decode(),
        "associated_data": associated_data,
        "nonce": nonce_str,
    }


def request_payment_params(
    *, private_pem: str, app_id: str, prepay_id: str, timestamp: str, nonce_str: str
) -> dict:
    """The ``wx.requestPayment`` / ``getBrandWCPayRequest`` parameters, paySign signed by the merchant."""
    package = f"prepay_id={prepay_id}"
    pay_sign = sign(private_pem, f"{app_id}\n{timestamp}\n{nonce_str}\n{package}\n")
    return {
        "appId": app_id,
        "timeStamp": timestamp,
        "nonceStr": nonce_str,
        "package": package,
        "signType": "RSA",
        "paySign": pay_sign,
    }


def dumps(obj: Any) -> str:
    """A JSON body as Siyu sends it (compact, UTF-8 text): the signature covers exactly these bytes."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


# The trade bill ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BillRow:
    """One line of a trade bill (账单): amounts are fen, converted from the bill's yuan."""

    trade_time: str
    app_id: str
    mchid: str
    transaction_id: str
    out_trade_no: str
    trade_state: str  # SUCCESS, REFUND, REVOKED
    amount: int  # 应结订单金额
    refund_id: str
    out_refund_no: str
    refund_amount: int
    refund_state: str
    order_amount: int  # 订单金额


def _yuan(text: str) -> int:
    text = text.strip()
    return int(Decimal(text or "0") * 100)


def _fen_text(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def parse_trade_bill(text: str) -> list[BillRow]:
    """The rows of a trade bill (the CSV ``download_url`` serves): every value starts with a backtick,
    and a summary block follows the rows after its own header line."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != BILL_HEADER:
        raise ValueError("not a trade bill")
    rows: list[BillRow] = []
    for values in csv.reader(lines[1:]):
        if not values:
            continue
        if ",".join(values).strip() == BILL_SUMMARY_HEADER:
            break
        cells = [v.strip().removeprefix("`") for v in values]
        if len(cells) < 26:
            raise ValueError(f"a bill row has {len(cells)} columns")
        rows.append(
            BillRow(
                trade_time=cells[0],
                app_id=cells[1],
                mchid=cells[2],
                transaction_id=cells[5],
                out_trade_no=cells[6],
                trade_state=cells[9],
                amount=_yuan(cells[12]),
                refund_id=cells[14],
                out_refund_no=cells[15],
                refund_amount=_yuan(cells[16]),
                refund_state=cells[19],
                order_amount=_yuan(cells[24]),
            )
        )
    return rows


def render_trade_bill(rows: list[BillRow]) -> str:
    """A trade bill in WeChat's format (the sandbox serves this; ``parse_trade_bill`` reads it)."""
    out = io.StringIO()
    out.write(BILL_HEADER + "\r\n")
    for r in rows:
        cells = [
            r.trade_time,
            r.app_id,
            r.mchid,
            "0",
            "",
            r.transaction_id,
            r.out_trade_no,
            "",
            "JSAPI",
            r.trade_state,
            "OTHERS",
            "CNY",
            _fen_text(r.amount),
            "0.00",
            r.refund_id,
            r.out_refund_no,
            _fen_text(r.refund_amount),
            "0.00",
            "ORIGINAL" if r.refund_id else "",
            r.refund_state,
            "",
            "",
            _fen_text(r.amount * 6 // 1000),
            "0.60%",
            _fen_text(r.order_amount),
            _fen_text(r.refund_amount),
            "",
        ]
        out.write(",".join("`" + c for c in cells) + "\r\n")
    out.write(BILL_SUMMARY_HEADER + "\r\n")
    settled = sum(r.amount for r in rows if r.trade_state == "SUCCESS")
    refunded = sum(r.refund_amount for r in rows)
    total = sum(r.order_amount for r in rows if r.trade_state == "SUCCESS")
    summary = [
        str(len(rows)),
        _fen_text(settled),
        _fen_text(refunded),
        "0.00",
        "0.00",
        _fen_text(total),
        _fen_text(refunded),
    ]
    out.write(",".join("`" + c for c in summary) + "\r\n")
    return out.getvalue()
