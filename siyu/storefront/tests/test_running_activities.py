"""The home page's 活动 tile and the 活动 page count and list every playbook running now."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from siyu.promotions.flashsale.services import manage
from siyu.testing.factories import make_merchant
from siyu.testing.pages import texts
from siyu.testing.worlds import run_every_playbook

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_redis(settings):
    settings.REDIS_URL = ""


def test_every_running_playbook_is_counted_and_listed(
    merchant, owner, make_product, django_assert_max_num_queries
):
    now = timezone.now()
    books = run_every_playbook(owner, make_product, now=now)
    make_merchant("coffee")
    home = Client().get("/shop/tea/").content.decode()
    assert texts(home, "home-campaigns") == ["活动 8"]
    with django_assert_max_num_queries(12):  # shop, cart count and one query per playbook
        html = Client().get("/shop/tea/campaigns/").content.decode()
    assert texts(html, "no-campaigns") == []
    assert [t.split(" 距结束 ")[0] for t in texts(html, "campaign-card")] == [
        "秒杀 限时秒杀",
        "拼团 三人团",
        "砍价 砍到10元",
        "预售 春茶预售",
        "好友助力 助力领券",
        "好友瓜分 瓜分100元",
        "支付抽奖 满50抽奖",
        "盲盒 手办盲盒",
    ]
    assert f'href="/shop/tea/flash/{books.flash_sale.pk}/" data-testid="campaign-card"' in html
    assert f'href="/shop/tea/group-buys/{books.group_buy.pk}/" data-testid="campaign-card"' in html
    assert f'href="/shop/tea/bargains/{books.bargain.pk}/" data-testid="campaign-card"' in html
    # Another shop runs none of them.
    assert texts(Client().get("/shop/coffee/").content.decode(), "home-campaigns") == ["活动"]
    other = Client().get("/shop/coffee/campaigns/").content.decode()
    assert texts(other, "no-campaigns") == ["暂无活动。"] and texts(other, "campaign-card") == []


def test_a_flash_sale_alone_is_an_activity_until_it_ends(merchant, owner, make_product):
    now = timezone.now()
    sale = manage.create_flash_sale(
        staff=owner,
        title="限时秒杀",
        starts_at=now + timedelta(hours=1),
        ends_at=now + timedelta(hours=3),
        items=[manage.ItemInput(make_product("Longjing").skus.get().pk, 2990, 10)],
    )
    for at, tile, cards in [
        (now, "活动", 0),  # not started yet
        (sale.starts_at, "活动 1", 1),
        (sale.ends_at, "活动", 0),
    ]:
        with mock.patch("django.utils.timezone.now", return_value=at):
            assert texts(Client().get("/shop/tea/").content.decode(), "home-campaigns") == [tile], at
            html = Client().get("/shop/tea/campaigns/").content.decode()
        assert len(texts(html, "campaign-card")) == cards, at
        assert texts(html, "no-campaigns") == ([] if cards else ["暂无活动。"]), at
