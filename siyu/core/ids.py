"""Identifiers people read (order numbers, pickup codes) and secrets machines hold (tokens)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from django.utils import timezone


def human_number(prefix: str, *, at: datetime | None = None) -> str:
    """A number a customer can read over the phone: prefix + local date + 8 random digits.

    E.g. ``O26112248213907``. Uniqueness is enforced by the database; callers retry on a clash,
    which at 10^8 numbers per merchant per day is rare.
    """
    local = timezone.localtime(at or timezone.now())
    return f"{prefix}{local:%y%m%d}{secrets.randbelow(10**8):08d}"


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
