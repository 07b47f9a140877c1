"""A decorated page's sections turned into what its templates show, in a fixed number of queries.

However many sections a page has, the data comes from at most: one query for the product grids by
role, two for those by category (products of the category, and of its sub-categories), one for
the newest products, the products themselves with SKUs, stock and roles (4), their flash prices
(1), the claimable coupons (1) and one per playbook an activity strip shows (8 at most). A section
kind the page does not use costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.urls import reverse

from siyu.catalog import selectors as catalog
from siyu.catalog.models import ProductRoleAssignment
from siyu.decoration.schema import (
    ActivityLink,
    ActivityStrip,
    Banner,
    CategoryLink,
    CouponStrip,
    ImageAd,
    Notice,
    PageLink,
    PathLink,
    ProductGrid,
    ProductLink,
    RichText,
    Section,
)
from siyu.storefront import activity_selectors, coupon_selectors
from siyu.storefront.selectors import ProductCard, card, flash_prices
from siyu.tenancy.models import Merchant

ACTIVITY_PAGES = {book.kind: book.url_name for book in activity_selectors.PLAYBOOKS}


def link_url(slug: str, link: Any) -> str:
    """Where a section's link leads in the shop ``slug`` ("" for no link)."""
    if isinstance(link, ProductLink):
        return reverse("storefront:product", args=[slug, link.id])
    if isinstance(link, CategoryLink):
        return reverse("storefront:categories", args=[slug]) + f"?c={link.id}"
    if isinstance(link, ActivityLink):
        return reverse(f"storefront:{ACTIVITY_PAGES[link.activity]}", args=[slug, link.id])
    if isinstance(link, PageLink):
        return reverse("storefront:page", args=[slug, link.slug])
    if isinstance(link, PathLink):
        return reverse("storefront:home", args=[slug]) + link.path
    return ""


@dataclass(frozen=True)
class Block:
    """One section as its template shows it: ``kind`` picks storefront/sections/<kind>.html."""

    section: Any
    kind: str
    url: str = ""  # the section's own link (notice, image ad)
    slides: list[tuple[Any, str]] = field(default_factory=list)  # banner: (slide, url)
    cards: list[ProductCard] = field(default_factory=list)
    offers: list[coupon_selectors.Offer] = field(default_factory=list)
    entries: list[activity_selectors.Entry] = field(default_factory=list)

    @property
    def template(self) -> str:
        return f"storefront/sections/{self.kind}.html"


def _by_role(merchant: Merchant, grids: list[ProductGrid]) -> dict[str, list[int]]:
    roles = {g.role for g in grids if g.source == "role"}
    if not roles:
        return {}
    limit = max(g.limit for g in grids if g.source == "role")
    rows = (
        ProductRoleAssignment.objects.for_merchant(merchant)
        .filter(role__in=roles, product__in=catalog.on_sale_products(merchant=merchant).values("pk"))
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("role")],
                order_by=[F("product__sort_order").desc(), F("product_id").asc()],
            )
        )
        .filter(rank__lte=limit)
        .order_by("role", "rank")
        .values_list("role", "product_id")
    )
    found: dict[str, list[int]] = {}
    for role, product_id in rows:
        found.setdefault(role, []).append(product_id)
    return found


def _by_category(merchant: Merchant, grids: list[ProductGrid]) -> dict[int, list[int]]:
    """Products of each category and its sub-categories (as the categories page lists them)."""
    categories = {g.category_id for g in grids if g.source == "category"}
    if not categories:
        return {}
    limit = max(g.limit for g in grids if g.source == "category")
    ranked: dict[int, list[tuple[int, int]]] = {}
    for key in ("category_id", "category__parent_id"):
        rows = (
            catalog.on_sale_products(merchant=merchant)
            .filter(**{f"{key}__in": categories})
            .annotate(
                rank=Window(
                    RowNumber(), partition_by=[F(key)], order_by=[F("sort_order").desc(), F("id").asc()]
                )
            )
            .filter(rank__lte=limit)
            .values_list(key, "pk", "sort_order")
        )
        for category_id, product_id, sort_order in rows:
            ranked.setdefault(category_id, []).append((-sort_order, product_id))
    return {c: [pk for _, pk in sorted(rows)] for c, rows in ranked.items()}


def _grid_cards(merchant: Merchant, grids: list[ProductGrid], now: datetime) -> dict[str, list[ProductCard]]:
    if not grids:
        return {}
    by_role = _by_role(merchant, grids)
    by_category = _by_category(merchant, grids)
    newest: list[int] = []
    if any(g.source == "all" for g in grids):
        limit = max(g.limit for g in grids if g.source == "all")
        newest = list(catalog.on_sale_products(merchant=merchant).values_list("pk", flat=True)[:limit])
    wanted: dict[str, list[int]] = {}
    for g in grids:
        if g.source == "role":
            wanted[g.id] = by_role.get(str(g.role), [])
        elif g.source == "category":
            wanted[g.id] = by_category.get(g.category_id or 0, [])
        elif g.source == "manual":
            wanted[g.id] = list(g.product_ids)
        else:
            wanted[g.id] = newest
    ids = {pk for pks in wanted.values() for pk in pks}
    products = (
        {p.pk: p for p in catalog.on_sale_products(merchant=merchant).filter(pk__in=ids)} if ids else {}
    )
    flash = flash_prices(merchant=merchant, product_ids=list(products), now=now) if products else {}
    grid_limits = {g.id: g.limit for g in grids}
    return {
        sid: [card(products[pk], flash) for pk in pks if pk in products][: grid_limits[sid]]
        for sid, pks in wanted.items()
    }


def _offers(
    merchant: Merchant, strips: list[CouponStrip], now: datetime
) -> dict[str, list[coupon_selectors.Offer]]:
    if not strips:
        return {}
    open_offers = [
        o for o in coupon_selectors.offers(merchant=merchant, customer=None, now=now) if not o.sold_out
    ]
    by_id = {o.template.pk: o for o in open_offers}
    result = {}
    for s in strips:
        chosen = [by_id[t] for t in s.template_ids if t in by_id] if s.template_ids else open_offers
        result[s.id] = chosen[: s.limit]
    return result


def _entries(
    merchant: Merchant, strips: list[ActivityStrip], now: datetime
) -> dict[str, list[activity_selectors.Entry]]:
    if not strips:
        return {}
    kinds: set[str] = set()
    for s in strips:
        kinds |= set(s.kinds) if s.kinds else set(ACTIVITY_PAGES)
    limit = max(s.limit for s in strips)
    entries: list[activity_selectors.Entry] = []
    for book in activity_selectors.PLAYBOOKS:
        if book.kind in kinds:
            for row in book.running(merchant, now)[:limit]:
                entries.append(
                    activity_selectors.Entry(
                        book.kind, book.label, book.name(row), book.url_name, row.pk, book.ends_at(row, now)
                    )
                )
    entries.sort(key=lambda e: e.ends_at)
    return {s.id: [e for e in entries if not s.kinds or e.kind in s.kinds][: s.limit] for s in strips}


def resolve(*, merchant: Merchant, sections: list[Section], now: datetime) -> list[Block]:
    """The blocks of a page, in its order; a section with nothing to show yet is left out."""
    grids = _grid_cards(merchant, [s for s in sections if isinstance(s, ProductGrid)], now)
    offers = _offers(merchant, [s for s in sections if isinstance(s, CouponStrip)], now)
    entries = _entries(merchant, [s for s in sections if isinstance(s, ActivityStrip)], now)
    slug = merchant.slug
    blocks: list[Block] = []
    for s in sections:
        if isinstance(s, Banner) and s.slides:
            blocks.append(
                Block(s, "banner", slides=[(slide, link_url(slug, slide.link)) for slide in s.slides])
            )
        elif isinstance(s, ProductGrid) and grids.get(s.id):
            blocks.append(Block(s, "products", cards=grids[s.id]))
        elif isinstance(s, CouponStrip) and offers.get(s.id):
            blocks.append(Block(s, "coupons", offers=offers[s.id]))
        elif isinstance(s, ActivityStrip) and entries.get(s.id):
            blocks.append(Block(s, "activities", entries=entries[s.id]))
        elif isinstance(s, Notice) and s.text:
            blocks.append(Block(s, "notice", url=link_url(slug, s.link)))
        elif isinstance(s, ImageAd) and s.image:
            blocks.append(Block(s, "image", url=link_url(slug, s.link)))
        elif isinstance(s, RichText) and s.html:
            blocks.append(Block(s, "richtext"))
    return blocks
