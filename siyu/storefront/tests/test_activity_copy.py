"""What the activity pages say: 立即购买 vs 立即抢购, countdowns in the page's language."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from siyu.promotions.flashsale.services import manage
from siyu.storefront.tests.pages import texts

pytestmark = pytest.mark.django_db

LEFT = timedelta(days=1, hours=2, minutes=3, seconds=4)


@pytest.fixture(autouse=True)
def _no_redis(settings):
    settings.REDIS_URL = ""


@pytest.fixture
def sale(owner, make_product):
    sku = make_product("Longjing", price=5000, stock=50).skus.get()
    now = timezone.now()
    return manage.create_flash_sale(
        staff=owner,
        title="618 秒杀",
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(days=3),
        items=[manage.ItemInput(sku.pk, 2990, 10)],
    )


def test_ordinary_products_say_buy_now_and_a_running_flash_sale_says_grab_it(merchant, sale, make_product):
    product = make_product("Pu'er", price=8000)
    assert texts(Client().get(f"/shop/tea/p/{product.pk}/").content.decode(), "buy-now") == ["立即购买"]
    assert texts(Client().get(f"/shop/tea/flash/{sale.pk}/").content.decode(), "flash-buy") == ["立即抢购"]
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert texts(english.get(f"/shop/tea/p/{product.pk}/").content.decode(), "buy-now") == ["Buy now"]
    assert texts(english.get(f"/shop/tea/flash/{sale.pk}/").content.decode(), "flash-buy") == ["Buy now"]


def test_a_flash_sale_not_started_offers_no_grab_button(merchant, owner, make_product):
    sku = make_product("Keemun", price=5000, stock=50).skus.get()
    now = timezone.now()
    upcoming = manage.create_flash_sale(
        staff=owner,
        title="明日秒杀",
        starts_at=now + timedelta(hours=1),
        ends_at=now + timedelta(hours=2),
        items=[manage.ItemInput(sku.pk, 2990, 10)],
    )
    html = Client().get(f"/shop/tea/flash/{upcoming.pk}/").content.decode()
    assert texts(html, "flash-buy") == [] and "立即抢购" not in html


def test_countdowns_say_days_in_the_pages_language(merchant, sale):
    with mock.patch("django.utils.timezone.now", return_value=sale.ends_at - LEFT):
        zh = Client().get(f"/shop/tea/flash/{sale.pk}/").content.decode()
        en = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/shop/tea/flash/{sale.pk}/").content.decode()
        home = Client().get("/shop/tea/").content.decode()
    assert texts(zh, "countdown") == ["1天 02:03:04"]
    assert texts(en, "countdown") == ["1d 02:03:04"]
    assert 'data-countdown-days="{n}天"' in zh and 'data-countdown-days="{n}d"' in en
    assert texts(home, "flash-banner") == ["秒杀 · 618 秒杀 距结束 1天 02:03:04"]
    with mock.patch("django.utils.timezone.now", return_value=sale.ends_at - timedelta(minutes=5)):
        soon = Client().get(f"/shop/tea/flash/{sale.pk}/").content.decode()
    assert texts(soon, "countdown") == ["00:05:00"]
