"""Secrets at rest: WeChat app secrets, API keys and private keys are stored encrypted.

Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``) under the keys in
``settings.SIYU_WECHAT_KEYS``: the first key encrypts, every key decrypts. To rotate, put a new key
first, keep the old ones after it, run ``siyu wechat_rotate_keys`` (re-encrypts every account
under the new key), then drop the old keys. docs/wechat.md says it step by step.
"""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _fernet() -> MultiFernet:
    keys: list[str | bytes] = list(settings.SIYU_WECHAT_KEYS) or [_derived_key(settings.SECRET_KEY)]
    return MultiFernet([Fernet(key) for key in keys])


def _derived_key(secret: str) -> bytes:
    """A Fernet key derived from SECRET_KEY, for deployments that set no key of their own."""
    return base64.urlsafe_b64encode(hashlib.sha256(b"siyu-wechat-vault:" + secret.encode()).digest())


def seal(values: dict[str, str]) -> str:
    """Encrypt a dict of secrets into one token for a text column ("" for no secrets)."""
    if not values:
        return ""
    return _fernet().encrypt(json.dumps(values, sort_keys=True).encode()).decode()


def unseal(token: str) -> dict[str, str]:
    """The secrets sealed in ``token``; raises ``InvalidToken`` when no configured key opens it."""
    if not token:
        return {}
    return json.loads(_fernet().decrypt(token.encode()))


def reseal(token: str) -> str:
    """``token`` encrypted again under the first (newest) key."""
    return _fernet().rotate(token.encode()).decode() if token else ""


__all__ = ["InvalidToken", "reseal", "seal", "unseal"]
