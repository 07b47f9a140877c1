"""What SMS providers push to Siyu: Tencent Cloud SMS status reports (状态回执) and replies (回复回执).

Tencent does not sign its callbacks, so the URL carries the merchant's ``callback_token`` (a sealed
secret of its SMS setting): ``/reach/sms/<merchant_id>/<token>/status`` and ``.../reply``. A wrong
token is a 404 and changes nothing. Tencent expects ``{"result": 0, "errmsg": "OK"}``.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from siyu.reach.channels import sms

ANSWER = {"result": 0, "errmsg": "OK"}


def _body(request: HttpRequest, merchant_id: int, token: str) -> Any:
    if not sms.callback_token_ok(merchant_id, token):
        raise Http404
    try:
        return json.loads(request.body or b"null")
    except ValueError:
        return None


@csrf_exempt
@require_POST
def sms_status(request: HttpRequest, merchant_id: int, token: str) -> JsonResponse:
    data = _body(request, merchant_id, token)
    reports = data if isinstance(data, list) else [data] if isinstance(data, dict) else None
    if reports is None:
        return JsonResponse({"result": 1, "errmsg": "invalid JSON"}, status=400)
    sms.record_status_reports(merchant_id=merchant_id, reports=[r for r in reports if isinstance(r, dict)])
    return JsonResponse(ANSWER)


@csrf_exempt
@require_POST
def sms_reply(request: HttpRequest, merchant_id: int, token: str) -> JsonResponse:
    data = _body(request, merchant_id, token)
    replies = data if isinstance(data, list) else [data] if isinstance(data, dict) else None
    if replies is None:
        return JsonResponse({"result": 1, "errmsg": "invalid JSON"}, status=400)
    for reply in replies:
        if isinstance(reply, dict):
            sms.record_reply(merchant_id=merchant_id, reply=reply)
    return JsonResponse(ANSWER)
