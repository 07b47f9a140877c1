"""What the activity pages say: 立即购买 vs 立即抢购, countdowns in the page's language, a bargain's
price shown once."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from siyu.core.money import format_yuan
from siyu.members.services import login_with_code
from siyu.promotions.bargain.services.activities import BargainInput, create_bargain
from siyu.promotions.bargain.services.records import help_bargain, start_bargain
from siyu.promotions.flashsale.services import manage
from siyu.testing.pages import texts

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


@pytest.fixture
def bargain(owner, make_product):
    sku = make_product("Keemun", price=5000, stock=50).skus.get()
    now = timezone.now()
    return create_bargain(
        staff=owner,
        data=BargainInput(
            name="砍到10元",
            sku_id=sku.pk,
            starts_at=now - timedelta(minutes=1),
            ends_at=now + timedelta(days=1),
            floor_price=1000,
            helpers_needed=2,
            hours_to_finish=24,
        ),
    )


def test_a_bargain_shows_its_price_once(merchant, bargain, shopper):
    client, customer = shopper
    record = start_bargain(customer=customer, bargain_id=bargain.pk)
    path = f"/shop/tea/bargain-records/{record.pk}/"
    html = client.get(path).content.decode()
    assert texts(html, "bargain-price") == ["当前价 ¥50.00"]
    assert texts(html, "bargain-progress") == ["好友帮砍最低可至 ¥10.00 · 还差 2 位好友"]
    assert html.count("¥50.00") == 1

    helpers = [login_with_code(merchant=merchant, code=name).customer for name in ("h1", "h2")]
    help_bargain(helper=helpers[0], record_id=record.pk)
    html = client.get(path).content.decode()
    record.refresh_from_db()
    assert texts(html, "bargain-price") == [f"当前价 {format_yuan(record.current_price)} ¥50.00"]
    help_bargain(helper=helpers[1], record_id=record.pk)
    html = client.get(path).content.decode()
    assert texts(html, "bargain-price") == ["当前价 ¥10.00 ¥50.00"]
    assert texts(html, "bargain-progress") == ["共砍 ¥40.00"]
    assert html.count("¥10.00") == 1
    assert texts(html, "help")[0].startswith("好友 -¥")  # helpers without a nickname

    page = client.get(f"/shop/tea/bargains/{bargain.pk}/").content.decode()
    assert f'href="{path}" data-testid="my-bargain"' in page and 'data-testid="start-bargain"' not in page
