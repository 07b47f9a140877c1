"""Identifiers people read (order numbers, pickup codes) and secrets machines hold (tokens)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from django.db import IntegrityError, transaction
from django.utils import timezone

T = TypeVar("T")


def human_number(prefix: str, *, at: datetime | None = None) -> str:
    """A number a customer can read over the phone: prefix + local date + 8 random digits.

    E.g. ``O26112248213907``. Uniqueness is enforced by the database; callers retry on a clash,
    which at 10^8 numbers per merchant per day is rare.
    """
    local = timezone.localtime(at or timezone.now())
    return f"{prefix}{local:%y%m%d}{secrets.randbelow(10**8):08d}"


def create_numbered(
    create: Callable[[str], T], prefix: str, *, at: datetime | None = None, attempts: int = 5
) -> T:
    """Insert a row under a fresh ``human_number``, retrying in a savepoint on the rare clash.

    Only a clash on a ``number`` column is retried; any other integrity error (an idempotency key,
    say) is the caller's to handle.
    """
    for attempt in range(attempts):
        try:
            with transaction.atomic():
                return create(human_number(prefix, at=at))
        except IntegrityError as exc:
            if attempt == attempts - 1 or "number" not in str(exc).lower():
                raise
    raise AssertionError("unreachable")


def numeric_code(digits: int) -> str:
    """A random numeric code such as a pickup code (leading zeros kept)."""
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def new_token(prefix: str) -> str:
    """A bearer token: a readable prefix and 256 random bits."""
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def token_digest(token: str) -> str:
    """What we store for a token: its SHA-256, so a database leak reveals no usable token."""
    return hashlib.sha256(token.encode()).hexdigest()


def fingerprint(payload: object) -> str:
    """A stable digest of a request body, to tell a true replay from a reused idempotency key."""
    import json

    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()
