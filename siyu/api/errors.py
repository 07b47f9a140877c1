"""One error shape for the whole API: ``{"code": ..., "message": ..., "detail": ...}``."""

from __future__ import annotations

import logging

from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from siyu.core.errors import SiyuError

log = logging.getLogger(__name__)


class ErrorOut(Schema):
    code: str
    message: str
    detail: object | None = None


def _respond(
    api: NinjaAPI, request: HttpRequest, status: int, code: str, message: str, detail=None
) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, "detail": detail}, status=status)


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(SiyuError)
    def siyu_error(request, exc: SiyuError):
        return _respond(api, request, exc.status, exc.code, str(exc.text), exc.detail)

    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        detail = [
            {
                "loc": [str(p) for p in e.get("loc", [])],
                "msg": str(e.get("msg", "")),
                "type": e.get("type", ""),
            }
            for e in exc.errors
        ]
        return _respond(
            api, request, 422, "validation_error", _("Some fields are missing or invalid."), detail
        )

    @api.exception_handler(AuthenticationError)
    def auth_error(request, exc):
        return _respond(api, request, 401, "not_authenticated", _("Please log in."))

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return _respond(api, request, 404, "not_found", _("Not found."))

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        return _respond(api, request, exc.status_code, "http_error", str(exc))

    @api.exception_handler(IntegrityError)
    def integrity_error(request, exc: IntegrityError):
        # Last resort: services settle the races they know of (a replayed key answers the first
        # result). One that reaches here is a bug to fix at its source, so it is logged with the
        # traceback; the client learns its request clashed with another change, not "server error".
        log.error("IntegrityError reached the API: %s %s", request.method, request.path, exc_info=exc)
        return _respond(
            api,
            request,
            409,
            "conflict",
            _("This request clashed with another change made at the same time. Please try again."),
        )
