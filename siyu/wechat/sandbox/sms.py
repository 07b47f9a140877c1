"""The fake Tencent Cloud SMS (API 2021-01-11) under ``/sms``, and its phone page ``/ui/sms``.

Tencent's side of siyu/reach/channels/sms.py. ``POST /sms`` answers the actions ``SendSms`` and
``PullSmsSendStatusByPhoneNumber`` (``X-TC-Action``) after checking the TC3-HMAC-SHA256
``Authorization`` byte for byte against the SecretKey of the account named by its SecretId
(``app.register_account("sms", secret_id, {"secret_key": ...}, {"sms_sdk_app_id": ..., ...})`` or
the account loader), with Tencent's error shape for a bad one (``AuthFailure.SignatureFailure``,
``AuthFailure.SignatureExpire``, ``AuthFailure.SecretIdNotFound``).

Each text it accepts is delivered to ``app.inbox`` (channel ``sms``) and kept with its
SessionContext for the pull. Reports are SUCCESS at once unless the phone is in
``app.state["sms_fail"]`` (phone -> error code). When the account's config names
``status_callback``/``reply_callback`` (a path under ``app.siyu_url`` or a full URL), the fake pushes
the status report after each send, and the page's 回复 box posts a reply, as Tencent does.

State (``app.state``, under ``app.lock``): ``sms_sent`` list of dicts (serial, phone, account,
template, params, session_context, sign, at, report_status); ``sms_requests`` every request body
accepted (for tests that assert exact requests).
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import secrets
import threading
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from siyu.wechat.sandbox.base import FakeRequest, FakeResponse, FakeWeChat, InboxItem, html_response, page

KIND = "sms"
SERVICE = "sms"
ALGORITHM = "TC3-HMAC-SHA256"
MAX_SKEW_SECONDS = 300
DEFAULT_PARAM_MAX_CHARS = 12


# --- TC3-HMAC-SHA256, written from Tencent's "Signature v3" page ----------------------------------------


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def tc3_signature(
    *,
    secret_key: str,
    service: str,
    timestamp: int,
    content_type: str,
    host: str,
    body: bytes,
    method: str = "POST",
) -> str:
    """The hex signature Tencent computes for a POST with the headers content-type and host signed."""
    canonical = "\n".join(
        [
            method,
            "/",
            "",
            f"content-type:{content_type}\nhost:{host}\n",
            "content-type;host",
            hashlib.sha256(body).hexdigest(),
        ]
    )
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    scope = f"{date}/{service}/tc3_request"
    to_sign = "\n".join([ALGORITHM, str(timestamp), scope, hashlib.sha256(canonical.encode()).hexdigest()])
    signing = _hmac(_hmac(_hmac(("TC3" + secret_key).encode(), date), service), "tc3_request")
    return hmac.new(signing, to_sign.encode(), hashlib.sha256).hexdigest()


def parse_authorization(value: str) -> dict[str, str]:
    """``TC3-HMAC-SHA256 Credential=ID/date/service/tc3_request, SignedHeaders=..., Signature=...``."""
    algorithm, _, rest = value.partition(" ")
    fields = {"algorithm": algorithm}
    for part in rest.split(","):
        name, _, content = part.strip().partition("=")
        fields[name] = content
    return fields


def tencent_response(body: dict[str, Any]) -> FakeResponse:
    # Exactly "application/json": the SDK only reads Response.Error under that content type.
    payload = {"Response": {**body, "RequestId": secrets.token_hex(16)}}
    return FakeResponse(
        200, json.dumps(payload, ensure_ascii=False).encode(), {"Content-Type": "application/json"}
    )


def tencent_error(code: str, message: str) -> FakeResponse:
    return tencent_response({"Error": {"Code": code, "Message": message}})


def _callback_url(app: FakeWeChat, target: str) -> str:
    return target if target.startswith(("http://", "https://")) else f"{app.siyu_url}{target}"


def install(app: FakeWeChat) -> None:
    api = app.service("/sms")
    ui = app.service("/ui/sms")
    app.add_ui_link("短信 SMS", "/ui/sms/")

    def authenticate(request: FakeRequest) -> tuple[Any, FakeResponse | None]:
        auth = parse_authorization(request.headers.get("authorization", ""))
        credential = auth.get("Credential", "").split("/")
        if (
            auth.get("algorithm") != ALGORITHM
            or len(credential) != 4
            or auth.get("SignedHeaders") != "content-type;host"
        ):
            return None, tencent_error(
                "AuthFailure.SignatureFailure", "The provided credentials could not be validated."
            )
        secret_id, date, service, _ = credential
        account = app.account(KIND, secret_id)
        if account is None:
            return None, tencent_error("AuthFailure.SecretIdNotFound", "The SecretId is not found.")
        try:
            timestamp = int(request.headers.get("x-tc-timestamp", ""))
        except ValueError:
            return None, tencent_error("AuthFailure.SignatureFailure", "X-TC-Timestamp is missing.")
        if abs(time.time() - timestamp) > MAX_SKEW_SECONDS:
            return None, tencent_error("AuthFailure.SignatureExpire", "The signature expired.")
        expected = tc3_signature(
            secret_key=account.secrets.get("secret_key", ""),
            service=service,
            timestamp=timestamp,
            content_type=request.headers.get("content-type", ""),
            host=request.headers.get("host", ""),
            body=request.body,
        )
        if service != SERVICE or date != datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d"):
            return None, tencent_error("AuthFailure.SignatureFailure", "The credential scope does not match.")
        if not hmac.compare_digest(expected, auth.get("Signature", "")):
            return None, tencent_error(
                "AuthFailure.SignatureFailure", "The provided credentials could not be validated."
            )
        return account, None

    @api.route("POST", "/")
    def action(request: FakeRequest) -> FakeResponse:
        account, refused = authenticate(request)
        if refused is not None:
            return refused
        if request.headers.get("x-tc-version") != "2021-01-11":
            return tencent_error("InvalidParameter", "Version 2021-01-11 is expected.")
        try:
            body = request.json()
        except ValueError:
            return tencent_error("InvalidParameter", "The body is not JSON.")
        name = request.headers.get("x-tc-action", "")
        if name == "SendSms":
            return send_sms(account, body)
        if name == "PullSmsSendStatusByPhoneNumber":
            return pull_status(account, body)
        return tencent_error("InvalidAction", f"The action {name} is not in the sandbox.")

    def send_sms(account: Any, body: dict[str, Any]) -> FakeResponse:
        config = account.config
        if str(body.get("SmsSdkAppId", "")) != str(config.get("sms_sdk_app_id", "")):
            return tencent_error(
                "FailedOperation.SmsSdkAppIdVerifyFail", "SmsSdkAppId does not belong to the key."
            )
        signs = config.get("signs")
        if signs and body.get("SignName") not in signs:
            return tencent_error(
                "FailedOperation.SignatureIncorrectOrUnapproved", "The signature is not approved."
            )
        params = [str(p) for p in body.get("TemplateParamSet") or []]
        limit = int(config.get("param_max_chars", DEFAULT_PARAM_MAX_CHARS))
        if limit and any(len(p) > limit for p in params):
            return tencent_error(
                "InvalidParameterValue.TemplateParameterLengthLimit",
                f"A template parameter is longer than {limit} characters.",
            )
        phones = [str(p) for p in body.get("PhoneNumberSet") or []]
        if not phones or len(phones) > 200:
            return tencent_error(
                "InvalidParameterValue.IncorrectPhoneNumber", "PhoneNumberSet holds 1 to 200 numbers."
            )
        sign, template_id = str(body.get("SignName", "")), str(body.get("TemplateId", ""))
        context = str(body.get("SessionContext", ""))
        statuses, reports = [], []
        with app.lock:
            app.state.setdefault("sms_requests", []).append(body)
            failing = dict(app.state.get("sms_fail", {}))
        for phone in phones:
            if not (phone.startswith("+") and phone[1:].isdigit() and 8 <= len(phone) <= 16):
                statuses.append(
                    _status("", phone, context, "InvalidParameterValue.IncorrectPhoneNumber", "bad number")
                )
                continue
            serial = f"2640:{secrets.token_hex(12)}"
            text = _text(config, sign, template_id, params)
            fail = failing.get(phone, "")
            record = {
                "serial": serial,
                "phone": phone,
                "account": account.app_id,
                "template": template_id,
                "params": params,
                "session_context": context,
                "sign": sign,
                "text": text,
                "at": time.time(),
                "report_status": "FAIL" if fail else "SUCCESS",
                "description": fail or "用户短信送达成功",
            }
            with app.lock:
                app.state.setdefault("sms_sent", []).append(record)
            app.deliver(
                InboxItem(
                    KIND,
                    phone,
                    f"【{sign}】",
                    text,
                    record["at"],
                    serial,
                    {"template": template_id, "params": params},
                )
            )
            statuses.append(_status(serial, phone, context, "Ok", "send success"))
            reports.append(record)
        if reports and config.get("status_callback"):
            url = _callback_url(app, str(config["status_callback"]))
            threading.Thread(target=push_status, args=(app, url, reports), daemon=True).start()
        return tencent_response({"SendStatusSet": statuses})

    def pull_status(account: Any, body: dict[str, Any]) -> FakeResponse:
        if str(body.get("SmsSdkAppId", "")) != str(account.config.get("sms_sdk_app_id", "")):
            return tencent_error(
                "FailedOperation.SmsSdkAppIdVerifyFail", "SmsSdkAppId does not belong to the key."
            )
        phone = str(body.get("PhoneNumber", ""))
        begin, end = int(body.get("BeginTime", 0)), int(body.get("EndTime", 0) or time.time())
        offset, limit = int(body.get("Offset", 0)), min(int(body.get("Limit", 100)), 100)
        with app.lock:
            rows = [
                r
                for r in app.state.get("sms_sent", [])
                if r["account"] == account.app_id and r["phone"] == phone and begin <= r["at"] <= end
            ]
        found = [
            {
                "UserReceiveTime": int(r["at"]),
                "CountryCode": "86",
                "SubscriberNumber": r["phone"].removeprefix("+86"),
                "PhoneNumber": r["phone"],
                "SerialNo": r["serial"],
                "ReportStatus": r["report_status"],
                "Description": r["description"],
                "SessionContext": r["session_context"],
            }
            for r in rows[offset : offset + limit]
        ]
        return tencent_response({"PullSmsSendStatusSet": found})

    @ui.route("GET", "/")
    def phones(request: FakeRequest) -> FakeResponse:
        with app.lock:
            sent = list(app.state.get("sms_sent", []))
            replies = list(app.state.get("sms_replies", []))
        by_phone: dict[str, list[dict[str, Any]]] = {}
        for row in sent:
            by_phone.setdefault(row["phone"], []).append(row)
        cards = []
        for phone, rows in sorted(by_phone.items()):
            texts = "".join(
                f"<tr><td>{time.strftime('%m-%d %H:%M', time.localtime(r['at']))}</td>"
                f"<td>【{html.escape(r['sign'])}】{html.escape(r['text'])}</td></tr>"
                for r in rows
            )
            answered = "".join(
                f"<p><small>回复 {html.escape(r['text'])} → {r['status']}</small></p>"
                for r in replies
                if r["phone"] == phone
            )
            cards.append(
                f"<div class='card'><b>{html.escape(phone)}</b><table>{texts}</table>{answered}"
                f"<form method='post' action='/ui/sms/{quote(phone)}/reply'><input name='text' "
                "placeholder='回复 (T 退订)'><button>回复</button></form></div>"
            )
        return html_response(page("短信 SMS", "".join(cards) or "<div class='card'><p>—</p></div>"))

    @ui.route("POST", "/{phone}/reply")
    def reply(request: FakeRequest) -> FakeResponse:
        phone = request.params["phone"]
        text = request.form().get("text", "")
        status = post_reply(app, phone, text)
        return html_response(
            page("短信 SMS", f"<div class='card'><p>→ {status}</p><a class='btn' href='/ui/sms/'>←</a></div>")
        )


def _status(serial: str, phone: str, context: str, code: str, message: str) -> dict[str, Any]:
    return {
        "SerialNo": serial,
        "PhoneNumber": phone,
        "Fee": 1 if code == "Ok" else 0,
        "SessionContext": context,
        "Code": code,
        "Message": message,
        "IsoCode": "CN",
    }


def _text(config: dict[str, Any], sign: str, template_id: str, params: list[str]) -> str:
    """The text as the phone shows it: the template's wording when the account knows it ({1}, {2}...)."""
    wording = (config.get("templates") or {}).get(template_id)
    if not wording:
        return " ".join(params) or f"#{template_id}"
    for index, value in enumerate(params, start=1):
        wording = wording.replace(f"{{{index}}}", value)
    return wording


def status_report(record: dict[str, Any]) -> dict[str, Any]:
    """One entry of Tencent's 状态回执 push (a JSON array of these)."""
    return {
        "user_receive_time": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(record["at"] + 8 * 3600)),
        "nationcode": "86",
        "mobile": record["phone"].removeprefix("+86"),
        "report_status": record["report_status"],
        "errmsg": "DELIVRD" if record["report_status"] == "SUCCESS" else "MK:0001",
        "description": record["description"],
        "sid": record["serial"],
    }


def push_status(app: FakeWeChat, url: str, records: list[dict[str, Any]]) -> tuple[int, bytes]:
    body = json.dumps([status_report(r) for r in records], ensure_ascii=False).encode()
    return app.post(url, body, {"Content-Type": "application/json"})


def post_reply(app: FakeWeChat, phone: str, text: str) -> int:
    """A customer texts back: post Tencent's 回复回执 to the sending account's reply callback."""
    with app.lock:
        last = next((r for r in reversed(app.state.get("sms_sent", [])) if r["phone"] == phone), None)
    status = 404
    if last is not None:
        account = app.account(KIND, last["account"])
        target = account.config.get("reply_callback") if account else None
        if target:
            body = {
                "extend": "",
                "mobile": phone.removeprefix("+86"),
                "nationcode": "86",
                "sign": last["sign"],
                "text": text,
                "time": int(time.time()),
            }
            status, _ = app.post(
                _callback_url(app, str(target)),
                json.dumps(body, ensure_ascii=False).encode(),
                {"Content-Type": "application/json"},
            )
    with app.lock:
        app.state.setdefault("sms_replies", []).append({"phone": phone, "text": text, "status": status})
    return status
