"""Product cards and the product page show a running flash sale's price, the price crossed out.

The card (home, category and search lists) and the product page agree, and "Buy now" on the
product page buys through the flash sale, at the price it showed. An upcoming sale changes nothing.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from siyu.catalog.services import create_category
from siyu.promotions.flashsale.services import manage

pytestmark = pytest.mark.django_db

CARD = re.compile(r'<li class="card" data-testid="product-card">(.*?)</li>', re.S)


def _cards(html: str) -> dict[str, tuple[str, str | None, bool]]:
    """Product name -> (price, crossed-out price, flash tag) of each card on the page."""
    cards = {}
    for body in CARD.findall(html):
        name = re.search(r'<p class="card-name">(.*?)</p>', body).group(1)  # type: ignore[union-attr]
        price = re.search(r'data-testid="card-price">(.*?)</span>', body).group(1)  # type: ignore[union-attr]
        was = re.search(r'data-testid="card-was-price">(.*?)</s>', body)
        cards[name] = (price, was.group(1) if was else None, 'data-testid="card-flash"' in body)
    return cards


@pytest.fixture
def flash_goods(owner, merchant, make_product):
    tea = create_category(merchant=merchant, name="Tea", acting_staff=owner)
    longjing = make_product("Longjing", price=5000, category_id=tea.pk)
    green = make_product("Green tea", price=3000, category_id=tea.pk)
    now = timezone.now()
    sale = manage.create_flash_sale(
        staff=owner,
        title="限时秒杀",
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(hours=1),
        items=[manage.ItemInput(longjing.skus.get().pk, 2990, 10)],
        publish=True,
    )
    return tea, longjing, green, sale


def test_cards_show_the_flash_price_with_the_price_crossed_out(flash_goods):
    tea, _longjing, _green, _sale = flash_goods
    expected = {"Longjing": ("¥29.90", "¥50.00", True), "Green tea": ("¥30.00", None, False)}
    client = Client()

    assert _cards(client.get("/shop/tea/").content.decode()) == expected
    assert _cards(client.get(f"/shop/tea/categories/?c={tea.pk}").content.decode()) == expected
    assert _cards(client.get("/shop/tea/search/?q=Longjing").content.decode()) == {
        "Longjing": ("¥29.90", "¥50.00", True)
    }


def test_the_product_page_shows_the_same_flash_price_and_links_the_sale(flash_goods):
    _tea, longjing, green, sale = flash_goods
    html = Client().get(f"/shop/tea/p/{longjing.pk}/").content.decode()

    assert re.search(r'data-testid="price" data-price>(.*?)</span>', html).group(1) == "¥29.90"  # type: ignore[union-attr]
    assert re.search(r'data-testid="was-price" >(.*?)</s>', html).group(1) == "¥50.00"  # type: ignore[union-attr]
    assert f'href="/shop/tea/flash/{sale.pk}/" data-testid="product-flash"' in html
    plain = Client().get(f"/shop/tea/p/{green.pk}/").content.decode()
    assert 'data-testid="product-flash"' not in plain


def test_buy_now_on_the_product_page_buys_through_the_flash_sale(flash_goods, shopper):
    client, _customer = shopper
    _tea, longjing, green, sale = flash_goods
    sku = longjing.skus.get().pk

    response = client.post("/shop/tea/cart/add/", {"sku": sku, "qty": "1", "buy_now": "1"})
    assert response["Location"] == f"/shop/tea/checkout/?sku={sku}&qty=1&activity=flash_sale%3A{sale.pk}"
    plain = green.skus.get().pk
    response = client.post("/shop/tea/cart/add/", {"sku": plain, "qty": "2", "buy_now": "1"})
    assert response["Location"] == f"/shop/tea/checkout/?sku={plain}&qty=2"


def test_an_upcoming_flash_sale_leaves_the_card_at_the_price(owner, make_product):
    longjing = make_product("Longjing", price=5000)
    now = timezone.now()
    manage.create_flash_sale(
        staff=owner,
        title="明日秒杀",
        starts_at=now + timedelta(hours=1),
        ends_at=now + timedelta(hours=2),
        items=[manage.ItemInput(longjing.skus.get().pk, 2990, 10)],
        publish=True,
    )
    assert _cards(Client().get("/shop/tea/").content.decode()) == {"Longjing": ("¥50.00", None, False)}
