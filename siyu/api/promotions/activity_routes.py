"""The admin routes every playbook has, registered from one spec: create, list, get, patch, the
status verbs and stats, under ``/api/v1/admin/<path>``.

A playbook's API module writes its schemas and an :class:`ActivityRoutes`, then calls
:func:`activity_routes`; its own extra routes (a group buy's teams) follow as usual. Each route
keeps the function name (so the operation id), docstring and documented responses the playbook
published, so the OpenAPI and the clients generated from it do not change.

Who may do what: list, get and stats ask for ``promotions.view`` here; create and patch go through
the playbook's services and the verbs through the kit's ``set_status``, which ask for
``promotions.edit`` and write the audit row.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from ninja import Query, Router, Schema

from siyu.api.auth import StaffRequest
from siyu.api.errors import ErrorOut
from siyu.api.pagination import Page, PageParams, paginate
from siyu.api.schemas import ObjectId
from siyu.core.models import TenantQuerySet
from siyu.promotions.kit.playbook import Playbook
from siyu.promotions.kit.services import set_status
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import require

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


@dataclass(frozen=True)
class ActivityRoutes:
    """One playbook's admin routes.

    ``staff_rows(merchant_id)`` is the staff's queryset (joins done) that ``get`` and the bodies
    read from; ``render(activity, now)`` is the body of ``out``; ``listed(queryset, filters)`` filters
    and orders the list. ``create(staff, payload)`` and ``update(staff, id, payload)`` call the
    playbook's services. ``names`` gives each route's function name (``create``, ``list``, ``get``,
    ``update``, ``stats`` and each verb), ``docs`` its docstring; routes are registered in ``order``.
    """

    playbook: Playbook
    path: str  # "/group-buys"
    id_name: str  # "group_buy_id"
    out: type[Schema]
    create_in: type[Schema]
    patch_in: type[Schema]
    filters: type[Schema]
    stats_out: type[Schema]
    staff_rows: Callable[[int], TenantQuerySet]
    render: Callable[[Any, datetime], dict[str, Any]]
    listed: Callable[[QuerySet, Any], QuerySet]
    create: Callable[[Staff, Any], Any]
    update: Callable[[Staff, int, Any], Any]
    names: Mapping[str, str]
    # the routes, in the order they are registered; any name but create/list/get/update/stats is a verb
    order: tuple[str, ...] = ("create", "list", "get", "update", "pause", "resume", "end", "stats")
    docs: Mapping[str, str] = field(default_factory=dict)


def route_names(noun: str, *, plural: str = "", prefix: str = "") -> dict[str, str]:
    """The function names a playbook published its admin routes under: ``create_<noun>``,
    ``list_<plural>``, ``get_<noun>``, ``update_<noun>``, ``<verb>_<noun>`` and ``<noun>_stats``, each
    after ``prefix`` (``route_names("group_buy", prefix="admin_")`` gives ``admin_list_group_buys``).
    """
    verbs = ("create", "get", "update", "publish", "pause", "resume", "end")
    names = {verb: f"{prefix}{verb}_{noun}" for verb in verbs}
    return {**names, "list": f"{prefix}list_{plural or noun + 's'}", "stats": f"{prefix}{noun}_stats"}


def _param(name: str, annotation: Any) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=annotation)


def _view(
    spec: ActivityRoutes, route: str, module: str, body: Callable[..., Any], params: list[inspect.Parameter]
) -> Callable[..., Any]:
    """A view named and documented as the playbook published it, with ``params`` after ``request``."""

    def view(request: StaffRequest, **kwargs: Any) -> Any:
        return body(request, **kwargs)

    view.__name__ = view.__qualname__ = spec.names[route]
    view.__module__ = module
    view.__doc__ = spec.docs.get(route)
    view.__signature__ = inspect.Signature([_param("request", StaffRequest), *params])  # type: ignore[attr-defined]
    return view


def activity_routes(router: Router, spec: ActivityRoutes, *, module: str) -> None:
    """Register ``spec``'s admin routes on ``router``, as if written in ``module`` (the operation ids)."""
    one = f"{spec.path}/{{{spec.id_name}}}"
    id_param = _param(spec.id_name, ObjectId)

    def body_of(request: StaffRequest, activity_id: int) -> dict[str, Any]:
        activity = spec.staff_rows(request.staff.merchant_id).get_owned(activity_id)
        return spec.render(activity, timezone.now())

    def create(request: StaffRequest, payload: Any) -> tuple[int, dict[str, Any]]:
        activity = spec.create(request.staff, payload)
        return 201, body_of(request, activity.pk)

    def list_(request: StaffRequest, filters: Any, page: PageParams) -> dict[str, Any]:
        require(request.staff, Perm.PROMOTIONS_VIEW)
        now = timezone.now()
        qs = spec.listed(spec.staff_rows(request.staff.merchant_id), filters)
        return paginate(qs, page, lambda row: spec.render(row, now))

    def get(request: StaffRequest, **ids: int) -> dict[str, Any]:
        require(request.staff, Perm.PROMOTIONS_VIEW)
        return body_of(request, ids[spec.id_name])

    def update(request: StaffRequest, payload: Any, **ids: int) -> dict[str, Any]:
        spec.update(request.staff, ids[spec.id_name], payload)
        return body_of(request, ids[spec.id_name])

    def verb(name: str) -> Callable[..., dict[str, Any]]:
        def move(request: StaffRequest, **ids: int) -> dict[str, Any]:
            set_status(spec.playbook, name, staff=request.staff, activity_id=ids[spec.id_name])
            return body_of(request, ids[spec.id_name])

        return move

    def stats(request: StaffRequest, **ids: int) -> dict[str, Any]:
        require(request.staff, Perm.PROMOTIONS_VIEW)
        activity = spec.playbook.owned(request.staff.merchant_id).get_owned(ids[spec.id_name])
        return spec.playbook.stats(activity).as_dict()

    filters: Any = Query[spec.filters]  # type: ignore[name-defined,misc]
    page_out: Any = Page[spec.out]  # type: ignore[name-defined]
    for route in spec.order:
        if route == "create":
            view = _view(spec, route, module, create, [_param("payload", spec.create_in)])
            router.post(spec.path, response={201: spec.out, **ERRORS})(view)
        elif route == "list":
            params = [_param("filters", filters), _param("page", Query[PageParams])]
            view = _view(spec, route, module, list_, params)
            router.get(spec.path, response={200: page_out, 403: ErrorOut})(view)
        elif route == "get":
            view = _view(spec, route, module, get, [id_param])
            router.get(one, response={200: spec.out, 403: ErrorOut, 404: ErrorOut})(view)
        elif route == "update":
            view = _view(spec, route, module, update, [id_param, _param("payload", spec.patch_in)])
            router.patch(one, response={200: spec.out, **ERRORS})(view)
        elif route == "stats":
            view = _view(spec, route, module, stats, [id_param])
            router.get(f"{one}/stats", response={200: spec.stats_out, 403: ErrorOut, 404: ErrorOut})(view)
        else:  # a status verb
            view = _view(spec, route, module, verb(route), [id_param])
            router.post(f"{one}/{route}", response={200: spec.out, **ERRORS})(view)
