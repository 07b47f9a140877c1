"""The WeCom callback, ``/wechat/wecom/<corp_id>/callback``: URL verification and encrypted pushes.

- GET (set up in WeCom's admin, 接收事件服务器): ``msg_signature`` is the SHA-1 over token,
  timestamp, nonce and ``echostr``; the decrypted echostr (its receive id must be the corp id) is
  answered as plain text, which proves we hold the token and the EncodingAESKey.
- POST: the body is ``<xml><ToUserName/><Encrypt/><AgentID/></xml>``; ``msg_signature`` covers the
  ``Encrypt`` text. The decrypted XML is handled once: its SHA-256 is inserted into
  ``CallbackReceipt`` in the transaction that runs the handler, so a retry (WeCom retries three times
  when no answer comes within 5 seconds) waits on that row's unique key and then changes nothing,
  and a handler that fails rolls the receipt back so WeCom's retry runs it again. Handlers are found
  in the registry by ``Event`` and ``ChangeType`` (``siyu.wechat.callbacks.dispatch_wecom``).

Answers: "success" when handled (or a duplicate, or an event nobody handles), 403 on a bad
signature, 400 on a body that does not decrypt, 404 for an unknown corp, 503 when a WeChat call
the handler needed failed in a way worth retrying (WeCom retries).
"""

from __future__ import annotations

import hashlib
import logging

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from siyu.wechat.accounts import account_by_app_id
from siyu.wechat.callbacks import dispatch_wecom
from siyu.wechat.errors import DecryptError, SignatureInvalid, WeChatApiError, WeChatRetryable
from siyu.wechat.models import AccountKind, WeChatAccount
from siyu.wechat.msgcrypt import MessageCrypto, parse_xml
from siyu.wechat.wecom.models import CallbackReceipt

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024  # a change event is well under 2 KB


def _crypto(account: WeChatAccount) -> MessageCrypto:
    return MessageCrypto(account.secret("token"), account.secret("encoding_aes_key"), account.app_id)


def _text(body: str, status: int = 200) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def wecom_callback(request: HttpRequest, corp_id: str) -> HttpResponse:
    account = account_by_app_id(AccountKind.WECOM, corp_id)
    if account is None:
        return _text("unknown corp", 404)
    signature = request.GET.get("msg_signature", "")
    timestamp = request.GET.get("timestamp", "")
    nonce = request.GET.get("nonce", "")
    crypto = _crypto(account)
    if request.method == "GET":
        try:
            echo = crypto.verify_and_decrypt(signature, timestamp, nonce, request.GET.get("echostr", ""))
        except SignatureInvalid:
            return _text("bad signature", 403)
        except DecryptError:
            return _text("bad echostr", 400)
        return _text(echo)
    if len(request.body) > MAX_BODY:
        return _text("too large", 400)
    try:
        envelope = parse_xml(request.body)
        plain = crypto.verify_and_decrypt(signature, timestamp, nonce, envelope.get("Encrypt", ""))
        message = parse_xml(plain.encode("utf-8"))
    except SignatureInvalid:
        return _text("bad signature", 403)
    except (DecryptError, ValueError):
        return _text("bad message", 400)
    return _handle_once(account, plain, message)


def _handle_once(account: WeChatAccount, plain: str, message: dict[str, str]) -> HttpResponse:
    digest = hashlib.sha256(plain.encode("utf-8")).hexdigest()
    try:
        with transaction.atomic():
            CallbackReceipt.objects.create(
                merchant_id=account.merchant_id, digest=digest, received_at=timezone.now()
            )
            dispatch_wecom(account, message)
    except IntegrityError:
        if CallbackReceipt.objects.filter(merchant_id=account.merchant_id, digest=digest).exists():
            return _text("success")  # a retry of a push already handled
        raise
    except WeChatRetryable as exc:
        log.warning("wecom %s %s: retry later (%s)", message.get("Event"), message.get("ChangeType"), exc)
        return _text("retry", 503)
    except WeChatApiError as exc:
        # WeCom refused a call the handler needed (say the contact is already gone): retrying the
        # same push would meet the same answer, so it is logged and acknowledged.
        log.warning(
            "wecom %s %s refused: %s %s",
            message.get("Event"),
            message.get("ChangeType"),
            exc.errcode,
            exc.errmsg,
        )
    return _text("success")
