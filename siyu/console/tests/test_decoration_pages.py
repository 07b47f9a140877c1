"""店铺装修 in the console (Django's test client): decorate the home page, edit sections, publish,
roll back; refusals show on the form and change nothing; who may edit and who may only look."""

from __future__ import annotations

import pytest

from siyu.catalog.models import ProductRole
from siyu.decoration.models import PageVersion, ShopPage
from siyu.tenancy.models import AuditEntry, Role
from siyu.testing.clients import log_in
from siyu.testing.pages import texts
from siyu.testing.snapshots import refused

pytestmark = pytest.mark.django_db


def draft_of(page: ShopPage) -> list[dict]:
    return PageVersion.objects.get(page=page, status="draft").sections


def start_home(console) -> ShopPage:
    response = console.post("/console/decoration/new/", {"kind": "home"})
    page = ShopPage.objects.get(kind="home")
    assert response.status_code == 302
    assert response["Location"] == f"/console/decoration/{page.pk}/"
    return page


def test_an_owner_builds_publishes_and_rolls_back_the_home_page(console, merchant, make_product):
    hot = make_product("明前龙井", price=12800, roles=[ProductRole.HOT_ITEM])
    listing = console.get("/console/decoration/")
    assert 'data-testid="decorate-home"' in listing.content.decode()
    page = start_home(console)
    editor = console.get(f"/console/decoration/{page.pk}/").content.decode()
    assert texts(editor, "section-summary") == [
        "Newest claimable",
        "Every running activity",
        "Hot item · up to 6 · 2 columns",
        "All products · up to 10 · 2 columns",
    ]
    assert 'src="/shop/tea/preview/?token=' in editor
    base = f"/console/decoration/{page.pk}"
    ids = [s["id"] for s in draft_of(page)]

    # Add a banner, fill in its slide, move it to the top, drop the activity strip.
    assert console.post(f"{base}/sections/", {"kind": "banner"}).status_code == 302
    banner_id = draft_of(page)[-1]["id"]
    saved = console.post(
        f"{base}/sections/{banner_id}/",
        {"image_0": "https://img.example.com/spring.jpg", "title_0": "春茶", "link_0": f"product:{hot.pk}"},
    )
    assert saved.status_code == 302
    for _ in range(4):
        console.post(f"{base}/sections/{banner_id}/move/", {"direction": "up"})
    console.post(f"{base}/sections/{ids[1]}/remove/")

    assert draft_of(page) == [
        {
            "id": banner_id,
            "kind": "banner",
            "slides": [
                {
                    "image": "https://img.example.com/spring.jpg",
                    "title": "春茶",
                    "link": {"to": "product", "id": hot.pk},
                }
            ],
        },
        {"id": ids[0], "kind": "coupons", "title": "", "template_ids": [], "limit": 4},
        {
            "id": ids[2],
            "kind": "products",
            "title": "Hot item",
            "source": "role",
            "role": "hot_item",
            "category_id": None,
            "product_ids": [],
            "columns": 2,
            "limit": 6,
        },
        {
            "id": ids[3],
            "kind": "products",
            "title": "All products",
            "source": "all",
            "role": None,
            "category_id": None,
            "product_ids": [],
            "columns": 2,
            "limit": 10,
        },
    ]
    published = console.post(f"{base}/publish/")
    assert published.status_code == 302
    assert "Version 1 is live." in console.get(f"{base}/").content.decode()
    shop = console.get("/shop/tea/").content.decode()
    assert texts(shop, "banner-slide") == ["春茶"]

    # A second version, then back to the first.
    grid_id = ids[2]
    console.post(
        f"{base}/sections/{grid_id}/",
        {"title": "镇店之宝", "source": "manual", "product_ids": [hot.pk], "columns": "3", "limit": "3"},
    )
    console.post(f"{base}/publish/")
    assert texts(console.get("/shop/tea/").content.decode(), "sec-products")[0].startswith("镇店之宝")
    versions = console.get(f"{base}/versions/").content.decode()
    assert texts(versions, "version-status") == ["Published", "Superseded"]
    back = console.post(f"{base}/versions/1/rollback/")
    assert back.status_code == 302
    assert texts(console.get(f"{base}/versions/").content.decode(), "version-status") == [
        "Published",
        "Superseded",
        "Superseded",
    ]
    assert "镇店之宝" not in console.get("/shop/tea/").content.decode()
    actions = list(
        AuditEntry.objects.filter(action__startswith="decoration.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "decoration.page_create",
        "decoration.publish",
        "decoration.publish",
        "decoration.rollback",
    ]


def test_a_link_outside_the_shop_is_refused_on_its_field_and_changes_nothing(console, merchant):
    page = start_home(console)
    console.post(f"/console/decoration/{page.pk}/sections/", {"kind": "notice"})
    notice_id = draft_of(page)[-1]["id"]
    url = f"/console/decoration/{page.pk}/sections/{notice_id}/"

    # A page of the shop that is no place to link to: the service refuses it.
    response = refused(
        console, url, {"text": "去结算", "link": "path", "link_path": "checkout/"}, merchant, 400, "bad_link"
    )
    assert (
        "This link does not lead to a page of your shop."
        in texts(response.content.decode(), "section-form")[-1]
    )
    # Another site, or a product id not offered: the form refuses them first.
    refused(
        console,
        url,
        {"text": "x", "link": "path", "link_path": "https://evil.example.com/"},
        merchant,
        400,
        "invalid_sections",
    )
    refused(console, url, {"text": "x", "link": "product:99999"}, merchant, 400)
    # A slide without an image, a grid by role without its role.
    console.post(f"/console/decoration/{page.pk}/sections/", {"kind": "banner"})
    banner_id = draft_of(page)[-1]["id"]
    refused(
        console, f"/console/decoration/{page.pk}/sections/{banner_id}/", {"title_0": "春茶"}, merchant, 400
    )
    grid_id = draft_of(page)[2]["id"]
    response = refused(
        console,
        f"/console/decoration/{page.pk}/sections/{grid_id}/",
        {"source": "role", "role": "", "columns": "2", "limit": "6"},
        merchant,
        400,
    )
    assert "Choose the role whose products the grid shows." in response.content.decode()


def test_publishing_without_changes_is_refused(console, merchant):
    page = start_home(console)
    console.post(f"/console/decoration/{page.pk}/publish/")

    refused(console, f"/console/decoration/{page.pk}/publish/", {}, merchant, 409, "nothing_to_publish")
    refused(
        console,
        f"/console/decoration/{page.pk}/versions/1/rollback/",
        {},
        merchant,
        409,
        "version_already_live",
    )


def test_a_custom_page_is_created_with_its_address(console, merchant):
    response = console.post("/console/decoration/new/", {"title": "品牌故事", "slug": "story"})
    page = ShopPage.objects.get(slug="story")
    assert response["Location"] == f"/console/decoration/{page.pk}/"

    refused(console, "/console/decoration/new/", {"title": "又一个", "slug": "story"}, merchant, 400)
    refused(console, "/console/decoration/new/", {"title": "数字", "slug": "2024"}, merchant, 400)
    listing = console.get("/console/decoration/").content.decode()
    assert "/shop/tea/p/story/" in listing


def test_staff_who_may_look_see_the_editor_without_its_controls_and_cannot_change_it(
    console, merchant, make_staff
):
    page = start_home(console)
    analyst = log_in(make_staff(Role.ANALYST))

    editor = analyst.get(f"/console/decoration/{page.pk}/")
    assert editor.status_code == 200
    html = editor.content.decode()
    assert 'data-testid="publish"' not in html and 'data-testid="section-form"' not in html
    refused(analyst, f"/console/decoration/{page.pk}/publish/", {}, merchant, 403, "permission_denied")
    refused(analyst, f"/console/decoration/{page.pk}/sections/", {"kind": "notice"}, merchant, 403)
    outlet_manager = log_in(make_staff(Role.OUTLET_MANAGER))
    assert outlet_manager.get("/console/decoration/").status_code == 200  # catalog.view
    service = log_in(make_staff(Role.GUIDE))
    assert service.get("/console/decoration/").status_code == 200


def test_the_list_and_the_editor_take_a_fixed_number_of_queries(
    console, merchant, make_product, django_assert_num_queries
):
    page = start_home(console)
    for i in range(5):
        console.post("/console/decoration/new/", {"title": f"页面{i}", "slug": f"page-{i}"})
        make_product(f"茶{i}")
    for kind in ("banner", "notice", "image", "richtext", "coupons"):
        console.post(f"/console/decoration/{page.pk}/sections/", {"kind": kind})

    with django_assert_num_queries(4):  # session, user, staff, the pages
        assert console.get("/console/decoration/").status_code == 200
    # session, user, staff, the page, its draft and live version (1 query);
    # what sections can point at: products, categories, pages, coupons and 8 playbooks
    with django_assert_num_queries(17):
        assert console.get(f"/console/decoration/{page.pk}/").status_code == 200


def test_another_merchants_page_is_not_found(console, merchant):
    from siyu.decoration import services as svc
    from siyu.testing import factories

    other = factories.make_staff(factories.make_merchant("coffee"))
    page = svc.create_page(staff=other, kind="home", title="首页")

    assert console.get(f"/console/decoration/{page.pk}/").status_code == 404
    refused(console, f"/console/decoration/{page.pk}/publish/", {}, merchant, 404, "not_found")
