"""Home, categories, search and product pages: content, query counts, tenant isolation."""

from __future__ import annotations

import pytest
from django.test import Client

from siyu.catalog.models import ProductRole
from siyu.catalog.services import create_category
from siyu.events.models import Event, EventKind
from siyu.promotions.services import create_promotion
from siyu.testing.factories import make_merchant

pytestmark = pytest.mark.django_db


def test_unknown_or_closed_shop_is_a_404(merchant):
    assert Client().get("/shop/nope/").status_code == 404
    merchant.is_active = False
    merchant.save(update_fields=["is_active"])
    response = Client().get("/shop/tea/")
    assert response.status_code == 404
    assert b'data-testid="shop-missing"' in response.content


def test_home_shows_zones_and_feed_in_a_fixed_number_of_queries(
    merchant, make_product, django_assert_max_num_queries
):
    for i in range(6):
        make_product(f"Hot {i}", price=1000 + i, roles=[ProductRole.HOT_ITEM])
    make_product("Trial pack", price=990, roles=[ProductRole.NEW_CUSTOMER_TRIAL])
    make_product("Plain tea", price=3000)
    make_product("Draft tea", status="draft")
    client = Client()
    # merchant, the decorated home page (none published), 2 x (products + skus + stock + roles), the
    # cards' flash prices, flash sales, group buys, bargains, the count of every running activity
    with django_assert_max_num_queries(15):
        response = client.get("/shop/tea/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="zone-hot_item"' in html
    assert 'data-testid="zone-new_customer_trial"' in html
    assert 'data-testid="zone-flagship"' not in html
    assert html.count('data-testid="product-card"') == 6 + 1 + 8  # zones, then the feed of all 8
    assert "Plain tea" in html and "¥30.00" in html
    assert "Draft tea" not in html


def test_home_never_shows_another_shops_products(merchant, make_product):
    other = make_merchant("coffee")
    make_product("Our tea")
    make_product("Their coffee", m=other)
    tea = Client().get("/shop/tea/").content.decode()
    coffee = Client().get("/shop/coffee/").content.decode()
    assert "Our tea" in tea and "Their coffee" not in tea
    assert "Their coffee" in coffee and "Our tea" not in coffee


def test_categories_page_lists_tree_and_products_of_the_chosen_branch(
    merchant, make_product, django_assert_max_num_queries
):
    green = create_category(merchant=merchant, name="Green", acting_staff=None)
    longjing = create_category(merchant=merchant, name="Longjing", parent_id=green.pk, acting_staff=None)
    black = create_category(merchant=merchant, name="Black", acting_staff=None)
    make_product("West Lake Longjing", category_id=longjing.pk)
    make_product("Keemun", category_id=black.pk)
    client = Client()
    with django_assert_max_num_queries(7):  # + the cards' flash prices
        response = client.get("/shop/tea/categories/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-testid="category"') == 2
    assert "West Lake Longjing" in html and "Keemun" not in html  # first top category, with children
    html = client.get(f"/shop/tea/categories/?c={black.pk}").content.decode()
    assert "Keemun" in html and "West Lake Longjing" not in html


def test_categories_page_ignores_another_shops_category_id(merchant, make_product):
    other = make_merchant("coffee")
    theirs = create_category(merchant=other, name="Beans", acting_staff=None)
    make_product("Beans", m=other, category_id=theirs.pk)
    html = Client().get(f"/shop/tea/categories/?c={theirs.pk}").content.decode()
    assert "Beans" not in html


def test_search_finds_by_name_and_pages(merchant, make_product, django_assert_max_num_queries):
    for i in range(21):
        make_product(f"Oolong {i:02d}")
    make_product("Pu'er")
    client = Client()
    with django_assert_max_num_queries(6):  # + the cards' flash prices
        response = client.get("/shop/tea/search/", {"q": "oolong"})
    html = response.content.decode()
    assert html.count('data-testid="product-card"') == 20
    assert 'data-testid="next-page"' in html
    page2 = client.get("/shop/tea/search/", {"q": "oolong", "page": "2"}).content.decode()
    assert page2.count('data-testid="product-card"') == 1
    empty = client.get("/shop/tea/search/", {"q": "latte"}).content.decode()
    assert 'data-testid="no-results"' in empty


def test_search_by_logged_in_customer_records_a_search_event(merchant, make_product, shopper):
    client, customer = shopper
    make_product("Oolong")
    client.get("/shop/tea/search/", {"q": "oolong"})
    event = Event.objects.get(kind=EventKind.SEARCH)
    assert (event.merchant_id, event.customer_id) == (merchant.pk, customer.pk)
    assert event.properties == {"keywords": "oolong", "results": 1}


def test_product_page_shows_skus_stock_and_share_links(merchant, make_product, django_assert_max_num_queries):
    product = make_product("Longjing", price=5000, stock=7, skus=2)
    first, second = product.skus.order_by("id")
    second.specs = {"size": "250g"}
    second.save(update_fields=["specs"])
    client = Client()
    # merchant, product + skus + stock + roles, live promotions + pricing policy + membership programme,
    # flash prices
    with django_assert_max_num_queries(9):
        response = client.get(f"/shop/tea/p/{product.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-testid="sku"') == 2
    assert "250g" in html
    assert f'value="{first.pk}" checked' in html
    assert "<span data-stock>7</span>" in html
    assert f"http://testserver/shop/tea/p/{product.pk}/?source=moments" in html


def test_product_page_of_a_logged_in_customer_shares_with_their_id_and_records_a_view(
    merchant, make_product, shopper
):
    client, customer = shopper
    product = make_product()
    html = client.get(f"/shop/tea/p/{product.pk}/").content.decode()
    assert f"/shop/tea/p/{product.pk}/?sharer={customer.pk}&amp;source=community" in html
    event = Event.objects.get(kind=EventKind.PRODUCT_VIEW)
    assert (event.customer_id, event.properties) == (customer.pk, {"product_id": product.pk})


def test_product_page_refuses_another_shops_product_and_drafts(merchant, make_product):
    other = make_merchant("coffee")
    theirs = make_product("Beans", m=other)
    draft = make_product("Draft", status="draft")
    for product in (theirs, draft):
        response = Client().get(f"/shop/tea/p/{product.pk}/")
        assert response.status_code == 404
        assert b'data-code="not_found"' in response.content


def test_product_page_shows_the_promoted_price_and_labels(merchant, owner, make_product):
    product = make_product("Longjing", price=5000)
    other = make_product("Keemun", price=5000)
    create_promotion(
        staff=owner,
        title="春茶",
        kind="limited_time_discount",
        scope={"product_ids": [product.pk]},
        config={"rate_bp": 8500},
    )
    create_promotion(
        staff=owner,
        title="春茶",
        kind="tiered",
        config={"basis": "amount", "tiers": [{"threshold": 30000, "reduce": 5000}]},
    )
    html = Client().get(f"/shop/tea/p/{product.pk}/").content.decode()
    assert 'data-testid="price" data-price>¥42.50<' in html
    assert 'data-testid="was-price" >¥50.00<' in html
    assert "限时8.5折" in html and "满300减50" in html
    plain = Client().get(f"/shop/tea/p/{other.pk}/").content.decode()
    assert 'data-testid="price" data-price>¥50.00<' in plain
    assert "限时8.5折" not in plain and "满300减50" in plain
