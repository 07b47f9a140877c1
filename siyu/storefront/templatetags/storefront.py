"""Template helpers of the H5 storefront: money, shop URLs, picking the zh or en text of a pair."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import get_language

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
