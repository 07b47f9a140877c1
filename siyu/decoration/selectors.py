"""Reads of shop decoration: the console's page list and editor, the storefront's live page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet, Subquery

from siyu.decoration.models import PageKind, PageVersion, ShopPage, VersionStatus
from siyu.decoration.schema import Section, parse_sections
from siyu.tenancy.models import Merchant


def page_rows(*, merchant: Merchant | int) -> QuerySet[ShopPage]:
    """The shop's pages, home first, each with ``live_number``, ``live_at`` and ``has_draft``: 1 query."""
    live = PageVersion.objects.filter(page=OuterRef("pk"), status=VersionStatus.PUBLISHED)
    draft = PageVersion.objects.filter(page=OuterRef("pk"), status=VersionStatus.DRAFT)
    return (
        ShopPage.objects.for_merchant(merchant)
        .annotate(
            live_number=Subquery(live.values("number")[:1]),
            live_at=Subquery(live.values("published_at")[:1]),
            has_draft=Exists(draft),
        )
        .order_by("-kind", "title", "id")  # "home" sorts after "custom": reversed, it comes first
    )


def get_page(*, merchant: Merchant | int, page_id: int) -> ShopPage:
    """One of the shop's pages (404 ``page_not_found`` otherwise)."""
    return ShopPage.objects.for_merchant(merchant).get_owned(page_id)


def home_page(*, merchant: Merchant | int) -> ShopPage | None:
    return ShopPage.objects.for_merchant(merchant).filter(kind=PageKind.HOME).first()


@dataclass(frozen=True)
class Editing:
    """What the editor shows: the draft if there is one, else a copy of the live version."""

    page: ShopPage
    sections: list[Section]
    is_draft: bool
    live: PageVersion | None
    draft_saved_at: datetime | None

    @property
    def taken_ids(self) -> set[str]:
        return {s.id for s in self.sections}


def editing(*, page: ShopPage) -> Editing:
    """The page's draft and live version (1 query), the sections typed."""
    rows = list(
        PageVersion.objects.filter(page=page, status__in=[VersionStatus.DRAFT, VersionStatus.PUBLISHED])
    )
    draft = next((r for r in rows if r.status == VersionStatus.DRAFT), None)
    live = next((r for r in rows if r.status == VersionStatus.PUBLISHED), None)
    shown = draft or live
    return Editing(
        page=page,
        sections=parse_sections(shown.sections) if shown else [],
        is_draft=draft is not None,
        live=live,
        draft_saved_at=draft.updated_at if draft else None,
    )


def versions(*, page: ShopPage) -> list[PageVersion]:
    """Every numbered version of the page, newest first, with who published it: 1 query."""
    return list(
        PageVersion.objects.filter(page=page)
        .exclude(status=VersionStatus.DRAFT)
        .select_related("created_by")
        .order_by("-number")
    )


@dataclass(frozen=True)
class LivePage:
    """The version of a page shoppers see: the cache key is ``page_id`` + ``number``."""

    page_id: int
    kind: str
    slug: str
    title: str
    number: int
    sections: list[dict[str, Any]]


def live_page(*, merchant: Merchant | int, slug: str = "") -> LivePage | None:
    """The published version of the home page (``slug=""``) or of a custom page: 1 query."""
    row = (
        PageVersion.objects.for_merchant(merchant)
        .filter(status=VersionStatus.PUBLISHED, page__slug=slug)
        .select_related("page")
        .first()
    )
    if row is None:
        return None
    return LivePage(row.page_id, row.page.kind, row.page.slug, row.page.title, row.number or 0, row.sections)


def preview_page(*, merchant: Merchant | int, page_id: int) -> LivePage | None:
    """What the editor's phone preview shows: the draft, else the live version (number 0 = draft)."""
    rows = list(
        PageVersion.objects.for_merchant(merchant)
        .filter(page_id=page_id, status__in=[VersionStatus.DRAFT, VersionStatus.PUBLISHED])
        .select_related("page")
    )
    row = next((r for r in rows if r.status == VersionStatus.DRAFT), None) or (rows[0] if rows else None)
    if row is None:
        return None
    return LivePage(row.page_id, row.page.kind, row.page.slug, row.page.title, row.number or 0, row.sections)


@dataclass(frozen=True)
class LinkTargets:
    """What the editor offers to link to or pick: (id or slug, name) per kind, newest first."""

    products: list[tuple[int, str]]
    categories: list[tuple[int, str]]
    pages: list[tuple[str, str]]
    activities: list[tuple[str, int, str]]  # (playbook kind, id, name)
    coupons: list[tuple[int, str]]


PICK_LIMIT = 300  # products offered in the editor's pickers
ACTIVITY_PICK_LIMIT = 30  # per playbook


def link_targets(*, merchant: Merchant, now: datetime) -> LinkTargets:
    """Everything of the shop a section can point at: 4 queries + 1 per playbook."""
    from siyu.catalog.models import Category, Product
    from siyu.decoration.links import ACTIVITY_MODELS
    from siyu.promotions.models import CouponTemplate, TemplateStatus

    products = list(
        Product.objects.for_merchant(merchant).order_by("-id").values_list("pk", "name")[:PICK_LIMIT]
    )
    categories = list(
        Category.objects.for_merchant(merchant).order_by("sort_order", "id").values_list("pk", "name")
    )
    pages = list(
        ShopPage.objects.for_merchant(merchant)
        .filter(kind=PageKind.CUSTOM)
        .order_by("title")
        .values_list("slug", "title")
    )
    coupons = list(
        CouponTemplate.objects.for_merchant(merchant)
        .exclude(status=TemplateStatus.ENDED)
        .order_by("-id")
        .values_list("pk", "title")[:100]
    )
    activities: list[tuple[str, int, str]] = []
    for kind, (model, filters) in ACTIVITY_MODELS.items():
        name = "title" if kind == "flash_sale" else "name"
        ends = "balance_ends_at" if kind == "presale" else "ends_at"  # a presale's window is its columns
        rows = (
            model._default_manager.filter(merchant=merchant, **{f"{ends}__gt": now}, **filters)
            .order_by("-id")
            .values_list("pk", name)[:ACTIVITY_PICK_LIMIT]
        )
        activities += [(kind, pk, label) for pk, label in rows]
    return LinkTargets(products, categories, pages, activities, coupons)
