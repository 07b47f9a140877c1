"""Helpers for reading storefront pages in tests."""

from __future__ import annotations

import re


def left(html: str, testid: str) -> int:
    """The count a "N left" element shows, whatever the language wraps around it."""
    found = re.search(rf'data-testid="{testid}">\D*(\d+)', html)
    assert found, testid
    return int(found.group(1))


def form_token(html: str) -> str:
    """The one-time token of a form that must not be submitted twice."""
    found = re.search(r'name="token" value="([0-9a-f]{32})"', html)
    assert found
    return found.group(1)
