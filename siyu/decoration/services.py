"""Use cases of shop decoration: create a page, save its draft, publish, roll back, discard.

Each takes the acting staff first (``require(staff, Perm.STOREFRONT_EDIT)``), locks the page's row
so two editors of one page take turns (a publish and a draft save never interleave), and writes an
audit row for what shoppers will see (page created or renamed, version published or rolled back).
Draft saves are not audited: the draft row itself records who last saved it and when.

Sections are validated twice over before they are stored: their shape by ``schema.parse_sections``
and their targets by ``links.check_links``; publishing validates again, since a product or page a
draft links to may have gone since the draft was saved.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext

from siyu.catalog.models import ProductRole
from siyu.core.errors import InvalidInput
from siyu.decoration.errors import (
    AlreadyLive,
    HomePageExists,
    InvalidSlug,
    NeverPublished,
    NothingToPublish,
    SlugTaken,
    VersionNotFound,
)
from siyu.decoration.links import check_links
from siyu.decoration.models import PageKind, PageVersion, ShopPage, VersionStatus
from siyu.decoration.schema import SLUG_PATTERN, Section, dump_sections, parse_sections
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import record_audit, require

TITLE_MAX = 40


def _validated(staff: Staff, raw: Any) -> list[Section]:
    sections = parse_sections(raw)
    check_links(staff.merchant, sections)
    return sections


def _clean_title(title: str) -> str:
    title = (title or "").strip()
    if not 1 <= len(title) <= TITLE_MAX:
        raise InvalidInput(detail={"title": f"1 to {TITLE_MAX} characters"})
    return title


def _clean_slug(slug: str) -> str:
    slug = (slug or "").strip()
    if not re.fullmatch(SLUG_PATTERN, slug):
        raise InvalidSlug(detail={"slug": slug})
    return slug


def starting_sections() -> list[dict[str, Any]]:
    """What a new home page's draft starts with: the parts of the fixed home a merchant keeps most,
    titled in the language of the request that creates it (the titles are the merchant's to change)."""
    return [
        {"kind": "coupons"},
        {"kind": "activities"},
        {"kind": "products", "title": str(ProductRole.HOT_ITEM.label), "source": "role", "role": "hot_item"},
        {"kind": "products", "title": gettext("All products"), "source": "all", "limit": 10},
    ]


@transaction.atomic
def create_page(*, staff: Staff, kind: str, title: str, slug: str = "") -> ShopPage:
    """A new page with a first draft: the home page (one per shop) or a custom page at its slug."""
    require(staff, Perm.STOREFRONT_EDIT)
    merchant = staff.merchant
    title = _clean_title(title)
    if kind == PageKind.HOME:
        slug = ""
        if ShopPage.objects.for_merchant(merchant).filter(kind=PageKind.HOME).exists():
            raise HomePageExists()
        raw: list[dict[str, Any]] = starting_sections()
    elif kind == PageKind.CUSTOM:
        slug = _clean_slug(slug)
        raw = [{"kind": "richtext"}]
    else:
        raise InvalidInput(detail={"kind": kind})
    if ShopPage.objects.for_merchant(merchant).filter(slug=slug).exists():
        raise SlugTaken(detail={"slug": slug})
    try:
        with transaction.atomic():
            page = ShopPage.objects.create(merchant=merchant, kind=kind, slug=slug, title=title)
    except IntegrityError:  # a concurrent create won the slug or the home page
        raise (HomePageExists() if kind == PageKind.HOME else SlugTaken(detail={"slug": slug})) from None
    PageVersion.objects.create(
        merchant=merchant,
        page=page,
        status=VersionStatus.DRAFT,
        sections=dump_sections(_validated(staff, raw)),
        created_by=staff,
    )
    record_audit(
        staff=staff,
        merchant=merchant,
        action="decoration.page_create",
        obj=page,
        after={"kind": kind, "slug": slug, "title": title},
    )
    return page


@transaction.atomic
def update_page(*, staff: Staff, page_id: int, title: str, slug: str | None = None) -> ShopPage:
    """Rename a page, or move a custom page to another address."""
    require(staff, Perm.STOREFRONT_EDIT)
    page = ShopPage.objects.for_merchant(staff.merchant).get_owned(page_id, lock=True)
    before = {"title": page.title, "slug": page.slug}
    page.title = _clean_title(title)
    if slug is not None and page.kind == PageKind.CUSTOM:
        slug = _clean_slug(slug)
        if slug != page.slug and ShopPage.objects.for_merchant(staff.merchant).filter(slug=slug).exists():
            raise SlugTaken(detail={"slug": slug})
        page.slug = slug
    page.updated_at = timezone.now()
    page.save(update_fields=["title", "slug", "updated_at"])
    after = {"title": page.title, "slug": page.slug}
    if after != before:
        record_audit(
            staff=staff,
            merchant=staff.merchant,
            action="decoration.page_update",
            obj=page,
            before=before,
            after=after,
        )
    return page


@transaction.atomic
def save_draft(*, staff: Staff, page_id: int, sections: Any) -> PageVersion:
    """Replace the page's draft with ``sections`` (made from the live version if there was none)."""
    require(staff, Perm.STOREFRONT_EDIT)
    page = ShopPage.objects.for_merchant(staff.merchant).get_owned(page_id, lock=True)
    stored = dump_sections(_validated(staff, sections))
    now = timezone.now()
    draft = PageVersion.objects.filter(page=page, status=VersionStatus.DRAFT).first()
    if draft is None:
        return PageVersion.objects.create(
            merchant=staff.merchant,
            page=page,
            status=VersionStatus.DRAFT,
            sections=stored,
            created_by=staff,
            created_at=now,
            updated_at=now,
        )
    draft.sections = stored
    draft.created_by = staff
    draft.updated_at = now
    draft.save(update_fields=["sections", "created_by", "updated_at"])
    return draft


def _next_number(page: ShopPage) -> int:
    return (PageVersion.objects.filter(page=page).aggregate(n=Max("number"))["n"] or 0) + 1


def _go_live(
    staff: Staff, page: ShopPage, sections: list[dict[str, Any]], restored_from: int | None
) -> PageVersion:
    """Archive the live version and publish ``sections`` as the next number (the page is locked)."""
    live = PageVersion.objects.filter(page=page, status=VersionStatus.PUBLISHED).first()
    if live is not None:
        live.status = VersionStatus.ARCHIVED
        live.save(update_fields=["status"])
    now = timezone.now()
    version = PageVersion.objects.create(
        merchant=page.merchant,
        page=page,
        number=_next_number(page),
        status=VersionStatus.PUBLISHED,
        sections=sections,
        created_by=staff,
        created_at=now,
        updated_at=now,
        published_at=now,
        restored_from=restored_from,
    )
    page.updated_at = now
    page.save(update_fields=["updated_at"])
    return version


@transaction.atomic
def publish_page(*, staff: Staff, page_id: int) -> PageVersion:
    """Freeze the draft into the next numbered version and make it the one shoppers see."""
    require(staff, Perm.STOREFRONT_EDIT)
    page = ShopPage.objects.for_merchant(staff.merchant).get_owned(page_id, lock=True)
    draft = PageVersion.objects.filter(page=page, status=VersionStatus.DRAFT).first()
    if draft is None:
        raise NothingToPublish(detail={"page_id": page.pk})
    stored = dump_sections(_validated(staff, draft.sections))
    was = (
        PageVersion.objects.filter(page=page, status=VersionStatus.PUBLISHED)
        .values_list("number", flat=True)
        .first()
    )
    draft.delete()
    version = _go_live(staff, page, stored, None)
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="decoration.publish",
        obj=page,
        before={"number": was},
        after={"number": version.number, "sections": [s["kind"] for s in stored]},
    )
    return version


@transaction.atomic
def rollback_page(*, staff: Staff, page_id: int, number: int) -> PageVersion:
    """Publish a copy of version ``number`` as the next version; an unpublished draft is discarded."""
    require(staff, Perm.STOREFRONT_EDIT)
    page = ShopPage.objects.for_merchant(staff.merchant).get_owned(page_id, lock=True)
    old = PageVersion.objects.filter(page=page, number=number).first()
    if old is None:
        raise VersionNotFound(detail={"number": number})
    if old.status == VersionStatus.PUBLISHED:
        raise AlreadyLive(detail={"number": number})
    stored = dump_sections(_validated(staff, old.sections))
    was = (
        PageVersion.objects.filter(page=page, status=VersionStatus.PUBLISHED)
        .values_list("number", flat=True)
        .first()
    )
    discarded, _ = PageVersion.objects.filter(page=page, status=VersionStatus.DRAFT).delete()
    version = _go_live(staff, page, stored, number)
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="decoration.rollback",
        obj=page,
        before={"number": was},
        after={"number": version.number, "restored_from": number, "draft_discarded": bool(discarded)},
    )
    return version


@transaction.atomic
def discard_draft(*, staff: Staff, page_id: int) -> bool:
    """Drop the unpublished changes: the editor shows the live version again. False if there were none."""
    require(staff, Perm.STOREFRONT_EDIT)
    page = ShopPage.objects.for_merchant(staff.merchant).get_owned(page_id, lock=True)
    if not PageVersion.objects.filter(page=page, status=VersionStatus.PUBLISHED).exists():
        raise NeverPublished(detail={"page_id": page.pk})
    deleted, _ = PageVersion.objects.filter(page=page, status=VersionStatus.DRAFT).delete()
    return bool(deleted)
