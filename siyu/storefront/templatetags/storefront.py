"""Template helpers of the H5 storefront: money, shop URLs, picking the zh or en text of a pair."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, pgettext

from siyu.core.money import format_yuan
from siyu.promotions.engine.explain import percent_off, zhe
from siyu.storefront.selectors import specs_text

register = template.Library()


@register.filter
def yuan(fen: Any) -> str:
    """12345 -> '¥123.45'."""
    try:
        return format_yuan(int(fen))
    except (TypeError, ValueError):
        return ""


@register.simple_tag(takes_context=True)
def shop_url(context: template.Context, name: str, *args: Any) -> str:
    """``{% shop_url "product" product.pk %}``: a URL of the current shop."""
    return reverse(f"storefront:{name}", args=[context["shop"].merchant.slug, *args])


@register.simple_tag
def bilingual(zh: str, en: str) -> str:
    """The engine explains itself in both languages: show the one the page is in."""
    return en if (get_language() or "").startswith("en") else zh


@register.filter
def pay_rate(rate_bp: Any) -> str:
    """A coupon's pay rate as the page's language says it: 8500 -> '8.5折' or '15% off'."""
    try:
        bp = int(rate_bp)
    except (TypeError, ValueError):
        return ""
    return percent_off(bp) if (get_language() or "").startswith("en") else zhe(bp)


register.filter("specs_text", specs_text)


def days_format() -> str:
    """How the page's language writes a number of days in a countdown, "{n}" standing for the number
    ("{n}天", "{n}d"); storefront.js reads it from the page to write the same text as it ticks."""
    return pgettext("countdown", "{n}d")


@register.simple_tag
def countdown_days() -> str:
    return days_format()


@register.filter
def countdown(until: Any) -> str:
    """The time left until ``until`` as the page's language writes it: '1天 02:03:04', '1d 02:03:04',
    '00:05:00' (no days), '00:00:00' once past. storefront.js keeps it ticking."""
    if not isinstance(until, datetime):
        return ""
    left = max(0, int((until - timezone.now()).total_seconds()))
    days, rest = divmod(left, 86400)
    clock = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
    return f"{days_format().replace('{n}', str(days))} {clock}" if days else clock
