"""WeChat Pay v3 callbacks: ``/wechat/pay/<mchid>/notify`` (payments) and ``/refund-notify`` (refunds).

Unauthenticated by design: the platform signature is the credential. The answers are the ones WeChat
documents: 204 with no body when accepted (a replay is accepted too, and changes nothing), otherwise
4xx/5xx with ``{"code": "FAIL", "message": ...}``, after which WeChat retries. Every refusal is logged
with its reason; a refused callback writes nothing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from siyu.core.errors import SiyuError
from siyu.wechat.pay import services

log = logging.getLogger(__name__)


def _fail(status: int, message: str) -> HttpResponse:
    body = json.dumps({"code": "FAIL", "message": message}, ensure_ascii=False)
    return HttpResponse(body, status=status, content_type="application/json; charset=utf-8")


def _answer(receive: Callable, request: HttpRequest, mchid: str) -> HttpResponse:
    try:
        receive(mchid=mchid, body=request.body, headers=request.headers)
    except SiyuError as exc:
        log.warning(
            "wechat pay callback refused: mchid=%s path=%s code=%s detail=%s",
            mchid,
            request.path,
            exc.code,
            exc.detail,
        )
        return _fail(exc.status if exc.status < 500 else 500, str(exc.text))
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
def payment_notify(request: HttpRequest, mchid: str) -> HttpResponse:
    """A payment succeeded (TRANSACTION.SUCCESS): verify, decrypt, check, record."""
    return _answer(services.receive_payment_notification, request, mchid)


@csrf_exempt
@require_POST
def refund_notify(request: HttpRequest, mchid: str) -> HttpResponse:
    """A refund settled (REFUND.SUCCESS / ABNORMAL / CLOSED): verify, decrypt, update the refund."""
    return _answer(services.receive_refund_notification, request, mchid)
