"""Publishing and rolling back through the services: numbers only grow, one version is live, every
publication is audited, and a refusal changes nothing."""

from __future__ import annotations

import pytest

from siyu.core.errors import PermissionDenied
from siyu.decoration import selectors
from siyu.decoration import services as svc
from siyu.decoration.errors import (
    AlreadyLive,
    BadLink,
    HomePageExists,
    InvalidSections,
    InvalidSlug,
    NeverPublished,
    NothingToPublish,
    SlugTaken,
    VersionNotFound,
)
from siyu.decoration.models import PageVersion, VersionStatus
from siyu.tenancy.models import AuditEntry, Role
from siyu.testing.snapshots import changed, tenant_rows

NOTICE = [{"id": "n1", "kind": "notice", "text": "第一版"}]
STORED = [{"id": "n1", "kind": "notice", "text": "第一版", "link": None}]  # every field is stored


def states(page) -> list[tuple[int | None, str, int | None]]:
    return list(
        PageVersion.objects.filter(page=page)
        .order_by("number")
        .values_list("number", "status", "restored_from")
    )


def test_a_home_page_starts_as_a_draft_and_each_publication_is_the_next_version(owner):
    page = svc.create_page(staff=owner, kind="home", title="首页")
    assert states(page) == [(None, "draft", None)]
    assert [s["kind"] for s in PageVersion.objects.get(page=page).sections] == [
        "coupons",
        "activities",
        "products",
        "products",
    ]

    first = svc.publish_page(staff=owner, page_id=page.pk)
    svc.save_draft(staff=owner, page_id=page.pk, sections=NOTICE)
    second = svc.publish_page(staff=owner, page_id=page.pk)

    assert (first.number, second.number) == (1, 2)
    assert states(page) == [(1, "archived", None), (2, "published", None)]
    live = selectors.live_page(merchant=owner.merchant)
    assert (live.number, live.sections) == (2, STORED)
    audits = AuditEntry.objects.filter(merchant=owner.merchant, action__startswith="decoration.").order_by(
        "id"
    )
    assert [(a.action, a.before, a.after) for a in audits] == [
        ("decoration.page_create", None, {"kind": "home", "slug": "", "title": "首页"}),
        (
            "decoration.publish",
            {"number": None},
            {"number": 1, "sections": ["coupons", "activities", "products", "products"]},
        ),
        ("decoration.publish", {"number": 1}, {"number": 2, "sections": ["notice"]}),
    ]


def test_rolling_back_publishes_a_copy_of_the_old_version_and_discards_the_draft(owner):
    page = svc.create_page(staff=owner, kind="custom", title="关于我们", slug="about")
    svc.save_draft(staff=owner, page_id=page.pk, sections=NOTICE)
    svc.publish_page(staff=owner, page_id=page.pk)
    svc.save_draft(staff=owner, page_id=page.pk, sections=[{"id": "n1", "kind": "notice", "text": "第二版"}])
    svc.publish_page(staff=owner, page_id=page.pk)
    svc.save_draft(staff=owner, page_id=page.pk, sections=[{"id": "n1", "kind": "notice", "text": "草稿"}])

    restored = svc.rollback_page(staff=owner, page_id=page.pk, number=1)

    assert (restored.number, restored.sections) == (3, STORED)
    assert states(page) == [(1, "archived", None), (2, "archived", None), (3, "published", 1)]
    assert selectors.live_page(merchant=owner.merchant, slug="about").sections == STORED
    entry = AuditEntry.objects.filter(action="decoration.rollback").get()
    assert (entry.before, entry.after) == (
        {"number": 2},
        {"number": 3, "restored_from": 1, "draft_discarded": True},
    )


@pytest.mark.parametrize(
    ("act", "error"),
    [
        (lambda staff, page: svc.publish_page(staff=staff, page_id=page.pk), NothingToPublish),
        (lambda staff, page: svc.rollback_page(staff=staff, page_id=page.pk, number=9), VersionNotFound),
        (lambda staff, page: svc.rollback_page(staff=staff, page_id=page.pk, number=1), AlreadyLive),
        (lambda staff, page: svc.create_page(staff=staff, kind="home", title="又一个首页"), HomePageExists),
        (lambda staff, page: svc.create_page(staff=staff, kind="custom", title="x", slug="123"), InvalidSlug),
        (
            lambda staff, page: svc.create_page(staff=staff, kind="custom", title="x", slug="Sale"),
            InvalidSlug,
        ),
        (
            lambda staff, page: svc.save_draft(staff=staff, page_id=page.pk, sections=[{"kind": "x"}]),
            InvalidSections,
        ),
        (
            lambda staff, page: svc.save_draft(
                staff=staff,
                page_id=page.pk,
                sections=[{"kind": "notice", "link": {"to": "product", "id": 999}}],
            ),
            BadLink,
        ),
    ],
)
def test_a_refused_change_changes_nothing(owner, act, error):
    page = svc.create_page(staff=owner, kind="home", title="首页")
    svc.publish_page(staff=owner, page_id=page.pk)
    svc.create_page(staff=owner, kind="custom", title="活动", slug="sale")
    before = tenant_rows(owner.merchant)

    with pytest.raises(error):
        act(owner, page)

    assert changed(before, tenant_rows(owner.merchant)) == []


def test_a_custom_page_cannot_take_a_used_address_and_a_draft_never_published_cannot_be_discarded(owner):
    page = svc.create_page(staff=owner, kind="custom", title="活动", slug="sale")
    with pytest.raises(SlugTaken):
        svc.create_page(staff=owner, kind="custom", title="又一个", slug="sale")
    with pytest.raises(NeverPublished):
        svc.discard_draft(staff=owner, page_id=page.pk)


def test_a_draft_linking_to_a_product_deleted_since_cannot_be_published(owner, make_product):
    product = make_product("龙井")
    page = svc.create_page(staff=owner, kind="home", title="首页")
    svc.save_draft(
        staff=owner,
        page_id=page.pk,
        sections=[{"kind": "notice", "text": "新茶", "link": {"to": "product", "id": product.pk}}],
    )
    product.delete()

    with pytest.raises(BadLink):
        svc.publish_page(staff=owner, page_id=page.pk)
    assert states(page) == [(None, "draft", None)]


def test_staff_without_the_storefront_permission_cannot_edit(make_staff, owner):
    page = svc.create_page(staff=owner, kind="home", title="首页")
    analyst = make_staff(Role.ANALYST)
    with pytest.raises(PermissionDenied):
        svc.save_draft(staff=analyst, page_id=page.pk, sections=NOTICE)
    with pytest.raises(PermissionDenied):
        svc.publish_page(staff=analyst, page_id=page.pk)
    assert PageVersion.objects.filter(page=page, status=VersionStatus.PUBLISHED).count() == 0


def test_another_merchants_page_is_not_found(owner, make_staff):
    from siyu.testing import factories

    other_owner = factories.make_staff(factories.make_merchant("coffee"))
    page = svc.create_page(staff=other_owner, kind="home", title="首页")

    from siyu.decoration.errors import PageNotFound

    with pytest.raises(PageNotFound):
        svc.publish_page(staff=owner, page_id=page.pk)
