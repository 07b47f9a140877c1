"""What the H5 storefront keeps in the Django session, one compartment per shop.

A browser may visit several merchants' shops: each slug has its own compartment, so logging in
to one shop never logs the visitor in to another, and a share link followed in one shop never
attributes an order in another.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

SESSION_KEY = "storefront"


@dataclass(frozen=True)
class Attribution:
    """Who shared the link the visitor came in by (a customer, or a shopping guide), and through
    which channel."""

    sharer_id: int | None = None
    source: str = ""
    guide_id: int | None = None


def _compartment(request: HttpRequest, slug: str) -> dict[str, Any]:
    shops = request.session.get(SESSION_KEY) or {}
    entry = shops.get(slug)
    return entry if isinstance(entry, dict) else {}


def _store(request: HttpRequest, slug: str, **changes: Any) -> None:
    shops = dict(request.session.get(SESSION_KEY) or {})
    entry = dict(shops.get(slug) or {})
    for key, value in changes.items():
        if value is None:
            entry.pop(key, None)
        else:
            entry[key] = value
    shops[slug] = entry
    request.session[SESSION_KEY] = shops


def customer_id(request: HttpRequest, slug: str) -> int | None:
    value = _compartment(request, slug).get("customer")
    return value if isinstance(value, int) else None


def log_in(request: HttpRequest, slug: str, customer_pk: int) -> None:
    # A new session key on login, so a key planted before login (session fixation) is worthless.
    request.session.cycle_key()
    _store(request, slug, customer=customer_pk)


def log_out(request: HttpRequest, slug: str) -> None:
    _store(request, slug, customer=None)


def attribution(request: HttpRequest, slug: str) -> Attribution:
    entry = _compartment(request, slug)
    sharer = entry.get("sharer")
    guide = entry.get("guide")
    return Attribution(
        sharer_id=sharer if isinstance(sharer, int) else None,
        source=entry.get("source", ""),
        guide_id=guide if isinstance(guide, int) else None,
    )


def remember_attribution(request: HttpRequest, slug: str, value: Attribution) -> None:
    _store(request, slug, sharer=value.sharer_id, source=value.source or None, guide=value.guide_id)


def session_key(request: HttpRequest) -> str:
    """The session's key, creating the session if the visitor has none yet."""
    if not request.session.session_key:
        request.session.save()
    return request.session.session_key or ""


def visitor_id(request: HttpRequest, slug: str) -> str:
    """This browser's anonymous id in this shop, the ``anonymous_id`` of its events before login:
    a random id kept in the session. Not the session key: that is a credential, and it changes at
    login (``cycle_key``) just when the history must be found under the id it was recorded by."""
    value = _compartment(request, slug).get("visitor")
    if isinstance(value, str) and value:
        return value
    value = uuid.uuid4().hex
    _store(request, slug, visitor=value)
    return value


def known_visitor_id(request: HttpRequest, slug: str) -> str:
    """The visitor id if this browser has one in this shop already ("" otherwise; none is made)."""
    value = _compartment(request, slug).get("visitor")
    return value if isinstance(value, str) else ""


def visited_on(request: HttpRequest, slug: str) -> str:
    """The local day (ISO) this session's visit was last recorded in this shop ("" if never)."""
    value = _compartment(request, slug).get("visited")
    return value if isinstance(value, str) else ""


def remember_visit(request: HttpRequest, slug: str, day: str) -> None:
    _store(request, slug, visited=day)


# Web OAuth logins under way (siyu/wechat/oa_web/state.py): nonce -> pending record, a few at most
# (a visitor who opens the login twice in two tabs may finish either).
OAUTH_PENDING_MAX = 5


def remember_oauth(request: HttpRequest, slug: str, nonce: str, record: dict[str, Any]) -> None:
    pending = dict(_compartment(request, slug).get("oauth") or {})
    while len(pending) >= OAUTH_PENDING_MAX:
        pending.pop(next(iter(pending)))
    pending[nonce] = record
    _store(request, slug, oauth=pending)


def take_oauth(request: HttpRequest, slug: str, nonce: str) -> dict[str, Any] | None:
    """The pending web login ``nonce`` names, removed from the session (a state works once)."""
    pending = dict(_compartment(request, slug).get("oauth") or {})
    record = pending.pop(nonce, None) if nonce else None
    if record is not None:
        _store(request, slug, oauth=pending or None)
    return record if isinstance(record, dict) else None
