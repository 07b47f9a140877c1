"""What WeChat lets a template field say, shared by the subscribe-message and template-message adapters.

Since 2023 both mini-program subscribe messages and official-account template messages name each
field by its type plus a number (``thing1``, ``time2``, ``amount3``...), and WeChat refuses a send
(errcode 47003, "argument invalid") whose value breaks the type's rule. The rules
(developers.weixin.qq.com, 订阅消息 "参数值内容限制说明"):

=================  =================================================================
thing              20 characters or fewer (Chinese, digits, letters, symbols)
number             32 or fewer digits, may have a decimal part
letter             32 or fewer letters
symbol             5 or fewer symbols
character_string   32 or fewer digits, letters or symbols
time               24-hour time, optionally with the date (15:01, 2019年10月1日 15:01)
date               a date, optionally with the time (2019年10月1日, 2019年10月1日 15:01)
amount             one currency sign, 10 or fewer digits, decimals, optional 元 (¥100.00元)
phone_number       17 or fewer digits and symbols
car_number         8 or fewer characters
name               10 or fewer Chinese characters, or 20 or fewer letters/symbols
phrase             5 or fewer Chinese characters
=================  =================================================================

A template's static text is checked at save (``check_static``: refused with the field and the limit);
a value that came from a variable is cut to the limit at render (``fit``), with "…" for ``thing``
(the one type meant for prose). Format types (time, date, amount, number...) are not guessed at:
a rendered value in the wrong format is WeChat's 47003, a failed send with the reason.
"""

from __future__ import annotations

import re
from typing import Any

from siyu.reach.errors import InvalidTemplate

VARIABLE = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*)\s*\}\}")
KEY = re.compile(r"^([a-z_]+?)(\d+)$")

# type -> (limit in characters, format of a static value or None)
_DATE = r"(\d{4}年\d{1,2}月\d{1,2}日|\d{4}[-/.]\d{1,2}[-/.]\d{1,2})"
_CLOCK = r"\d{1,2}:\d{2}(:\d{2})?"
_TIME_POINT = rf"({_DATE}\s*)?{_CLOCK}"
_DATE_POINT = rf"{_DATE}(\s*{_CLOCK})?"
KEY_TYPES: dict[str, tuple[int, re.Pattern[str] | None]] = {
    "thing": (20, None),
    "number": (32, re.compile(r"^-?\d+(\.\d+)?$")),
    "letter": (32, re.compile(r"^[A-Za-z]+$")),
    "symbol": (5, re.compile(r"^[^\w\s]+$")),
    "character_string": (32, re.compile(r"^[\x21-\x7e]+$")),
    "time": (64, re.compile(rf"^{_TIME_POINT}(\s*~\s*{_TIME_POINT})?$")),
    "date": (64, re.compile(rf"^{_DATE_POINT}(\s*~\s*{_DATE_POINT})?$")),
    "amount": (14, re.compile(r"^[¥$€£]?\d{1,10}(\.\d{1,2})?元?$")),
    "phone_number": (17, re.compile(r"^[\d+\-() ]+$")),
    "car_number": (8, None),
    "name": (20, None),
    "phrase": (5, re.compile(r"^[\u4e00-\u9fff]+$")),
}


def key_type(key: str) -> str | None:
    """The WeChat type a field key names (``thing1`` -> ``thing``), or None for a key of no known type."""
    found = KEY.match(key)
    if found is None or found.group(1) not in KEY_TYPES:
        return None
    return found.group(1)


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def limit_of(kind: str, text: str) -> int:
    """The length limit of a ``kind`` value; ``name`` is 10 when it holds Chinese, else 20."""
    if kind == "name" and _has_cjk(text):
        return 10
    return KEY_TYPES[kind][0]


def check_static(key: str, text: Any, *, max_other: int = 200) -> None:
    """Refuse a field whose fixed text (variables left out) breaks its type's limit or format."""
    if not isinstance(text, str):
        raise InvalidTemplate(detail={"field": key, "reason": "not_text"})
    kind = key_type(key)
    static = VARIABLE.sub("", text)
    if kind is None:
        if len(static) > max_other:
            raise InvalidTemplate(detail={"field": key, "limit": max_other, "length": len(static)})
        return
    limit = limit_of(kind, static)
    if len(static) > limit:
        raise InvalidTemplate(detail={"field": key, "type": kind, "limit": limit, "length": len(static)})
    pattern = KEY_TYPES[kind][1]
    if static == text and text and pattern is not None and not pattern.match(text):
        raise InvalidTemplate(detail={"field": key, "type": kind, "reason": "format"})


def check_keyed_template(template: Any, *, max_fields: int, known_types_only: bool) -> None:
    """A keyed WeChat template (subscribe or official-account message): a template id, 1 to
    ``max_fields`` keys, each key's fixed text within its type's limit. ``known_types_only``: every
    key must name a WeChat key type (subscribe messages; official-account keys are free names)."""
    if not template.external_id:
        raise InvalidTemplate(detail={"field": "external_id", "reason": "required"})
    fields = template.fields or {}
    if not isinstance(fields, dict) or not fields:
        raise InvalidTemplate(detail={"field": "fields", "reason": "required"})
    if len(fields) > max_fields:
        raise InvalidTemplate(detail={"field": "fields", "limit": max_fields, "length": len(fields)})
    for key, text in fields.items():
        if known_types_only and key_type(key) is None:
            raise InvalidTemplate(detail={"field": key, "reason": "unknown_key_type"})
        check_static(key, text)


def fit(key: str, value: str) -> str:
    """A rendered value cut to its type's limit ("…" ends a cut ``thing``)."""
    kind = key_type(key)
    if kind is None:
        return value
    limit = limit_of(kind, value)
    if len(value) <= limit:
        return value
    if kind == "thing":
        return value[: limit - 1] + "…"
    return value[:limit]


def lookup(context: dict[str, Any], name: str) -> str:
    """``customer.nickname`` from a nested context ({"customer": {"nickname": ...}}) or a flat one."""
    if name in context:
        value: Any = context[name]
    else:
        value = context
        for part in name.split("."):
            if isinstance(value, dict) and part in value:
                value = value[part]
            else:
                value = getattr(value, part, "") if not isinstance(value, dict) else ""
    return "" if value is None else str(value)


def fill(text: str, context: dict[str, Any]) -> str:
    """``text`` with each ``{{ variable }}`` replaced from ``context`` (unknown: empty)."""
    return VARIABLE.sub(lambda found: lookup(context, found.group(1)), text)


def variables(text: str) -> list[str]:
    return VARIABLE.findall(text)


def data_of(fields: dict[str, Any], context: dict[str, Any]) -> dict[str, dict[str, str]]:
    """WeChat's ``data``: each field filled from the context and fitted to its type."""
    return {key: {"value": fit(key, fill(str(text), context))} for key, text in fields.items()}
