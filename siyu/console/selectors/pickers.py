"""What the console's pickers offer: SKUs, products, customers and segments of one merchant, found by
what staff remember (a name, a code, a barcode, a category, a phone number), one query per page.

Each search returns cards: the few fields a chip or a result row shows. ``*_by_id`` gives the cards
of ids a form already holds (one query), so an edit page shows what was picked by name, and a form
can tell an id of this merchant from one it does not own (missing from the answer).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Count,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from siyu.audience.models import Segment
from siyu.catalog.models import Category, Product, Sku
from siyu.inventory.models import StockLevel
from siyu.members.models import Customer
from siyu.members.scope import customers_visible_to
from siyu.tenancy.models import Staff

PER_PAGE = 12
MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class Card:
    """One pickable thing as a chip or a result row shows it.

    ``title`` names it (a product name, a nickname), ``detail`` tells it apart (a SKU's spec, a
    masked phone), ``code`` is what staff type elsewhere (a SKU code); ``price`` is fen, ``stock``
    units available; ``status`` is a label for what cannot sell (off shelf, inactive) or "".
    """

    id: int
    title: str
    detail: str = ""
    code: str = ""
    thumb: str = ""
    price: int | None = None
    stock: int | None = None
    extra: str = ""
    status: str = ""


@dataclass(frozen=True)
class PickPage:
    cards: list[Card]
    page: int
    has_more: bool


def _window(qs: QuerySet, page: int) -> tuple[list[Any], bool]:
    """One page of ``qs`` and whether another follows: one query (a row past the page, no COUNT)."""
    start = (page - 1) * PER_PAGE
    rows = list(qs[start : start + PER_PAGE + 1])
    return rows[:PER_PAGE], len(rows) > PER_PAGE


def _ids(ids: Iterable[int]) -> set[int]:
    return {i for i in ids if isinstance(i, int) and 0 < i <= MAX_ID}


# ---- SKUs --------------------------------------------------------------------------------------------


def _warehouse_available() -> Coalesce:
    level = StockLevel.objects.filter(sku=OuterRef("pk"), outlet=None).annotate(
        free=F("on_hand") - F("reserved")
    )
    return Coalesce(Subquery(level.values("free")[:1], output_field=IntegerField()), Value(0))


def _skus(merchant_id: int) -> QuerySet[Sku]:
    return (
        Sku.objects.for_merchant(merchant_id)
        .select_related("product")
        .annotate(available=_warehouse_available(), category_name=F("product__category__name"))
    )


def _thumb(images: Any) -> str:
    if isinstance(images, list) and images and isinstance(images[0], str):
        return images[0]
    return ""


def _sku_status(sku: Sku) -> str:
    from django.utils.translation import gettext as _

    if not sku.is_active:
        return _("Inactive")
    if sku.product.status != "on_sale":
        return str(sku.product.get_status_display())
    return ""


def sku_card(sku: Sku) -> Card:
    return Card(
        id=sku.pk,
        title=sku.product.name,
        detail=" / ".join(str(v) for v in (sku.specs or {}).values()),
        code=sku.code,
        thumb=_thumb(sku.product.images),
        price=sku.price,
        stock=getattr(sku, "available", None),
        extra=getattr(sku, "category_name", None) or "",
        status=_sku_status(sku),
    )


def search_skus(merchant_id: int, *, q: str = "", category_id: int | None = None, page: int = 1) -> PickPage:
    """SKUs whose product name, SKU code, barcode, category or keywords hold ``q``, in a category (or
    its children), newest product first: one query."""
    qs = _skus(merchant_id)
    q = q.strip()
    if q:
        qs = qs.filter(
            Q(product__name__icontains=q)
            | Q(code__icontains=q)
            | Q(barcode=q)
            | Q(product__category__name__icontains=q)
            | Q(product__keywords__icontains=q)
        )
    if category_id is not None:
        qs = qs.filter(Q(product__category_id=category_id) | Q(product__category__parent_id=category_id))
    rows, more = _window(qs.order_by("-product_id", "id"), page)
    return PickPage([sku_card(s) for s in rows], page, more)


def skus_by_id(merchant_id: int, ids: Iterable[int]) -> dict[int, Card]:
    """The cards of the merchant's SKUs among ``ids`` (one query; others' ids are simply absent)."""
    wanted = _ids(ids)
    if not wanted:
        return {}
    return {s.pk: sku_card(s) for s in _skus(merchant_id).filter(pk__in=wanted)}


# ---- products ----------------------------------------------------------------------------------------


def _products(merchant_id: int) -> QuerySet[Product]:
    skus = Sku.objects.filter(product=OuterRef("pk")).order_by().values("product")
    stock = (
        StockLevel.objects.filter(sku__product=OuterRef("pk"), outlet=None)
        .order_by()
        .values("sku__product")
        .annotate(n=Sum(F("on_hand") - F("reserved")))
        .values("n")
    )
    return Product.objects.for_merchant(merchant_id).annotate(
        low_price=Subquery(skus.annotate(p=Min("price")).values("p")[:1], output_field=IntegerField()),
        sku_count=Coalesce(
            Subquery(skus.annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()), Value(0)
        ),
        available=Coalesce(Subquery(stock[:1], output_field=IntegerField()), Value(0)),
        category_name=F("category__name"),
    )


def product_card(p: Product) -> Card:
    from django.utils.translation import ngettext

    n = getattr(p, "sku_count", 0)
    return Card(
        id=p.pk,
        title=p.name,
        detail=ngettext("%(n)d SKU", "%(n)d SKUs", n) % {"n": n},
        thumb=_thumb(p.images),
        price=getattr(p, "low_price", None),
        stock=getattr(p, "available", None),
        extra=getattr(p, "category_name", None) or "",
        status="" if p.status == "on_sale" else str(p.get_status_display()),
    )


def search_products(
    merchant_id: int, *, q: str = "", category_id: int | None = None, page: int = 1
) -> PickPage:
    """Products by name, keywords, category name, or a SKU's code or barcode: one query."""
    qs = _products(merchant_id)
    q = q.strip()
    if q:
        by_sku = Sku.objects.filter(product=OuterRef("pk")).filter(Q(code__icontains=q) | Q(barcode=q))
        from django.db.models import Exists

        qs = qs.filter(
            Q(name__icontains=q) | Q(keywords__icontains=q) | Q(category__name__icontains=q) | Exists(by_sku)
        )
    if category_id is not None:
        qs = qs.filter(Q(category_id=category_id) | Q(category__parent_id=category_id))
    rows, more = _window(qs.order_by("-id"), page)
    return PickPage([product_card(p) for p in rows], page, more)


def products_by_id(merchant_id: int, ids: Iterable[int]) -> dict[int, Card]:
    wanted = _ids(ids)
    if not wanted:
        return {}
    return {p.pk: product_card(p) for p in _products(merchant_id).filter(pk__in=wanted)}


def categories(merchant_id: int) -> list[tuple[int, str]]:
    """The merchant's categories for a picker's filter, children after their parent (one query)."""
    rows = list(Category.objects.for_merchant(merchant_id).order_by("sort_order", "id"))
    parents = [c for c in rows if c.parent_id is None]
    out: list[tuple[int, str]] = []
    for parent in parents:
        out.append((parent.pk, parent.name))
        out += [(c.pk, f"{parent.name} / {c.name}") for c in rows if c.parent_id == parent.pk]
    seen = {pk for pk, _name in out}
    return out + [(c.pk, c.name) for c in rows if c.pk not in seen]


# ---- customers and segments --------------------------------------------------------------------------


def customer_card(c: Customer, shown_phone: Any) -> Card:
    from django.utils.translation import gettext as _

    place = " ".join(p for p in (c.province, c.city) if p)
    return Card(
        id=c.pk,
        title=c.nickname or _("Customer %(id)d") % {"id": c.pk},
        detail=shown_phone(c.phone),
        code=f"#{c.pk}",
        thumb=c.avatar_url,
        extra=place,
        status=_("Blocked") if c.is_blocked else "",
    )


def _customers(merchant_id: int, staff: Staff | None = None) -> QuerySet[Customer]:
    # A customer merged into another is history, never a recipient; a guide picks among their own.
    qs = Customer.objects.for_merchant(merchant_id).filter(merged_into__isnull=True)
    return customers_visible_to(staff, qs) if staff is not None else qs


def search_customers(
    merchant_id: int, *, q: str = "", shown_phone: Any, page: int = 1, staff: Staff | None = None
) -> PickPage:
    """Customers by nickname, whole phone number, or id (``123`` or ``#123``), newest first: one query."""
    qs = _customers(merchant_id, staff)
    q = q.strip()
    if q:
        match = Q(nickname__icontains=q) | Q(phone=q)
        digits = q.removeprefix("#")
        if digits.isdigit() and 0 < int(digits) <= MAX_ID:
            match |= Q(pk=int(digits))
        qs = qs.filter(match)
    rows, more = _window(qs.order_by("-id"), page)
    return PickPage([customer_card(c, shown_phone) for c in rows], page, more)


def customers_by_id(
    merchant_id: int, ids: Iterable[int], *, shown_phone: Any, staff: Staff | None = None
) -> dict[int, Card]:
    wanted = _ids(ids)
    if not wanted:
        return {}
    found = _customers(merchant_id, staff).filter(pk__in=wanted)
    return {c.pk: customer_card(c, shown_phone) for c in found}


def segment_card(s: Segment) -> Card:
    from django.utils.translation import gettext as _
    from django.utils.translation import ngettext

    kind = _("Static") if s.kind == "static" else _("Dynamic")
    return Card(
        id=s.pk,
        title=s.name,
        detail=ngettext("%(n)d customer", "%(n)d customers", s.member_count) % {"n": s.member_count},
        code=f"#{s.pk}",
        extra=kind,
    )


def search_segments(merchant_id: int, *, q: str = "", page: int = 1) -> PickPage:
    """Segments by name or description, newest first: one query."""
    qs = Segment.objects.for_merchant(merchant_id)
    if q.strip():
        qs = qs.filter(Q(name__icontains=q.strip()) | Q(description__icontains=q.strip()))
    rows, more = _window(qs.order_by("-id"), page)
    return PickPage([segment_card(s) for s in rows], page, more)


def segments_by_id(merchant_id: int, ids: Iterable[int]) -> dict[int, Card]:
    wanted = _ids(ids)
    if not wanted:
        return {}
    return {s.pk: segment_card(s) for s in Segment.objects.for_merchant(merchant_id).filter(pk__in=wanted)}
