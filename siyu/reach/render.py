"""Template text: ``{{ variable }}`` substitution over a fixed whitelist, nothing else.

Templates are written by merchant staff and rendered for every recipient, so they are not Django
templates (no tags, filters or attribute access into arbitrary objects): a regular expression finds
``{{ name }}`` and replaces it with the recipient's text for ``name``. A name outside ``VARIABLES`` is
refused when the template is saved (``check_variables``), so rendering never meets one.

The context is a flat ``{"customer.nickname": "...", "link": "..."}``; ``contexts_for`` builds the
contexts of a batch of messages with one query per kind of object, not one per message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from siyu.core.money import format_yuan
from siyu.reach.errors import InvalidTemplate

if TYPE_CHECKING:
    from siyu.reach.models import Message

# name -> what it is (shown by the console's template editor).
VARIABLES: dict[str, Any] = {
    "customer.nickname": _("The customer's nickname"),
    "merchant.name": _("The shop's name"),
    "coupon.name": _("The coupon's name"),
    "coupon.amount": _("The coupon's value in yuan (e.g. 10.00)"),
    "coupon.valid_until": _("The coupon's last day"),
    "order.number": _("The order number"),
    "order.amount": _("The order's amount in yuan"),
    "product.name": _("The product's name"),
    "product.price": _("The product's price in yuan"),
    "link": _("The tracked short link"),
}

PATTERN = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}")


def variables_in(value: Any) -> set[str]:
    """Every ``{{ name }}`` in a text or in the strings of a JSON value."""
    found: set[str] = set()
    for text in _strings(value):
        found.update(PATTERN.findall(text))
    return found


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def check_variables(value: Any, *, field: str = "fields") -> None:
    """Refuse a template that names a variable outside ``VARIABLES`` (``InvalidTemplate``)."""
    unknown = sorted(variables_in(value) - set(VARIABLES))
    if unknown:
        raise InvalidTemplate(detail={"field": field, "unknown_variables": unknown})


def check_length(field: str, text: str, limit: int, *, sample: dict[str, str] | None = None) -> None:
    """Refuse ``text`` longer than ``limit`` characters once rendered with ``sample`` (channel rules).

    Variables are measured by the sample's values (``SAMPLE`` by default): a nickname or coupon name
    may be longer on a real customer, so adapters also cut at send time where the channel requires.
    """
    rendered = render_text(text, sample if sample is not None else SAMPLE)
    if len(rendered) > limit:
        raise InvalidTemplate(detail={"field": field, "limit": limit, "length": len(rendered)})


# Typical values, used to measure a template against a channel's length limits.
SAMPLE: dict[str, str] = {
    "customer.nickname": "小明",
    "merchant.name": "小店",
    "coupon.name": "满100减10",
    "coupon.amount": "10.00",
    "coupon.valid_until": "2028-03-31",
    "order.number": "D20280229000001",
    "order.amount": "99.00",
    "product.name": "商品",
    "product.price": "99.00",
    "link": "https://s.example.com/reach/r/abcdefghij",
}


def render_text(text: str, context: dict[str, str]) -> str:
    """``text`` with each ``{{ name }}`` replaced by its context value ("" when the context lacks it)."""
    return PATTERN.sub(lambda m: str(context.get(m.group(1), "")), text)


def render_fields(value: Any, context: dict[str, str]) -> Any:
    """A template's ``fields`` (any JSON) with every string rendered."""
    if isinstance(value, str):
        return render_text(value, context)
    if isinstance(value, dict):
        return {k: render_fields(v, context) for k, v in value.items()}
    if isinstance(value, list):
        return [render_fields(v, context) for v in value]
    return value


def contexts_for(messages: Sequence[Message]) -> dict[int, dict[str, str]]:
    """Each message's context: its customer, merchant, coupon, tracked link and the sender's extras.

    One query per kind of object for the whole batch. The sender's extras (``send_message(context=)``,
    e.g. ``order.number`` for a transactional notice) are kept in ``payload["_context"]`` until
    rendered, and win over what is looked up here.
    """
    from siyu.members.models import Customer
    from siyu.promotions.models import Coupon
    from siyu.reach.links import link_for_messages
    from siyu.tenancy.models import Merchant

    if not messages:
        return {}
    customers = dict(
        Customer.objects.filter(pk__in={m.customer_id for m in messages}).values_list("pk", "nickname")
    )
    merchants = dict(
        Merchant.objects.filter(pk__in={m.merchant_id for m in messages}).values_list("pk", "name")
    )
    coupon_ids = {m.coupon_id for m in messages if m.coupon_id}
    coupons = {c.pk: c for c in Coupon.objects.filter(pk__in=coupon_ids).select_related("template")}
    links = link_for_messages([m for m in messages if _wants_link(m)])
    out: dict[int, dict[str, str]] = {}
    for m in messages:
        ctx = {
            "customer.nickname": customers.get(m.customer_id, "") or "",
            "merchant.name": merchants.get(m.merchant_id, ""),
        }
        coupon = coupons.get(m.coupon_id) if m.coupon_id else None
        if coupon is not None:
            ctx["coupon.name"] = coupon.template.title
            ctx["coupon.amount"] = format_yuan(coupon.template.amount)
            if coupon.valid_until is not None:
                ctx["coupon.valid_until"] = coupon.valid_until.date().isoformat()
        if m.pk in links:
            ctx["link"] = links[m.pk]
        ctx.update({k: str(v) for k, v in (m.payload or {}).get("_context", {}).items()})
        out[m.pk] = ctx
    return out


def _wants_link(message: Message) -> bool:
    template = message.template
    return template is not None and "link" in variables_in(template.fields)
