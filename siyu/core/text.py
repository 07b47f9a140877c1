"""Checks on text that arrives as JSON before it reaches the database."""

from __future__ import annotations

from typing import Any


def lone_surrogate_path(data: Any, root: str = "") -> str | None:
    """The JSON path of the first key or string in ``data`` holding a lone UTF-16 surrogate, or None.

    ``"\\ud800"`` is valid JSON but no text: PostgreSQL cannot store or compare it, and a query
    with it fails as a 500. Paths read ``root.key[0].key`` (``key[0]`` when ``root`` is empty);
    a bad key is reported at the path of the object holding it.
    """
    pending: list[tuple[Any, str]] = [(data, root)]
    while pending:
        value, path = pending.pop()
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return path
        elif isinstance(value, dict):
            for key, item in reversed(list(value.items())):
                pending.append((item, f"{path}.{key}" if path else str(key)))
                pending.append((key, path))
        elif isinstance(value, list):
            pending.extend((item, f"{path}[{i}]") for i, item in reversed(list(enumerate(value))))
    return None
