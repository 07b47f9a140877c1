"""The HTTP API: ``/api/v1/shop/<merchant>/...`` for customers, ``/api/v1/admin/...`` for staff."""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from ninja import NinjaAPI, Swagger
from ninja.errors import ValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation
from ninja.parser import Parser

from siyu.api import events as events_api
from siyu.api import imports as admin_imports
from siyu.api import loyalty as loyalty_api
from siyu.api import payments
from siyu.api.admin import catalog as admin_catalog
from siyu.api.admin import orders as admin_orders
from siyu.api.admin import people as admin_people
from siyu.api.audience import profiles as profile_api
from siyu.api.audience import segments as audience_api
from siyu.api.audience import values as values_api
from siyu.api.errors import install_error_handlers
from siyu.api.promotions import bargain as bargain_api
from siyu.api.promotions import campaigns as campaigns_api
from siyu.api.promotions import coupons as promotions_api
from siyu.api.promotions import flashsale as flashsale_api
from siyu.api.promotions import groupbuy as groupbuy_api
from siyu.api.promotions import presale as presale_api
from siyu.api.reach import admin as reach_admin
from siyu.api.shop import account as shop_account
from siyu.api.shop import catalog as shop_catalog
from siyu.api.shop import orders as shop_orders
from siyu.api.shop import reach as shop_reach

ERROR_CONTENT = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}


def _framework_statuses(path: str, operation: dict[str, Any]) -> list[int]:
    """Errors an operation can answer before its view runs; each route documents only its own."""
    schemes = {name for requirement in operation.get("security", []) for name in requirement}
    statuses = []
    if operation.get("requestBody"):
        statuses.append(400)  # a body that is not JSON
    if schemes:
        statuses.append(401)  # a missing, unknown or other merchant's token
    if "StaffSession" in schemes:
        statuses.append(403)  # a session cookie without the CSRF token
    if "{merchant}" in path:
        statuses.append(404)  # no such shop
    if operation.get("parameters") or operation.get("requestBody"):
        statuses.append(422)  # parameters or body fail validation
    return statuses


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


# A date-time whose UTC offset no real time zone uses (they span -12:00..+14:00); PostgreSQL cannot
# store one beyond ±15:59, so it would fail the query instead of refusing the input.
_DATETIME_OFFSET = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?([+-])(\d{2}):?(\d{2})$"
)


def _has_bad_offset(value: object) -> bool:
    if isinstance(value, str):
        found = _DATETIME_OFFSET.match(value)
        return bool(found) and int(found.group(2)) * 60 + int(found.group(3)) > 14 * 60  # type: ignore[union-attr]
    if isinstance(value, dict):
        return any(_has_bad_offset(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_bad_offset(v) for v in value)
    return False


class RequestParser(Parser):
    """Request input a view can use: a body that is a JSON object, and no NUL characters anywhere.

    Ninja reads a JSON value that is not an object as an object without attributes, so ``[]`` or ``"x"``
    would pass as an empty PATCH. PostgreSQL cannot store NUL in text or JSON, so it would fail the query.
    Both are refused here, for every route: the body with a 400 like any unparsable body, the query with
    a 422 like any invalid parameter.
    """

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = super().parse_body(request)
        if not isinstance(data, dict):
            raise ValueError("the request body must be a JSON object")
        if _has_nul(data):
            raise ValueError("text may not contain NUL characters")
        if _has_bad_offset(data):
            raise ValueError("a date-time has a UTC offset beyond ±14:00")
        return data

    def parse_querydict(
        self, data: MultiValueDict, list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        parsed = super().parse_querydict(data, list_fields, request)
        if bad := [
            key for key, value in parsed.items() if _has_nul(key) or _has_nul(value) or _has_bad_offset(value)
        ]:
            raise ValidationError(
                [
                    {
                        "loc": ("query", key),
                        "msg": "NUL characters or an impossible UTC offset",
                        "type": "value_error",
                    }
                    for key in bad
                ]
            )
        return parsed


# Operation ids are ``<module>_<function>``. Routes that moved into siyu/api/ keep the ids they were
# published under, so the clients generated from the OpenAPI keep their method names.
PUBLISHED_MODULES = {
    "siyu.api.events": "siyu.events.api",
    "siyu.api.imports": "siyu.imports.api",
    "siyu.api.loyalty": "siyu.members.loyalty.api",
    "siyu.api.audience.segments": "siyu.audience.api",
    "siyu.api.audience.profiles": "siyu.audience.profile_api",
    "siyu.api.audience.values": "siyu.audience.values.api",
    "siyu.api.promotions.coupons": "siyu.promotions.api",
    "siyu.api.promotions.flashsale": "siyu.promotions.flashsale.api",
    "siyu.api.promotions.groupbuy": "siyu.promotions.groupbuy.api",
    "siyu.api.promotions.bargain": "siyu.promotions.bargain.api",
    "siyu.api.promotions.presale": "siyu.promotions.presale.api",
    "siyu.api.promotions.campaigns.assist": "siyu.promotions.campaigns.api.assist",
    "siyu.api.promotions.campaigns.draws": "siyu.promotions.campaigns.api.draws",
    "siyu.api.promotions.campaigns.rewards": "siyu.promotions.campaigns.api.rewards",
    "siyu.api.promotions.campaigns.split": "siyu.promotions.campaigns.api.split",
}


class SiyuAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI also lists the error responses the framework and the error handlers give."""

    def get_openapi_operation_id(self, operation: Operation) -> str:
        module = operation.view_func.__module__
        module = PUBLISHED_MODULES.get(module, module)
        return f"{module}_{operation.view_func.__name__}".replace(".", "_")

    def get_openapi_schema(self, **kwargs: Any) -> OpenAPISchema:
        schema = super().get_openapi_schema(**kwargs)
        for path, item in schema["paths"].items():
            for operation in item.values():
                for status in _framework_statuses(path, operation):
                    operation["responses"].setdefault(
                        status, {"description": HTTPStatus(status).phrase, "content": ERROR_CONTENT}
                    )
        return schema


api = SiyuAPI(
    title="Siyu API",
    version="1",
    description="Private-domain commerce: the shop API for mini-programs and the admin API for staff. "
    "Money is integer fen. Errors are {code, message, detail}; send Accept-Language: en for English.",
    urls_namespace="api-v1",
    parser=RequestParser(),
    # Swagger UI comes from ninja's static files (ninja is an installed app), never a CDN; without a
    # validator it also asks validator.swagger.io for nothing, so the page works offline.
    docs=Swagger(settings={"validatorUrl": None}),
)
install_error_handlers(api)

api.add_router("/shop/{merchant}/", shop_catalog.router)
api.add_router("/shop/{merchant}/", shop_account.router)
api.add_router("/shop/{merchant}/", shop_orders.router)
api.add_router("/shop/{merchant}/", events_api.shop_router)
api.add_router("/admin/", admin_people.router)
api.add_router("/admin/", admin_catalog.router)
api.add_router("/admin/", admin_orders.router)
api.add_router("/admin/", admin_imports.router)
api.add_router("/admin/", audience_api.admin_router)
api.add_router("/admin/", values_api.admin_router)
api.add_router("/admin/", profile_api.admin_router)
api.add_router("/payments/", payments.router)
for _module in (promotions_api, flashsale_api, groupbuy_api, bargain_api, campaigns_api, presale_api):
    api.add_router("/shop/{merchant}/", _module.shop_router)
    api.add_router("/admin/", _module.admin_router)
api.add_router("/shop/{merchant}/", loyalty_api.shop_router)
api.add_router("/admin/", loyalty_api.admin_router)
api.add_router("/shop/{merchant}/", shop_reach.router)
api.add_router("/admin/", reach_admin.admin_router)
