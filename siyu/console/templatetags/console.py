"""Template filters of the console: money in yuan, percentages, changes, specs."""

from __future__ import annotations

from typing import Any

from django import template

from siyu.console.readable import GATEWAY_LABELS, PERM_LABELS, discount_text, punct
from siyu.members.privacy import mask_phone
from siyu.orders.models import AFTER_SALE_REASONS

register = template.Library()


@register.filter
def yuan(fen: Any) -> str:
    """Fen as yuan with thousands separators: 3564950 -> ¥35,649.50; empty for None."""
    if fen is None or fen == "":
        return ""
    fen = int(fen)
    whole, part = divmod(abs(fen), 100)
    return f"{'-' if fen < 0 else ''}¥{whole:,}.{part:02d}"


@register.filter
def percent(value: Any) -> str:
    """33.33 -> 33.33%; an em dash for None (no base to divide by)."""
    if value is None:
        return "—"
    return f"{value:.2f}%"


@register.filter
def signed(value: Any) -> str:
    """A change in percent with its sign: 12.5 -> +12.5%, -3 -> -3.0%; an em dash for None."""
    if value is None:
        return "—"
    return f"{value:+.1f}%"


@register.filter
def kpi(value: Any, fmt: str) -> str:
    """A KPI value in its format: ``yuan``, ``percent``, or a count with separators."""
    if fmt == "yuan":
        return yuan(value)
    if fmt == "percent":
        return percent(value)
    return "—" if value is None else f"{value:,}"


@register.filter
def specs(value: Any) -> str:
    """A SKU's specs as 颜色:红 / 尺码:M."""
    if not isinstance(value, dict):
        return ""
    return " / ".join(f"{k}:{v}" for k, v in value.items())


@register.filter
def sub(value: Any, other: Any) -> Any:
    """value - other for integers; empty when either is missing."""
    if value is None or other is None or value == "" or other == "":
        return ""
    return int(value) - int(other)


@register.filter
def bp(value: Any) -> str:
    """Basis points as a percentage: 8500 -> 85%, 8550 -> 85.5%; empty for None."""
    if value is None or value == "":
        return ""
    return f"{int(value) / 100:g}%"


@register.filter
def zhe(value: Any) -> str:
    """The share of the price paid as a discount: 8500 -> 8.5折 (85% in English); empty for None."""
    if value is None or value == "":
        return ""
    return discount_text(int(value))


@register.filter
def show(value: Any, fmt: str) -> Any:
    """A value in its format: ``yuan``, ``bool`` (✓ or —), ``datetime`` or as it is ("—" for None)."""
    from django.utils import timezone
    from django.utils.formats import date_format

    if fmt == "yuan":
        return yuan(value) if value is not None else "—"
    if fmt == "bool":
        return "✓" if value else "—"
    if value is None or value == "":
        return "—"
    if fmt == "datetime":
        return date_format(timezone.localtime(value), "Y-m-d H:i")
    return value


@register.filter
def perm_label(value: Any) -> str:
    """``orders.view`` -> 查看订单."""

    found = PERM_LABELS.get(str(value))
    return str(found) if found is not None else str(value)


@register.filter
def gateway_label(value: Any) -> str:
    """``sandbox`` -> 沙箱支付."""

    found = GATEWAY_LABELS.get(str(value))
    return str(found) if found is not None else str(value)


@register.filter
def after_sale_reason(value: Any) -> str:
    """A reason code the shop stores (``quality``) as words; a reason typed as text stays as typed."""

    found = AFTER_SALE_REASONS.get(str(value))
    return str(found) if found is not None else str(value)


@register.simple_tag
def colon() -> str:
    """ "：" in Chinese, ": " otherwise: between a label and its value."""

    return punct().colon


@register.filter
def masked(phone: Any) -> str:
    """A phone as every list and page shows it: 138****1234 (docs/guides.md); the full number only
    comes from the audited reveal."""
    return mask_phone(str(phone) if phone else "") or "—"
