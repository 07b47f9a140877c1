"""What a group buy says to the people in it: an invite right after 开团, 邀请好友/已参团 rather than
去参团 on one's own team, no share prompt once formed, and 成团后发货 on a waiting order."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from siyu.members.services import save_address
from siyu.orders.models import Order
from siyu.promotions.groupbuy.models import Team, TeamStatus
from siyu.promotions.groupbuy.services.activities import GroupBuyInput, GroupBuySkuInput, create_group_buy
from siyu.promotions.groupbuy.services.teams import Delivery, join_team
from siyu.testing.clients import h5_login
from siyu.testing.flows import pay
from siyu.testing.pages import texts

pytestmark = pytest.mark.django_db


def _address(customer):
    return save_address(customer=customer, recipient="A", phone="1390000", province="p", city="c", detail="d")


@pytest.fixture
def group(owner, make_product):
    """A three-person team buy of one ¥50 tea at ¥30."""
    sku = make_product("Oolong", price=5000, stock=50).skus.get()
    now = timezone.now()
    gb = create_group_buy(
        staff=owner,
        data=GroupBuyInput(
            name="三人团",
            starts_at=now - timedelta(minutes=1),
            ends_at=now + timedelta(days=1),
            group_size=3,
            time_limit_hours=24,
            skus=[GroupBuySkuInput(sku.pk, group_price=3000)],
        ),
    )
    return gb, sku


@pytest.fixture
def opened(merchant, group, shopper):
    """alice opened a team from the group-buy page (and is sent to pay)."""
    gb, sku = group
    client, leader = shopper
    _address(leader)
    page = client.get(f"/shop/tea/group-buys/{gb.pk}/").content.decode()
    token = re.search(r'name="token" value="([0-9a-f]+)"', page).group(1)
    response = client.post(f"/shop/tea/group-buys/{gb.pk}/open/", {"sku": sku.pk, "qty": 1, "token": token})
    return client, leader, Team.objects.get(), response


def _join(merchant, team, sku, name: str):
    friend_client = Client()
    friend = h5_login(friend_client, merchant, name)
    member = join_team(
        customer=friend,
        team_id=team.pk,
        sku_id=sku.pk,
        quantity=1,
        delivery=Delivery(address_id=_address(friend).pk),
    )
    pay(friend, member.order)
    return friend_client


def test_after_opening_a_team_the_leader_lands_on_it_with_the_invite(opened):
    client, leader, team, response = opened
    back = parse_qs(urlsplit(response["Location"]).query)["return"]
    assert back == [f"http://testserver/shop/tea/teams/{team.pk}/"]
    unpaid = client.get(f"/shop/tea/teams/{team.pk}/").content.decode()
    assert texts(unpaid, "pay-to-open") == ["付款后即可邀请好友参团。 立即支付"]
    assert 'data-testid="share"' not in unpaid

    order = pay(leader, Order.objects.get())
    html = client.get(f"/shop/tea/teams/{team.pk}/").content.decode()
    assert texts(html, "invite-title") == ["邀请好友参团 · 还差 2 人"]
    assert '<details class="share" data-testid="share" open>' in html
    assert f"/shop/tea/teams/{team.pk}/?sharer={leader.pk}&amp;source=moments" in html
    assert texts(html, "join-team") == []
    detail = client.get(f"/shop/tea/orders/{order.pk}/").content.decode()
    assert texts(detail, "hold") == ["成团后发货。"]
    assert texts(detail, "invite-friends") == ["邀请好友参团"]
    assert f'href="/shop/tea/teams/{team.pk}/" data-testid="invite-friends"' in detail


def test_own_and_joined_teams_are_not_offered_to_join(merchant, group, opened):
    gb, sku = group
    client, leader, team, _response = opened
    pay(leader, Order.objects.get())
    assert texts(client.get(f"/shop/tea/group-buys/{gb.pk}/").content.decode(), "joinable-team") == [
        "alice · 还差 2 人 邀请好友"
    ]
    friend = _join(merchant, team, sku, "bob")
    assert texts(friend.get(f"/shop/tea/group-buys/{gb.pk}/").content.decode(), "joinable-team") == [
        "alice · 还差 1 人 已参团"
    ]
    stranger = Client()
    h5_login(stranger, merchant, "carol")
    assert texts(stranger.get(f"/shop/tea/group-buys/{gb.pk}/").content.decode(), "joinable-team") == [
        "alice · 还差 1 人 去参团"
    ]
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    h5_login(english, merchant, "alice")
    assert texts(english.get(f"/shop/tea/group-buys/{gb.pk}/").content.decode(), "joinable-team") == [
        "alice · 1 seat left Invite friends"
    ]


def test_a_formed_team_asks_no_one_to_share_it(merchant, group, opened):
    _gb, sku = group
    client, leader, team, _response = opened
    order = pay(leader, Order.objects.get())
    for name in ("bob", "carol"):
        _join(merchant, team, sku, name)
    team.refresh_from_db()
    assert team.status == TeamStatus.FORMED
    html = client.get(f"/shop/tea/teams/{team.pk}/").content.decode()
    assert texts(html, "team-status") == ["已成团"]
    assert 'data-testid="share"' not in html and texts(html, "invite-title") == []
    assert "分享" not in html
    detail = client.get(f"/shop/tea/orders/{order.pk}/").content.decode()
    assert texts(detail, "hold") == [] and texts(detail, "invite-friends") == []
