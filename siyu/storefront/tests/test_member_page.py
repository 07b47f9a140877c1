"""The H5 member card (我的) and member page (会员中心): tier, growth to the next tier, points, benefits,
the tier ladder, check-in and the points history, as the customer reads them."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from siyu.members.loyalty.models import CheckIn, Membership, PointsEntry
from siyu.members.loyalty.services import admin
from siyu.testing import factories
from siyu.testing.clients import h5_login
from siyu.testing.membership import member_world
from siyu.testing.pages import texts

# Check-in counts the merchant's local day: `make test-clock` runs these at fixed instants.
pytestmark = [pytest.mark.django_db, pytest.mark.clock]


@pytest.fixture
def world(owner):
    return member_world(owner)


@pytest.fixture
def gold_client(merchant, world):
    client = Client(headers={"Accept-Language": "zh-hans"})
    assert h5_login(client, merchant, "gold-member") == world.gold
    return client


def test_the_me_page_shows_the_member_card_linking_to_the_member_page(gold_client):
    html = gold_client.get("/shop/tea/me/").content.decode()
    assert texts(html, "tier") == ["金卡"]
    assert texts(html, "growth") == ["1200"]
    assert texts(html, "growth-missing") == ["再获得 3800 成长值即可升级为 钻石卡"]
    assert texts(html, "points-balance") == ["300"]
    assert 'href="/shop/tea/me/member/" class="member-card"' in html
    assert 'aria-valuenow="5"' in html  # (1200 - 1000) / (5000 - 1000)


def test_the_member_page_shows_benefits_the_ladder_and_the_points_history(
    gold_client, owner, world, django_assert_max_num_queries
):
    template = factories.make_template(owner, title="钻石礼券")
    admin.update_tier(
        staff=owner, tier_id=world.tiers["diamond"].pk, upgrade_points=800, upgrade_template_id=template.pk
    )
    with django_assert_max_num_queries(16):
        html = gold_client.get("/shop/tea/me/member/").content.decode()
    assert texts(html, "tier") == ["金卡"]
    assert texts(html, "benefit") == ["会员价 9折", "全场包邮", "1.5× 订单积分"]
    assert [t.split()[0] for t in texts(html, "ladder-tier")] == ["银卡", "金卡", "钻石卡"]
    assert texts(html, "current-tier") == ["当前"]
    assert texts(html, "ladder-threshold") == ["成长值 0", "成长值 1000", "成长值 5000"]
    assert texts(html, "ladder-gift") == ["升级礼：800 积分 + 优惠券：钻石礼券"]
    entry = PointsEntry.objects.get(customer=world.gold)
    day = timezone.localtime(entry.created_at, ZoneInfo("Asia/Shanghai")).date().isoformat()
    assert texts(html, "points-entry") == [f"员工调整 {day} +300"]
    assert texts(html, "check-in") == ["签到 +1 积分"]


def test_checking_in_on_the_member_page_counts_once_a_day(gold_client, world):
    response = gold_client.post("/shop/tea/me/member/", {"action": "check_in"})
    assert response["Location"] == "/shop/tea/me/member/"
    gold_client.post("/shop/tea/me/member/", {"action": "check_in"})  # a double tap
    assert CheckIn.objects.filter(customer=world.gold).count() == 1
    assert Membership.objects.get(customer=world.gold).points_balance == 301
    html = gold_client.get("/shop/tea/me/member/").content.decode()
    assert texts(html, "points-balance") == ["301"]
    assert texts(html, "checked-in") == ["今日已签到"]
    assert texts(html, "streak-days") == ["1"]


def test_the_member_page_in_english(merchant, world):
    client = Client(headers={"Accept-Language": "en"})
    h5_login(client, merchant, "silver-member")
    html = client.get("/shop/tea/me/member/").content.decode()
    assert texts(html, "tier") == ["银卡"]
    assert texts(html, "growth-missing") == ["1000 more to 金卡"]
    assert texts(html, "benefit") == []
    assert "Points on every order and daily check-in." in html


def test_without_a_programme_the_member_page_says_so_and_check_in_does_nothing(merchant):
    client = Client()
    h5_login(client, merchant)
    html = client.get("/shop/tea/me/member/").content.decode()
    assert 'data-testid="membership-missing"' in html
    client.post("/shop/tea/me/member/", {"action": "check_in"})
    assert not CheckIn.objects.exists()


def test_a_visitor_is_sent_to_log_in(merchant):
    response = Client().get("/shop/tea/me/member/")
    assert response["Location"] == "/shop/tea/login/?next=%2Fshop%2Ftea%2Fme%2Fmember%2F"
