"""One error shape for the whole API: ``{"code": ..., "message": ..., "detail": ...}``."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from siyu.core.errors import SiyuError


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
