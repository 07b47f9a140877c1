"""The official account's server callback: ``/wechat/oa/<app_id>/callback`` (服务器配置 URL).

GET is WeChat's check of the URL: ``signature`` = SHA-1 of the sorted token, timestamp and nonce;
answer ``echostr`` verbatim. POST is a push, in one of two modes:

- plaintext (明文模式): the body is the message XML, the query's ``signature`` as above;
- safe mode (安全模式, ``encrypt_type=aes``): the body's ``Encrypt`` is the AES-256-CBC message,
  ``msg_signature`` = SHA-1 of the sorted token, timestamp, nonce and ``Encrypt``; the reply is
  encrypted and signed the same way. An account with an EncodingAESKey takes only safe mode (the
  plaintext signature does not cover the body, so it cannot be trusted to name the message).

A signature that does not match, or a timestamp more than ``MAX_SKEW`` from now (a replay), is
refused with 403 and nothing is read. The answer is the passive reply XML or ``success``.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import time

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from siyu.core.errors import SiyuError
from siyu.wechat.accounts import account_by_app_id
from siyu.wechat.errors import DecryptError, SignatureInvalid
from siyu.wechat.models import AccountKind
from siyu.wechat.msgcrypt import MessageCrypto, parse_xml, plain_signature
from siyu.wechat.oa.errors import PlaintextRefused, PushExpired, PushMalformed, UnknownOfficialAccount
from siyu.wechat.oa.messages import MalformedPush
from siyu.wechat.oa.services import handle_push

log = logging.getLogger(__name__)

MAX_SKEW = 300  # seconds between WeChat's signed timestamp and our clock


def _refusal(exc: SiyuError) -> JsonResponse:
    return JsonResponse(exc.as_dict(), status=exc.status, json_dumps_params={"ensure_ascii": False})


def _check_time(timestamp: str) -> None:
    try:
        moment = int(timestamp)
    except ValueError:
        raise PushExpired() from None
    if abs(time.time() - moment) > MAX_SKEW:
        raise PushExpired(detail={"timestamp": timestamp})


@csrf_exempt
@require_http_methods(["GET", "POST"])
def callback(request: HttpRequest, app_id: str) -> HttpResponse:
    account = account_by_app_id(AccountKind.OFFICIAL_ACCOUNT, app_id)
    try:
        if account is None:
            raise UnknownOfficialAccount(detail={"app_id": app_id[:64]})
        token = account.secret("token")
        query = request.GET
        timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
        if not token or not hmac.compare_digest(
            plain_signature(token, timestamp, nonce), query.get("signature", "")
        ):
            raise SignatureInvalid()
        if request.method == "GET":
            return HttpResponse(query.get("echostr", ""), content_type="text/plain; charset=utf-8")
        _check_time(timestamp)
        aes_key = account.secret("encoding_aes_key")
        crypto = MessageCrypto(token, aes_key, account.app_id) if aes_key else None
        try:
            envelope = parse_xml(request.body)
        except DecryptError:
            raise PushMalformed() from None
        if crypto is not None:
            if query.get("encrypt_type") != "aes" or "Encrypt" not in envelope:
                raise PlaintextRefused()
            plain = crypto.verify_and_decrypt(
                query.get("msg_signature", ""), timestamp, nonce, envelope["Encrypt"]
            )
            try:
                fields = parse_xml(plain.encode())
            except DecryptError:
                raise PushMalformed() from None
        else:
            fields = envelope
        try:
            reply = handle_push(account=account, fields=fields)
        except MalformedPush as exc:
            raise PushMalformed(detail={"missing": str(exc)}) from None
    except SiyuError as exc:
        log.warning("official account callback %s refused: %s %s", app_id[:64], exc.code, exc.detail)
        return _refusal(exc)
    if not reply:
        return HttpResponse("success", content_type="text/plain; charset=utf-8")
    if crypto is not None:
        reply = crypto.encrypted_reply_xml(reply, nonce=secrets.token_hex(8), timestamp=str(int(time.time())))
    return HttpResponse(reply, content_type="application/xml; charset=utf-8")
