"""Lock out whoever keeps guessing: staff passwords, customer login codes, coupon codes.

Built on django-axes (settings ``AXES_*``): it records every failure as an ``AccessAttempt`` row (who,
from which address, when, how many; ``AccessFailureLog`` keeps each one) and refuses a locked-out staff
login inside Django's ``authenticate()``. Siyu adds *gates*, each with its own limits:

- ``STAFF_LOGIN``: the admin API's ``auth/token`` and the console login form, per username and per
  address (every Django login goes through it: the attempt's username is ``staff:<username>``);
- ``CUSTOMER_LOGIN``: the shop API's ``auth/login`` and the storefront login, per address only (a
  code that fails names no customer), recorded as ``shop-login:<merchant id>``;
- ``COUPON_CODE``: redeeming a coupon code in the shop API and the storefront, per customer
  (``coupon-code:<merchant id>:<customer id>``) and per address.

A gate locks when, within ``SIYU_LOCKOUT_MINUTES`` of each other, its failures reach the account's
limit or the address's limit (``SIYU_LOCKOUTS``); the failure that reaches it is already answered
429 ``too_many_attempts`` with ``Retry-After``, and so is every attempt until the failures age out,
right password or not. Attempts at one gate never count at another. Operators list and lift locks
with ``siyu axes_list_attempts`` and ``siyu axes_reset_username staff:<username>`` (docs/deployment.md).
"""

from __future__ import annotations

import inspect
import ipaddress
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off
from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from siyu.core.errors import SiyuError
from siyu.tenancy.errors import TooManyAttempts
from siyu.tenancy.models import Staff
from siyu.tenancy.services import record_audit

log = logging.getLogger(__name__)

GATE_KEY = "siyu_gate"  # marks credentials that come from a gate rather than from a Django login


@dataclass(frozen=True)
class Gate:
    """One guessable secret: whose failures count together, and which refusals are wrong guesses."""

    name: str
    account: Callable[[HttpRequest], str] = lambda request: ""  # whose failures count together
    failure_codes: frozenset[str] = field(default_factory=frozenset)  # SiyuError codes that are guesses
    failure_statuses: frozenset[int] = field(default_factory=frozenset)  # ... and pages that answer them

    @property
    def limits(self) -> tuple[int | None, int]:
        """(failures per account or None for no account limit, failures per address), in the cool-off."""
        return settings.SIYU_LOCKOUTS[self.name]

    def credentials(self, request: HttpRequest) -> dict[str, str]:
        return {"username": self.account(request), GATE_KEY: self.name}


def _shop(request: HttpRequest) -> Any:
    """The shop API's request carries merchant and customer; a storefront page carries them in ``shop``."""
    return getattr(request, "shop", request)


def _merchant_id(request: HttpRequest) -> str:
    return str(_shop(request).merchant.pk)


def _customer_key(request: HttpRequest) -> str:
    return f"{_merchant_id(request)}:{_shop(request).customer.pk}"


STAFF_LOGIN = Gate("staff")  # Django logins: the account is the username typed
CUSTOMER_LOGIN = Gate(
    "shop-login",
    account=_merchant_id,  # recorded for the audit trail; only the address limit applies
    failure_codes=frozenset({"login_failed"}),
    failure_statuses=frozenset({401}),
)
COUPON_CODE = Gate("coupon-code", account=_customer_key, failure_codes=frozenset({"coupon_code_invalid"}))
GATES = {g.name: g for g in (STAFF_LOGIN, CUSTOMER_LOGIN, COUPON_CODE)}


def attempt_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """``AXES_USERNAME_CALLABLE``: the name an attempt is stored under, prefixed by its gate.

    A Django login is always a staff login, whatever its username says, so that a username typed as
    ``coupon-code:...`` cannot fill another gate's counters.
    """
    credentials = credentials or {}
    gate = credentials.get(GATE_KEY)
    if gate in GATES:
        return f"{gate}:{credentials['username']}"
    username = credentials.get("username") or request.POST.get("username", "")
    return f"{STAFF_LOGIN.name}:{username}"


def _gate_of(username: str) -> Gate:
    return GATES.get(username.split(":", 1)[0], STAFF_LOGIN)


def client_ip(request: HttpRequest) -> str:
    """``AXES_CLIENT_IP_CALLABLE``: the visitor's address. Behind ``SIYU_PROXIES`` trusted proxies it
    is the one the outermost proxy saw, read from the right of X-Forwarded-For (the left is the
    visitor's to forge)."""
    address = request.META.get("REMOTE_ADDR", "")
    if settings.SIYU_PROXIES:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= settings.SIYU_PROXIES:
            address = hops[-settings.SIYU_PROXIES]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return "0.0.0.0"


class GateHandler(AxesDatabaseHandler):
    """Axes' database handler, with attempts counted per gate and each gate's two limits.

    Axes compares one failure count with ``AXES_FAILURE_LIMIT`` (1): the count given here is how many
    of the gate's limits (account, address) the recent failures reach.
    """

    def filter_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> list[QuerySet]:
        prefix = _gate_of(get_client_username(request, credentials)).name + ":"
        return [
            qs.filter(username__startswith=prefix)
            for qs in super().filter_user_attempts(request, credentials)
        ]

    def get_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> list[QuerySet]:
        # Strictly newer than the cool-off (axes keeps ">="): a lock lifts the instant Retry-After says.
        threshold = request.axes_attempt_time - (get_cool_off(request) or timedelta(0))  # type: ignore[attr-defined]
        return [
            qs.filter(attempt_time__gt=threshold) for qs in self.filter_user_attempts(request, credentials)
        ]

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        return len(_reached(request, credentials))

    def user_login_failed(self, sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
        already = getattr(request, "axes_locked_out", False)
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is not None and request.axes_locked_out and not already:
            _audit_lockout(request, credentials)


def _audit_lockout(request: HttpRequest, credentials: dict) -> None:
    """A staff login that just locked goes into the audit log of every merchant the person works for."""
    username = get_client_username(request, credentials)
    log.warning("Locked out %s from %s after repeated failures", username, request.axes_ip_address)  # type: ignore[attr-defined]
    gate, _sep, account = username.partition(":")
    if gate != STAFF_LOGIN.name:
        return
    lifts = _reached(request, credentials)
    for staff in Staff.objects.select_related("merchant").filter(user__username=account).order_by("pk"):
        record_audit(
            staff=None,
            merchant=staff.merchant,
            action="staff.locked_out",
            obj=staff,
            after={
                "address": request.axes_ip_address,  # type: ignore[attr-defined]
                "until": max(lifts).isoformat() if lifts else None,
            },
        )


def _reached(request: HttpRequest, credentials: dict | None) -> list[datetime]:
    """When each reached limit lifts: the time the failure that reached it ages out of the cool-off."""
    gate = _gate_of(get_client_username(request, credentials))
    handler = AxesProxyHandler.get_implementation()
    cool_off = get_cool_off(request) or timedelta(0)
    # Lockout parameters are ["username", "ip_address"]: the attempts of the account, of the address.
    lifts = []
    for attempts, limit in zip(handler.get_user_attempts(request, credentials), gate.limits, strict=True):
        if limit is None:
            continue
        counted = 0
        for failures, at in attempts.order_by("-attempt_time").values_list(
            "failures_since_start", "attempt_time"
        ):
            counted += failures
            if counted >= limit:
                lifts.append(at + cool_off)
                break
    return lifts


def _refuse(request: HttpRequest, credentials: dict) -> TooManyAttempts:
    """The 429 for a locked-out request; the middleware adds ``Retry-After`` from it."""
    lifts = _reached(request, credentials)
    seconds = max(1, math.ceil((max(lifts) - timezone.now()).total_seconds())) if lifts else 60
    request.axes_locked_out = True  # type: ignore[attr-defined]
    request.siyu_retry_after = seconds  # type: ignore[attr-defined]
    minutes = math.ceil(seconds / 60)
    return TooManyAttempts(
        _("Too many failed attempts. Please try again in %(minutes)d minutes.") % {"minutes": minutes},
        detail={"retry_after": seconds},
    )


def refuse_locked_login(request: HttpRequest, username: str) -> None:
    """After ``authenticate()`` returned no user: raise 429 if the login was (or is now) locked out."""
    if getattr(request, "axes_locked_out", False):
        raise _refuse(request, {"username": username})


def _record_failure(request: HttpRequest, credentials: dict) -> None:
    AxesProxyHandler.user_login_failed(sender=Gate, credentials=credentials, request=request)


def guard(gate: Gate) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Wrap a view or route that tries a guessable secret: refuse while locked, count wrong guesses.

    A wrong guess is a ``SiyuError`` the view raises with one of ``gate.failure_codes``, or a page it
    answers with one of ``gate.failure_statuses``; the guess that reaches a limit is answered 429.
    """

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if request.method != "POST":
                return view(request, *args, **kwargs)
            credentials = gate.credentials(request)
            if not AxesProxyHandler.is_allowed(request, credentials):
                raise _refuse(request, credentials)
            try:
                response = view(request, *args, **kwargs)
            except SiyuError as exc:
                if exc.code in gate.failure_codes:
                    _record_failure(request, credentials)
                    if request.axes_locked_out:  # type: ignore[attr-defined]
                        raise _refuse(request, credentials) from exc
                raise
            if isinstance(response, HttpResponse) and response.status_code in gate.failure_statuses:
                _record_failure(request, credentials)
                if request.axes_locked_out:  # type: ignore[attr-defined]
                    raise _refuse(request, credentials)
            return response

        # Routers read the parameters' types from the signature: resolve them in the view's module.
        wrapper.__signature__ = inspect.signature(view, eval_str=True)  # type: ignore[attr-defined]
        return wrapper

    return decorate


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``, called by axes' middleware for a locked-out request.

    The view has already answered 429 in its own shape (API error, console or shop page); this adds
    ``Retry-After``. Only a view that does not know about locks would leave another answer: it gets
    the API's error shape.
    """
    if original_response is None or original_response.status_code != TooManyAttempts.status:
        original_response = JsonResponse(_refuse(request, credentials or {}).as_dict(), status=429)
    original_response["Retry-After"] = str(getattr(request, "siyu_retry_after", 60))
    return original_response
