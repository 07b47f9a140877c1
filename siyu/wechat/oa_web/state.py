"""The OAuth ``state``: signed, expiring, single-use, bound to the browser session and return path.

WeChat hands ``state`` back unchanged on the return URL and allows only ``[a-zA-Z0-9]``, at most
128 bytes, so it cannot carry a signed payload; it is ``nonce + mac`` (24 + 32 characters). The
pending login (shop, account, return path, expiry) stays in the visitor's own session under the
nonce, and the mac signs that record with SECRET_KEY. On return the record is taken out of the
session before anything is checked, so a state works once; another browser's session has no
record for it (CSRF: a login link planted by someone else logs nobody in); an edited state or
record fails the mac; a return after ``STATE_TTL`` is refused as expired.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.crypto import constant_time_compare, get_random_string, salted_hmac

from siyu.wechat.oa_web.errors import OAuthStateExpired, OAuthStateInvalid

STATE_TTL = timedelta(minutes=10)
NONCE_LENGTH = 24
MAC_LENGTH = 32
SALT = "siyu.wechat.oa_web.state"


@dataclass(frozen=True)
class PendingLogin:
    """What the browser asked for when it left for WeChat's authorisation page."""

    nonce: str
    app_id: str
    scope: str
    next_path: str
    expires_at: str  # ISO 8601, aware

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, value: Any) -> PendingLogin | None:
        if not isinstance(value, dict):
            return None
        try:
            return cls(**{k: str(value[k]) for k in ("nonce", "app_id", "scope", "next_path", "expires_at")})
        except KeyError:
            return None


def _mac(pending: PendingLogin, shop: str) -> str:
    value = "|".join(
        (pending.nonce, shop, pending.app_id, pending.scope, pending.next_path, pending.expires_at)
    )
    return salted_hmac(SALT, value, algorithm="sha256").hexdigest()[:MAC_LENGTH]


def issue(*, shop: str, app_id: str, scope: str, next_path: str, now: datetime) -> tuple[str, PendingLogin]:
    """A new state for ``shop``'s login and the record the session keeps under its nonce."""
    pending = PendingLogin(
        nonce=get_random_string(NONCE_LENGTH),
        app_id=app_id,
        scope=scope,
        next_path=next_path,
        expires_at=(now + STATE_TTL).isoformat(),
    )
    return pending.nonce + _mac(pending, shop), pending


def nonce_of(state: str) -> str:
    """The nonce part of a state ("" when the state cannot be one of ours)."""
    if len(state) != NONCE_LENGTH + MAC_LENGTH or not state.isalnum() or not state.isascii():
        return ""
    return state[:NONCE_LENGTH]


def check(state: str, pending: PendingLogin | None, *, shop: str, app_id: str) -> PendingLogin:
    """The pending login ``state`` names, or the refusal: the caller has already removed
    ``pending`` from the session, so whatever this answers, the state cannot be used again."""
    if pending is None or pending.app_id != app_id or pending.nonce != nonce_of(state):
        raise OAuthStateInvalid()
    if not constant_time_compare(state[NONCE_LENGTH:], _mac(pending, shop)):
        raise OAuthStateInvalid()
    if timezone.now() >= datetime.fromisoformat(pending.expires_at):
        raise OAuthStateExpired()
    return pending
