"""The signed token behind the editor's phone preview: the storefront shows a page's draft to whoever
holds one, for a few hours, without a staff login in the shop (the preview is an iframe of the shop)."""

from __future__ import annotations

from django.core import signing

from siyu.decoration.errors import PreviewExpired

SALT = "siyu.decoration.preview"
MAX_AGE_SECONDS = 6 * 3600


def make_token(*, merchant_id: int, page_id: int) -> str:
    return signing.dumps({"m": merchant_id, "p": page_id}, salt=SALT, compress=False)


def read_token(token: str, *, merchant_id: int) -> int:
    """The page id a token of this merchant names, or ``PreviewExpired``."""
    try:
        data = signing.loads(token[:200], salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        raise PreviewExpired() from None
    if not isinstance(data, dict) or data.get("m") != merchant_id or not isinstance(data.get("p"), int):
        raise PreviewExpired()
    return data["p"]
