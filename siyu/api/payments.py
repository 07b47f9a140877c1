"""Gateway callbacks. Unauthenticated by design: the gateway's signature is the credential."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from siyu.api.errors import ErrorOut
from siyu.orders.services.payments import receive_notification

router = Router(tags=["payments"])


class NotifyOut(Schema):
    code: str
    message: str


@router.post(
    "/{gateway}/notify",
    response={200: NotifyOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    openapi_extra={
        "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}, "required": True}
    },
)
def notify(request: HttpRequest, gateway: str):
    """Receive a signed payment notification; replays are acknowledged and change nothing."""
    receive_notification(gateway=gateway, body=request.body, headers=request.headers)
    return {"code": "SUCCESS", "message": "OK"}
