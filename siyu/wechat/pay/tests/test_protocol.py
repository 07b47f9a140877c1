"""The WeChat Pay v3 wire format: signatures, the Authorization header, AEAD resources, the bill."""

from __future__ import annotations

import base64
import json
import re

import pytest
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.hashes import SHA256

from siyu.testing.wechat_pay import KEYS
from siyu.wechat.pay import protocol

APIV3_KEY = "0123456789abcdef0123456789abcdef"


def test_authorization_header_has_the_exact_documented_shape_and_signs_the_five_lines():
    header = protocol.authorization(
        method="POST",
        path="/v3/pay/transactions/jsapi",
        body='{"a":1}',
        mchid="1900000001",
        serial_no="5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
        private_pem=KEYS.merchant_private,
        timestamp="1554208460",
        nonce_str="593BEC0C930BF1AFEB40B4A08C8FB242",
    )
    match = re.fullmatch(
        r'WECHATPAY2-SHA256-RSA2048 mchid="1900000001",nonce_str="593BEC0C930BF1AFEB40B4A08C8FB242",'
        r'signature="([A-Za-z0-9+/=]+)",timestamp="1554208460",serial_no="5157F09EFDC096DE15EBE81A47057A7232F1B8E1"',
        header,
    )
    assert match
    message = b'POST\n/v3/pay/transactions/jsapi\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n{"a":1}\n'
    protocol.public_key(KEYS.merchant_public).verify(
        base64.b64decode(match[1]), message, PKCS1v15(), SHA256()
    )
    fields = protocol.parse_authorization(header)
    assert fields is not None and fields["mchid"] == "1900000001"
    assert protocol.verify_request(
        KEYS.merchant_public, method="POST", path="/v3/pay/transactions/jsapi", body='{"a":1}', fields=fields
    )
    assert not protocol.verify_request(
        KEYS.merchant_public, method="POST", path="/v3/pay/transactions/jsapi", body='{"a":2}', fields=fields
    )
    assert protocol.parse_authorization("Bearer x") is None
    assert protocol.parse_authorization('WECHATPAY2-SHA256-RSA2048 mchid="1"') is None


def test_platform_signature_verifies_only_the_exact_timestamp_nonce_and_body():
    sig = protocol.sign(KEYS.platform_private, "1700000000\nNONCE\n{}\n")
    assert protocol.verify(
        KEYS.platform_public, timestamp="1700000000", nonce_str="NONCE", body="{}", signature=sig
    )
    assert not protocol.verify(
        KEYS.platform_public, timestamp="1700000001", nonce_str="NONCE", body="{}", signature=sig
    )
    assert not protocol.verify(
        KEYS.platform_public, timestamp="1700000000", nonce_str="NONCE", body="{ }", signature=sig
    )
    assert not protocol.verify(
        KEYS.merchant_public, timestamp="1700000000", nonce_str="NONCE", body="{}", signature=sig
    )
    assert not protocol.verify(KEYS.platform_public, timestamp="1", nonce_str="N", body="{}", signature="%%%")


def test_resource_round_trips_and_any_tampering_fails_authentication():
    resource = protocol.encrypt_resource(
        APIV3_KEY,
        '{"out_trade_no":"P1","amount":{"total":100}}',
        associated_data="transaction",
        nonce_str="abcdefghijkl",
    )
    assert resource["algorithm"] == "AEAD_AES_256_GCM"
    assert protocol.decrypt_resource(APIV3_KEY, resource) == '{"out_trade_no":"P1","amount":{"total":100}}'
    assert protocol.decrypt_resource("1" * 32, resource) is None
    assert protocol.decrypt_resource(APIV3_KEY, {**resource, "associated_data": "refund"}) is None
    raw = bytearray(base64.b64decode(resource["ciphertext"]))
    raw[0] ^= 1
    assert (
        protocol.decrypt_resource(APIV3_KEY, {**resource, "ciphertext": base64.b64encode(raw).decode()})
        is None
    )
    assert protocol.decrypt_resource(APIV3_KEY, {**resource, "algorithm": "AES_256_CBC"}) is None
    assert protocol.decrypt_resource("short", resource) is None


def test_request_payment_params_are_signed_over_the_four_lines():
    params = protocol.request_payment_params(
        private_pem=KEYS.merchant_private,
        app_id="wx8888888888888888",
        prepay_id="wx2017033010242291fcfe0db70013231072",
        timestamp="1414561699",
        nonce_str="5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
    )
    assert {k: v for k, v in params.items() if k != "paySign"} == {
        "appId": "wx8888888888888888",
        "timeStamp": "1414561699",
        "nonceStr": "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
        "package": "prepay_id=wx2017033010242291fcfe0db70013231072",
        "signType": "RSA",
    }
    message = (
        b"wx8888888888888888\n1414561699\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\n"
        b"prepay_id=wx2017033010242291fcfe0db70013231072\n"
    )
    protocol.public_key(KEYS.merchant_public).verify(
        base64.b64decode(params["paySign"]), message, PKCS1v15(), SHA256()
    )


BILL = (
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,"
    "应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,"
    "手续费,费率,订单金额,申请退款金额,费率备注\r\n"
    "`2026-12-06 10:00:01,`wx8888888888888888,`1900000001,`0,`,`4200000001202612060000000001,`P0001,"
    "`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,`JSAPI,`SUCCESS,`OTHERS,`CNY,`12.34,`0.00,`0,`0,`0.00,`0.00,`,`,`茶,`,"
    "`0.07,`0.60%,`12.34,`0.00,`\r\n"
    "`2026-12-06 11:00:00,`wx8888888888888888,`1900000001,`0,`,`4200000001202612060000000001,`P0001,"
    "`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,`JSAPI,`REFUND,`OTHERS,`CNY,`0.00,`0.00,`50000000012026120600000000001,"
    "`R0001,`5.00,`0.00,`ORIGINAL,`SUCCESS,`茶,`,`-0.03,`0.60%,`0.00,`5.00,`\r\n"
    "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\r\n"
    "`2,`12.34,`5.00,`0.00,`0.04,`12.34,`5.00\r\n"
)


def test_trade_bill_in_wechat_format_parses_to_fen():
    rows = protocol.parse_trade_bill(BILL)
    assert [(r.out_trade_no, r.trade_state, r.amount, r.out_refund_no, r.refund_amount) for r in rows] == [
        ("P0001", "SUCCESS", 1234, "0", 0),
        ("P0001", "REFUND", 0, "R0001", 500),
    ]
    assert rows[0].transaction_id == "4200000001202612060000000001"
    assert protocol.parse_trade_bill(protocol.render_trade_bill(rows)) == rows
    with pytest.raises(ValueError):
        protocol.parse_trade_bill("a,b\r\n")


def test_json_body_is_compact_utf8():
    assert protocol.dumps({"description": "订单 A1", "amount": {"total": 1}}) == json.dumps(
        {"description": "订单 A1", "amount": {"total": 1}}, ensure_ascii=False, separators=(",", ":")
    )
