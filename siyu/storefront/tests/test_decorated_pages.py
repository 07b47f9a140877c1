"""Decorated pages in the shop: the home page shows its published sections (the fixed layout until
then), custom pages live at /shop/<merchant>/p/<slug>/, the editor's preview shows the draft, and a
published version's sections come from the cache on the second visit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.test import Client

from siyu.catalog.models import ProductRole
from siyu.catalog.services import create_category
from siyu.decoration import preview
from siyu.decoration import services as decoration
from siyu.testing.factories import make_flash_sale, make_merchant, make_template
from siyu.testing.pages import texts

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Rendered sections are cached by page id and version number; ids repeat from test to test."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def shop(merchant, owner, make_product):
    """A tea shop: two hot items, a green-tea category with a sub-category, products picked by hand, a
    coupon and a running flash sale."""
    green = create_category(merchant=merchant, name="绿茶", acting_staff=owner)
    longjing = create_category(merchant=merchant, name="龙井", parent_id=green.pk, acting_staff=owner)
    made = {
        "hot_a": make_product("热卖甲", price=1000, roles=[ProductRole.HOT_ITEM], sort_order=2),
        "hot_b": make_product("热卖乙", price=2000, roles=[ProductRole.HOT_ITEM], sort_order=1),
        "green": make_product("碧螺春", price=3000, category_id=green.pk),
        "longjing": make_product("西湖龙井", price=8800, category_id=longjing.pk, sort_order=5),
        "pick": make_product("手选白茶", price=4500),
        "off": make_product("下架茶", price=100, status="draft"),
        "coupon": make_template(owner, title="满100减20", claimable=True),
        "green_category": green,
    }
    sale_sku = made["pick"].skus.get()
    made["sale"] = make_flash_sale(owner, [(sale_sku, 3900, 10)], title="周末秒杀")
    return made


def publish_home(owner, sections) -> int:
    page = decoration.create_page(staff=owner, kind="home", title="首页")
    decoration.save_draft(staff=owner, page_id=page.pk, sections=sections)
    decoration.publish_page(staff=owner, page_id=page.pk)
    return page.pk


def home_sections(shop) -> list[dict]:
    return [
        {"kind": "notice", "text": "全场满99包邮", "link": {"to": "path", "path": "coupons/"}},
        {
            "kind": "banner",
            "slides": [
                {
                    "image": "https://img.example.com/1.jpg",
                    "title": "新茶上市",
                    "link": {"to": "product", "id": shop["hot_a"].pk},
                },
                {"image": "/media/2.jpg", "link": {"to": "category", "id": shop["green_category"].pk}},
            ],
        },
        {"kind": "products", "title": "热卖", "source": "role", "role": "hot_item", "columns": 3},
        {"kind": "products", "title": "绿茶", "source": "category", "category_id": shop["green_category"].pk},
        {
            "kind": "products",
            "title": "掌柜推荐",
            "source": "manual",
            "product_ids": [shop["pick"].pk, shop["off"].pk, shop["hot_b"].pk],
        },
        {"kind": "coupons", "title": "领券"},
        {"kind": "activities", "title": "限时活动"},
        {
            "kind": "image",
            "image": "https://img.example.com/ad.png",
            "alt": "茶礼",
            "link": {"to": "activity", "activity": "flash_sale", "id": shop["sale"].pk},
        },
        {"kind": "richtext", "html": "<p>百年<b>老店</b></p>"},
    ]


def test_the_home_page_shows_the_published_sections_in_their_order(merchant, owner, shop):
    publish_home(owner, home_sections(shop))

    response = Client(headers={"Accept-Language": "zh-hans"}).get("/shop/tea/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="zone-hot_item"' not in html  # the fixed layout is gone
    assert texts(html, "sec-notice") == ["全场满99包邮 ›"]
    assert 'href="/shop/tea/coupons/" class="sec sec-notice"' in html
    assert texts(html, "banner-slide") == ["新茶上市", ""]
    assert f'href="/shop/tea/p/{shop["hot_a"].pk}/"' in html
    assert f'href="/shop/tea/categories/?c={shop["green_category"].pk}"' in html
    # A card without an image shows the name's first character in its place.
    assert texts(html, "sec-products") == [
        "热卖 热 热卖甲 ¥10.00 热 热卖乙 ¥20.00",
        "绿茶 西 西湖龙井 ¥88.00 碧 碧螺春 ¥30.00",  # the sub-category's product too, by the shop's order
        "掌柜推荐 手 手选白茶 ¥39.00 ¥45.00 秒杀 热 热卖乙 ¥20.00",  # the product off sale is left out
    ]
    assert texts(html, "strip-coupon") == ["¥20.00 满 ¥100.00 可用 满100减20: 满100减20券 领取"]
    (activity,) = texts(html, "strip-activity")
    assert activity.rsplit(" ", 1)[0] == "秒杀 周末秒杀 距结束"  # then the count-down, which moves
    assert f'href="/shop/tea/flash/{shop["sale"].pk}/"' in html
    assert texts(html, "sec-richtext") == ["百年 老店"]
    order = [
        html.index(f'data-testid="{t}"')
        for t in (
            "sec-notice",
            "sec-banner",
            "sec-products",
            "sec-coupons",
            "sec-activities",
            "sec-image",
            "sec-richtext",
        )
    ]
    assert order == sorted(order)


def test_until_a_home_page_is_published_the_shop_keeps_the_fixed_layout(merchant, owner, shop):
    decoration.create_page(staff=owner, kind="home", title="首页")  # a draft only

    html = Client().get("/shop/tea/").content.decode()

    assert 'data-testid="zone-hot_item"' in html
    assert 'data-testid="decorated"' not in html


def test_the_second_visit_takes_the_sections_from_the_cache(merchant, owner, shop, django_assert_num_queries):
    publish_home(owner, home_sections(shop))
    client = Client()
    client.get("/shop/tea/")  # the visitor's session exists from here on, as on any second page
    cache.clear()

    # merchant, live version; the sections: role grid, category grid (direct + sub-categories),
    # products + SKUs + stock + roles, flash prices, coupons, 8 playbooks
    with django_assert_num_queries(19):
        first = client.get("/shop/tea/")
    # merchant, live version: the sections come from the cache
    with django_assert_num_queries(2):
        second = client.get("/shop/tea/")

    shown = texts(first.content.decode(), "decorated")
    assert shown == texts(second.content.decode(), "decorated")
    assert "热卖甲" in shown[0] and "周末秒杀" in shown[0]


def test_publishing_a_new_version_shows_at_once_despite_the_cache(merchant, owner, shop):
    page_id = publish_home(owner, [{"kind": "notice", "text": "第一版"}])
    client = Client()
    assert texts(client.get("/shop/tea/").content.decode(), "sec-notice") == ["第一版"]

    decoration.save_draft(staff=owner, page_id=page_id, sections=[{"kind": "notice", "text": "第二版"}])
    decoration.publish_page(staff=owner, page_id=page_id)
    assert texts(client.get("/shop/tea/").content.decode(), "sec-notice") == ["第二版"]

    decoration.rollback_page(staff=owner, page_id=page_id, number=1)
    assert texts(client.get("/shop/tea/").content.decode(), "sec-notice") == ["第一版"]


def test_a_custom_page_is_at_its_address_and_only_once_published(merchant, owner, shop):
    page = decoration.create_page(staff=owner, kind="custom", title="品牌故事", slug="story")
    decoration.save_draft(
        staff=owner, page_id=page.pk, sections=[{"kind": "richtext", "html": "<h3>始于1921</h3>"}]
    )
    client = Client()
    assert client.get("/shop/tea/p/story/").status_code == 404

    decoration.publish_page(staff=owner, page_id=page.pk)
    response = client.get("/shop/tea/p/story/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>品牌故事 · Tea</title>" in html
    assert texts(html, "sec-richtext") == ["始于1921"]
    assert client.get(f"/shop/tea/p/{shop['pick'].pk}/").status_code == 200  # products keep their pages
    assert client.get("/shop/coffee/p/story/").status_code == 404
    make_merchant("coffee")
    assert client.get("/shop/coffee/p/story/").status_code == 404  # another shop has no such page


def test_the_preview_shows_the_draft_to_the_holder_of_a_token_of_this_shop(merchant, owner, shop):
    page_id = publish_home(owner, [{"kind": "notice", "text": "已发布"}])
    decoration.save_draft(staff=owner, page_id=page_id, sections=[{"kind": "notice", "text": "草稿"}])
    token = preview.make_token(merchant_id=merchant.pk, page_id=page_id)
    client = Client()

    response = client.get(f"/shop/tea/preview/?token={token}")

    assert response.status_code == 200
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    html = response.content.decode()
    assert texts(html, "sec-notice") == ["草稿"]
    assert 'data-testid="preview-ribbon"' in html
    assert 'data-testid="visit-beacon"' not in html
    assert texts(client.get("/shop/tea/").content.decode(), "sec-notice") == ["已发布"]
    other = make_merchant("coffee")
    assert client.get(f"/shop/coffee/preview/?token={token}").status_code == 403
    assert client.get("/shop/tea/preview/?token=forged").status_code == 403
    foreign = preview.make_token(merchant_id=other.pk, page_id=page_id)
    assert client.get(f"/shop/tea/preview/?token={foreign}").status_code == 403
