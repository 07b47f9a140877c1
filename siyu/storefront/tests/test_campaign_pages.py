"""Presale, assist, split, lottery and blind-box pages: shown to visitors and customers, every action
through its service, refusals changing nothing, share links, tenant isolation and query ceilings."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from siyu.core.money import format_yuan
from siyu.events.models import Event, EventKind
from siyu.members.models import Customer, Source
from siyu.members.services import login_with_code, save_address
from siyu.orders.models import Order, OrderStatus
from siyu.orders.services import checkout
from siyu.promotions.activities import ActivityRef
from siyu.promotions.campaigns.models import (
    AssistHelp,
    AssistRecord,
    CampaignReward,
    Draw,
    DrawCampaign,
    SplitMember,
    SplitTeam,
)
from siyu.promotions.campaigns.playbook import ASSISTS, LOTTERIES
from siyu.promotions.campaigns.services import assist, pools, split
from siyu.promotions.campaigns.services.pools import PrizeInput
from siyu.promotions.kit.services import set_status
from siyu.promotions.models import Coupon
from siyu.promotions.presale.models import Presale, PresaleBooking
from siyu.promotions.presale.playbook import PRESALES
from siyu.promotions.presale.services import admin as presale_admin
from siyu.promotions.services.coupons import create_template
from siyu.tenancy.models import Merchant
from siyu.testing.clients import h5_login
from siyu.testing.clock import at
from siyu.testing.factories import make_merchant
from siyu.testing.flows import pay, place, place_activity
from siyu.testing.pages import form_token as _token
from siyu.testing.pages import left as _left

pytestmark = pytest.mark.django_db


def _address(customer):
    return save_address(customer=customer, recipient="A", phone="1390000", province="p", city="c", detail="d")


def _html(client: Client, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, response.content[:800]
    return response.content.decode()


def _queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured.captured_queries)


def _customer(name: str):
    """A customer of the tea shop who never opened the H5 pages."""
    return login_with_code(merchant=Merchant.objects.get(slug="tea"), code=name).customer


@pytest.fixture
def window():
    now = timezone.now()
    return {"starts_at": now - timedelta(hours=1), "ends_at": now + timedelta(days=7)}


@pytest.fixture
def coffee():
    return make_merchant("coffee")


# ---- 好友助力 assist ---------------------------------------------------------------------------


@pytest.fixture
def template(owner):
    return create_template(
        staff=owner,
        title="¥5 off",
        kind="amount",
        amount=500,
        validity="after_claim",
        valid_days=7,
        total_quantity=10,
    )


@pytest.fixture
def assist_campaign(owner, window, template):
    return assist.create_assist(
        staff=owner,
        name="助力领券",
        assists_needed=3,
        hours=24,
        reward_kind="coupon",
        reward_value=500,
        coupon_template_id=template.pk,
        reward_stock=5,
        **window,
    )


def test_assist_page_for_a_visitor_and_a_customer(merchant, assist_campaign, shopper):
    path = f"/shop/tea/assists/{assist_campaign.pk}/"
    html = _html(Client(), path)
    assert 'data-phase="running"' in html and "助力领券" in html
    assert 'data-testid="reward">¥5.00' in html
    assert _left(html, "rewards-left") == 5
    assert f'href="/shop/tea/login/?next={path}" data-testid="login-to-act"' in html
    assert 'data-testid="start-assist"' not in html and 'data-testid="share"' in html
    client, _customer = shopper
    html = _html(client, path)
    assert 'data-testid="start-assist"' in html and 'data-testid="login-to-act"' not in html
    english = _html(Client(HTTP_ACCEPT_LANGUAGE="en"), path)
    assert 'data-testid="assist-rule">Get 3 friends to help within 24 hours.<' in english
    assert 'data-testid="reward">¥5.00 coupon<' in english


def test_start_then_three_friends_help_and_unlock_the_coupon(merchant, assist_campaign, shopper):
    client, owner_customer = shopper
    response = client.post(f"/shop/tea/assists/{assist_campaign.pk}/start/")
    record = AssistRecord.objects.get()
    assert response["Location"] == f"/shop/tea/assist-records/{record.pk}/"
    own = _html(client, response["Location"])
    assert 'data-status="ongoing"' in own and 'data-testid="assist-count">0/3<' in own
    assert 'data-testid="help-assist"' not in own
    assert f"?sharer={owner_customer.pk}&amp;source=moments" in own
    again = client.post(f"/shop/tea/assists/{assist_campaign.pk}/start/")
    assert again.status_code == 409 and b'data-code="assist_already_started"' in again.content
    assert AssistRecord.objects.count() == 1

    helpers = []
    for n, name in enumerate(["h1", "h2", "h3"], start=1):
        helper = Client()
        h5_login(helper, merchant, name)
        helpers.append(helper)
        assert 'data-testid="help-assist"' in _html(helper, f"/shop/tea/assist-records/{record.pk}/")
        response = helper.post(f"/shop/tea/assist-records/{record.pk}/help/")
        assert response["Location"] == f"/shop/tea/assist-records/{record.pk}/"
        after = _html(helper, response["Location"])
        assert f'data-testid="assist-count">{n}/3<' in after
        assert 'data-testid="helped"' in after and 'data-testid="help-assist"' not in after
        assert 'data-testid="start-own"' in after
        if n == 1:
            twice = helper.post(f"/shop/tea/assist-records/{record.pk}/help/")
            assert twice.status_code == 409 and b'data-code="assist_already_helped"' in twice.content
            record.refresh_from_db()
            assert (record.assists_count, AssistHelp.objects.count()) == (1, 1)

    record.refresh_from_db()
    assert (record.status, record.assists_count, AssistHelp.objects.count()) == ("unlocked", 3, 3)
    reward = CampaignReward.objects.get()
    assert (reward.customer_id, reward.amount, reward.status) == (owner_customer.pk, 500, "issued")
    assert Coupon.objects.get().customer_id == owner_customer.pk

    own = _html(client, f"/shop/tea/assist-records/{record.pk}/")
    assert 'data-status="unlocked"' in own and 'data-testid="reward-unlocked"' in own
    assert own.count('data-testid="help"') == 3 and 'aria-valuenow="100"' in own
    campaign_page = _html(client, f"/shop/tea/assists/{assist_campaign.pk}/")
    assert f'href="/shop/tea/assist-records/{record.pk}/" data-testid="my-record"' in campaign_page

    late = Client()
    h5_login(late, merchant, "late")
    assert 'data-testid="help-assist"' not in _html(late, f"/shop/tea/assist-records/{record.pk}/")
    closed = late.post(f"/shop/tea/assist-records/{record.pk}/help/")
    assert closed.status_code == 409 and b'data-code="assist_closed"' in closed.content
    record.refresh_from_db()
    assert (record.assists_count, AssistHelp.objects.count(), CampaignReward.objects.count()) == (3, 3, 1)


def test_self_help_and_a_paused_campaign_are_refused(merchant, owner, assist_campaign, shopper):
    client, customer = shopper
    record = assist.start_assist(customer=customer, campaign_id=assist_campaign.pk)
    own = client.post(f"/shop/tea/assist-records/{record.pk}/help/")
    assert own.status_code == 409 and b'data-code="assist_self_help"' in own.content
    set_status(ASSISTS, "pause", staff=owner, activity_id=assist_campaign.pk)
    friend = Client()
    h5_login(friend, merchant, "friend")
    page = _html(friend, f"/shop/tea/assist-records/{record.pk}/")
    assert 'data-testid="help-assist"' not in page and 'data-testid="not-running"' in page
    refused = friend.post(f"/shop/tea/assist-records/{record.pk}/help/")
    assert refused.status_code == 409 and b'data-code="campaign_not_running"' in refused.content
    assert 'data-phase="paused"' in _html(friend, f"/shop/tea/assists/{assist_campaign.pk}/")
    start = friend.post(f"/shop/tea/assists/{assist_campaign.pk}/start/")
    assert start.status_code == 409 and b'data-code="campaign_not_running"' in start.content
    record.refresh_from_db()
    assert (AssistRecord.objects.count(), record.assists_count, AssistHelp.objects.count()) == (1, 0, 0)


def test_a_shared_record_link_survives_login_and_credits_the_sharer(merchant, assist_campaign, customer):
    record = assist.start_assist(customer=customer, campaign_id=assist_campaign.pk)
    path = f"/shop/tea/assist-records/{record.pk}/"
    friend = Client()
    landing = friend.get(path, {"sharer": customer.pk, "source": "moments"})
    assert landing["Location"] == path
    acting = friend.post(f"{path}help/")  # a visitor's action asks for a login first
    assert acting["Location"].startswith("/shop/tea/login/") and not AssistHelp.objects.exists()
    event = Event.objects.get(kind=EventKind.VISIT)
    assert (event.sharer_id, event.source, event.properties["path"]) == (customer.pk, "moments", path)
    page = _html(friend, path)
    assert 'data-testid="help-assist"' not in page
    assert f'href="/shop/tea/login/?next={path}" data-testid="login-to-act"' in page
    login = friend.post("/shop/tea/login/", {"nickname": "newbie", "next": path})
    assert login["Location"] == path
    newbie = Customer.objects.get(merchant=merchant, nickname="newbie")
    # The landing is linked at login: its channel is the first touch (issue 11 item 6c).
    assert (newbie.referrer_id, newbie.first_touch_source) == (customer.pk, Source.MOMENTS)
    assert friend.post(f"{path}help/").status_code == 302
    assert AssistHelp.objects.get().helper_id == newbie.pk
    assert f"?sharer={newbie.pk}&amp;source=community" in _html(friend, path)


def test_another_shops_assist_is_a_404(merchant, assist_campaign, customer, coffee):
    record = assist.start_assist(customer=customer, campaign_id=assist_campaign.pk)
    outsider = Client()
    h5_login(outsider, coffee, "eve")
    assert outsider.get(f"/shop/coffee/assists/{assist_campaign.pk}/").status_code == 404
    assert outsider.get(f"/shop/coffee/assist-records/{record.pk}/").status_code == 404
    assert outsider.post(f"/shop/coffee/assists/{assist_campaign.pk}/start/").status_code == 404
    assert outsider.post(f"/shop/coffee/assist-records/{record.pk}/help/").status_code == 404
    record.refresh_from_db()
    assert (AssistRecord.objects.count(), record.assists_count) == (1, 0)


def test_the_record_page_reads_a_fixed_number_of_queries(merchant, owner, window, customer):
    campaign = assist.create_assist(
        staff=owner, name="A", assists_needed=10, hours=24, reward_kind="points", reward_value=100, **window
    )
    record = assist.start_assist(customer=customer, campaign_id=campaign.pk)
    path = f"/shop/tea/assist-records/{record.pk}/"
    viewer = Client()
    h5_login(viewer, merchant, "viewer")
    assist.help_assist(helper=_customer("f0"), record_id=record.pk)
    one = _queries(viewer, path)
    for n in range(1, 6):
        assist.help_assist(helper=_customer(f"f{n}"), record_id=record.pk)
    assert _queries(viewer, path) == one <= 6
    assert _html(viewer, path).count('data-testid="help"') == 6
    assert _queries(viewer, f"/shop/tea/assists/{campaign.pk}/") <= 6


# ---- 好友瓜分 split ----------------------------------------------------------------------------


@pytest.fixture
def split_campaign(owner, window):
    return split.create_split(
        staff=owner,
        name="瓜分100元",
        team_size=3,
        pool_amount=10_000,
        min_share=500,
        hours=24,
        reward_kind="coupon",
        team_stock=2,
        **window,
    )


def test_split_page_then_a_team_fills_and_shows_every_share(merchant, split_campaign, shopper):
    path = f"/shop/tea/splits/{split_campaign.pk}/"
    html = _html(Client(), path)
    assert 'data-testid="pool">¥100.00<' in html and 'data-testid="min-share">¥5.00<' in html
    assert _left(html, "teams-left") == 2 and 'data-testid="login-to-act"' in html
    english = _html(Client(HTTP_ACCEPT_LANGUAGE="en"), path)
    assert "fill its 3 seats within 24 hours" in english
    client, leader = shopper
    assert 'data-testid="start-team"' in _html(client, path)
    response = client.post(f"{path}start/")
    team = SplitTeam.objects.get()
    assert response["Location"] == f"/shop/tea/split-teams/{team.pk}/"
    page = _html(client, response["Location"])
    assert page.count('data-testid="seat"') == 1 and page.count('data-testid="empty-seat"') == 2
    assert 'data-testid="in-team"' in page and 'data-testid="join-split"' not in page
    assert 'data-testid="my-team"' in _html(client, path)

    friends = []
    for name in ("f1", "f2"):
        friend = Client()
        h5_login(friend, merchant, name)
        friends.append(friend)
        assert 'data-testid="join-split"' in _html(friend, f"/shop/tea/split-teams/{team.pk}/")
        assert friend.post(f"/shop/tea/split-teams/{team.pk}/join/").status_code == 302
    team.refresh_from_db()
    assert (team.status, team.member_count) == ("filled", 3)
    shares = list(SplitMember.objects.filter(team=team).order_by("position").values_list("share", flat=True))
    assert sum(shares) == 10_000 and min(shares) >= 500
    page = _html(client, f"/shop/tea/split-teams/{team.pk}/")
    assert 'data-status="filled"' in page and page.count('data-testid="share-line"') == 3
    mine = SplitMember.objects.get(team=team, customer=leader).share
    assert re.search(r'data-testid="my-share">[^<]*?(¥[\d.]+)<', page).group(1) == format_yuan(mine)
    assert f'data-testid="seed">{team.seed}<' in page
    assert CampaignReward.objects.filter(source="split").count() == 3

    late = Client()
    h5_login(late, merchant, "late")
    assert 'data-testid="join-split"' not in _html(late, f"/shop/tea/split-teams/{team.pk}/")
    closed = late.post(f"/shop/tea/split-teams/{team.pk}/join/")
    assert closed.status_code == 409 and b'data-code="team_closed"' in closed.content
    assert SplitMember.objects.count() == 3


def test_joining_a_second_team_is_refused_and_changes_nothing(merchant, split_campaign, shopper):
    client, leader = shopper
    team = split.start_team(customer=leader, campaign_id=split_campaign.pk)
    other = split.start_team(customer=_customer("other"), campaign_id=split_campaign.pk)
    refused = client.post(f"/shop/tea/split-teams/{other.pk}/join/")
    assert refused.status_code == 409 and b'data-code="team_already_joined"' in refused.content
    gone = client.post(f"/shop/tea/splits/{split_campaign.pk}/start/")
    assert gone.status_code == 409 and b'data-code="team_already_joined"' in gone.content
    third = Client()
    h5_login(third, merchant, "third")
    stock = third.post(f"/shop/tea/splits/{split_campaign.pk}/start/")  # two teams of a stock of 2
    assert stock.status_code == 409 and b'data-code="campaign_rewards_gone"' in stock.content
    other.refresh_from_db()
    team.refresh_from_db()
    counts = (team.member_count, other.member_count, SplitTeam.objects.count(), SplitMember.objects.count())
    assert counts == (1, 1, 2, 2)


def test_another_shops_split_is_a_404_and_the_team_page_has_a_ceiling(
    merchant, split_campaign, customer, coffee
):
    team = split.start_team(customer=customer, campaign_id=split_campaign.pk)
    outsider = Client()
    h5_login(outsider, coffee, "eve")
    assert outsider.get(f"/shop/coffee/splits/{split_campaign.pk}/").status_code == 404
    assert outsider.get(f"/shop/coffee/split-teams/{team.pk}/").status_code == 404
    assert outsider.post(f"/shop/coffee/split-teams/{team.pk}/join/").status_code == 404
    team.refresh_from_db()
    assert team.member_count == 1
    viewer = Client()
    h5_login(viewer, merchant, "viewer")
    path = f"/shop/tea/split-teams/{team.pk}/"
    one = _queries(viewer, path)
    for name in ("j1", "j2"):
        split.join_team(customer=_customer(name), team_id=team.pk)
    assert _queries(viewer, path) == one <= 6
    assert _html(viewer, path).count('data-testid="share-line"') == 3


# ---- 支付抽奖 lottery ---------------------------------------------------------------------------


def _lottery(owner, window, prizes, **kw):
    return pools.create_lottery(
        staff=owner, name="满50抽奖", min_order_amount=5000, prizes=prizes, **window, **kw
    )


def _paid_order(customer, sku, quantity=1):
    return pay(customer, place(customer, [(sku.pk, quantity)], address=_address(customer)))


def test_lottery_page_shows_prizes_odds_and_rules(merchant, owner, window, shopper):
    campaign = _lottery(
        owner,
        window,
        [
            PrizeInput(name="茶具", kind="item", weight_bp=100, stock=1, value=20_000),
            PrizeInput(name="500积分", kind="points", weight_bp=2000, value=500),
            PrizeInput(name="¥5券", kind="coupon", weight_bp=50, stock=30, value=500),
        ],
    )
    path = f"/shop/tea/lotteries/{campaign.pk}/"
    html = _html(Client(), path)
    assert re.findall(r'data-testid="odds">([^<]+)<', html) == ["1%", "20%", "0.5%"]
    assert 'data-testid="miss-odds">78.5%<' in html
    assert "¥50.00" in html and 'data-testid="login-to-act"' in html
    assert 'data-testid="my-chances"' not in html
    client, _customer = shopper
    html = _html(client, path)
    assert 'data-testid="no-chances"' in html and 'data-testid="login-to-act"' not in html


def test_a_paid_order_earns_a_chance_drawn_once_from_the_page(merchant, owner, window, shopper, make_product):
    certain = PrizeInput(name="500积分", kind="points", weight_bp=10_000, value=500)
    campaign = _lottery(owner, window, [certain])
    client, customer = shopper
    sku = make_product("Tea", price=6000).skus.get()
    _paid_order(customer, sku)
    _paid_order(customer, make_product("Cheap", price=100).skus.get(), quantity=1)  # ¥11 < ¥50: no chance
    chance = Draw.objects.get()
    html = _html(client, f"/shop/tea/lotteries/{campaign.pk}/")
    assert html.count('data-testid="chance"') == 1 and 'data-status="pending"' in html
    response = client.post(f"/shop/tea/lottery-draws/{chance.pk}/draw/")
    assert response["Location"] == f"/shop/tea/lottery-draws/{chance.pk}/"
    chance.refresh_from_db()
    assert (chance.status, chance.prize.name) == ("drawn", "500积分")
    result = _html(client, response["Location"])
    assert 'data-status="drawn"' in result and 'data-testid="result">500积分<' in result
    assert f'data-testid="seed">{chance.seed}<' in result and 'data-testid="draw"' not in result
    assert CampaignReward.objects.get().amount == 500
    again = client.post(f"/shop/tea/lottery-draws/{chance.pk}/draw/")
    assert again.status_code == 409 and b'data-code="draw_unavailable"' in again.content
    chance.refresh_from_db()
    assert (chance.status, chance.drawn_at is not None, CampaignReward.objects.count()) == ("drawn", True, 1)


def test_a_paused_lottery_holds_the_draw_and_others_cannot_see_or_use_a_chance(
    merchant, owner, window, shopper, make_product, coffee
):
    campaign = _lottery(owner, window, [PrizeInput(name="积分", kind="points", weight_bp=5000, value=5)])
    client, customer = shopper
    _paid_order(customer, make_product("Tea", price=6000).skus.get())
    chance = Draw.objects.get()
    set_status(LOTTERIES, "pause", staff=owner, activity_id=campaign.pk)
    page = _html(client, f"/shop/tea/lottery-draws/{chance.pk}/")
    assert 'data-testid="draw-held"' in page and 'data-testid="draw"' not in page
    held = client.post(f"/shop/tea/lottery-draws/{chance.pk}/draw/")
    assert held.status_code == 409 and b'data-code="campaign_not_running"' in held.content
    friend = Client()
    h5_login(friend, merchant, "friend")
    assert friend.get(f"/shop/tea/lottery-draws/{chance.pk}/").status_code == 404
    assert friend.post(f"/shop/tea/lottery-draws/{chance.pk}/draw/").status_code == 404
    outsider = Client()
    h5_login(outsider, coffee, "eve")
    assert outsider.get(f"/shop/coffee/lotteries/{campaign.pk}/").status_code == 404
    chance.refresh_from_db()
    assert (chance.status, chance.seed, CampaignReward.objects.count()) == ("pending", "", 0)


def test_lottery_page_queries_do_not_grow_with_chances(merchant, owner, window, shopper, make_product):
    campaign = _lottery(owner, window, [PrizeInput(name="积分", kind="points", weight_bp=5000, value=5)])
    client, customer = shopper
    sku = make_product("Tea", price=6000).skus.get()
    _paid_order(customer, sku)
    path = f"/shop/tea/lotteries/{campaign.pk}/"
    one = _queries(client, path)
    for _ in range(3):
        _paid_order(customer, sku)
    assert _queries(client, path) == one <= 7
    assert _html(client, path).count('data-testid="chance"') == 4


# ---- 盲盒 blind box ------------------------------------------------------------------------------


@pytest.fixture
def box(owner, window, make_product):
    sku = make_product("Mystery figure", price=5900, stock=100).skus.get()
    return pools.create_blind_box(
        staff=owner,
        name="手办盲盒",
        sku_id=sku.pk,
        box_price=3900,
        per_customer_limit=3,
        prizes=[
            PrizeInput(name="Common", kind="item", weight_bp=9000, stock=8),
            PrizeInput(name="Secret", kind="item", weight_bp=1000, stock=2),
        ],
        **window,
    )


def test_blind_box_page_for_a_visitor(merchant, box):
    html = _html(Client(), f"/shop/tea/blind-boxes/{box.pk}/")
    assert 'data-testid="box-price">¥39.00<' in html and '<s class="muted small">¥59.00</s>' in html
    assert _left(html, "boxes-left") == 10
    assert re.findall(r'data-testid="odds">([^<]+)<', html) == ["90%", "10%"]
    assert 'data-testid="login-to-act"' in html and 'data-testid="box-form"' not in html


def test_buy_boxes_pay_and_see_what_they_held(merchant, box, shopper):
    client, customer = shopper
    _address(customer)
    path = f"/shop/tea/blind-boxes/{box.pk}/"
    page = _html(client, path)
    response = client.post(f"{path}buy/", {"qty": 2, "token": _token(page)})
    assert response.status_code == 302 and response["Location"].startswith("/sandbox-pay/")
    assert "return=http%3A%2F%2Ftestserver%2Fshop%2Ftea%2Fblind-boxes%2F" in response["Location"]
    order = Order.objects.get()
    line = order.lines.get()
    assert (line.activity_kind, line.activity_id, line.quantity) == ("blind_box", box.pk, 2)
    assert (order.goods_amount, order.payable_amount) == (11_800, 8_800)  # 2 x ¥39 + ¥10 shipping
    replay = client.post(f"{path}buy/", {"qty": 2, "token": _token(page)})  # a double tap
    assert replay.status_code == 302 and Order.objects.count() == 1
    box.refresh_from_db()
    assert box.boxes_taken == 2
    html = _html(client, path)
    assert html.count('data-testid="box"') == 2 and html.count('data-status="pending"') == 2
    assert 'data-testid="pay-boxes"' in html and _left(html, "boxes-left") == 8

    pay(customer, order)
    html = _html(client, path)
    won = sorted(Draw.objects.filter(order=order).values_list("prize__name", flat=True))
    assert sorted(re.findall(r'data-testid="box-prize">([^<]+)<', html)) == won
    assert set(won) <= {"Common", "Secret"} and 'data-testid="pay-boxes"' not in html


def test_refused_box_orders_change_nothing(merchant, box, shopper):
    client, customer = shopper
    path = f"/shop/tea/blind-boxes/{box.pk}/"
    no_address = client.post(f"{path}buy/", {"qty": 1})
    back = f"%2Fshop%2Ftea%2Fblind-boxes%2F{box.pk}%2F"
    assert no_address["Location"] == f"/shop/tea/me/addresses/new/?next={back}"
    _address(customer)
    over = client.post(f"{path}buy/", {"qty": 4})
    assert over.status_code == 409 and b'data-code="box_limit_reached"' in over.content
    bad = client.post(f"{path}buy/", {"qty": "0"})
    assert bad.status_code == 400 and b'data-code="invalid_input"' in bad.content
    for name in ("b1", "b2", "b3"):
        buyer = _customer(name)
        pay(buyer, _box_order(buyer, box, 3))
    sold_out = client.post(f"{path}buy/", {"qty": 2})  # one box is left
    assert sold_out.status_code == 409 and b'data-code="boxes_sold_out"' in sold_out.content
    box.refresh_from_db()
    assert (box.boxes_taken, Order.objects.filter(customer=customer).count()) == (9, 0)
    assert Draw.objects.filter(customer=customer).count() == 0


def _box_order(customer, box, quantity):
    request = checkout.CheckoutRequest(
        lines=[checkout.LineRequest(box.sku_id, quantity, activity=ActivityRef("blind_box", box.pk))],
        address_id=_address(customer).pk,
    )
    return checkout.place_order(customer=customer, request=request)[0]


def test_another_shops_box_is_a_404_and_the_page_has_a_ceiling(merchant, box, shopper, coffee):
    outsider = Client()
    _address(h5_login(outsider, coffee, "eve"))
    assert outsider.get(f"/shop/coffee/blind-boxes/{box.pk}/").status_code == 404
    assert outsider.post(f"/shop/coffee/blind-boxes/{box.pk}/buy/", {"qty": 1}).status_code == 404
    assert Order.objects.count() == 0
    client, customer = shopper
    path = f"/shop/tea/blind-boxes/{box.pk}/"
    pay(customer, _box_order(customer, box, 1))
    one = _queries(client, path)
    pay(customer, _box_order(customer, box, 2))
    for name in ("b1", "b2"):
        _box_order(_customer(name), box, 1)
    assert _queries(client, path) == one <= 8
    assert _html(client, path).count('data-testid="box"') == 3


# ---- 预售 presale -------------------------------------------------------------------------------


def _make_presale(owner, make_product, **kw):
    """Deposits open now for a day (¥50 counting as ¥80 on goods at ¥200); balances in two days."""
    goods = make_product("新茶", price=20_000, stock=50).skus.get()
    deposit_sku = make_product("定金: 新茶", price=5000, stock=100).skus.get()
    now = timezone.now()
    return presale_admin.create_presale(
        staff=owner,
        name="春茶预售",
        sku_id=goods.pk,
        deposit_sku_id=deposit_sku.pk,
        deposit=5000,
        deduction=8000,
        deposit_starts_at=now - timedelta(hours=1),
        deposit_ends_at=now + timedelta(days=1),
        balance_starts_at=now + timedelta(days=2),
        balance_ends_at=now + timedelta(days=3),
        ship_date=(now + timedelta(days=5)).date(),
        **kw,
    )


@pytest.fixture
def presale(owner, make_product):
    return _make_presale(owner, make_product, quota=3, per_customer_limit=2)


def test_presale_page_shows_what_the_deposit_inflates_to(merchant, presale, shopper):
    path = f"/shop/tea/presales/{presale.pk}/"
    html = _html(Client(), path)
    assert 'data-phase="deposit"' in html and 'data-testid="countdown"' in html
    for testid, amount in [
        ("deposit", "¥50.00"),
        ("deduction", "¥80.00"),
        ("price", "¥200.00"),
        ("balance", "¥120.00"),
        ("total", "¥170.00"),
        ("saving", "¥30.00"),
    ]:
        assert f'data-testid="{testid}">{amount}<' in html, testid
    assert _left(html, "units-left") == 3 and 'data-testid="login-to-act"' in html
    client, _customer = shopper
    html = _html(client, path)
    assert 'data-testid="deposit-form"' in html and 'max="2"' in html


def test_deposit_then_balance_from_the_booking_page(merchant, presale, shopper):
    client, customer = shopper
    address = _address(customer)
    page = _html(client, f"/shop/tea/presales/{presale.pk}/")
    response = client.post(
        f"/shop/tea/presales/{presale.pk}/deposit/", {"qty": 2, "token": _token(page), "address": address.pk}
    )
    booking = PresaleBooking.objects.get()
    assert response["Location"].startswith("/sandbox-pay/")
    assert f"presale-bookings%2F{booking.pk}%2F" in response["Location"]
    deposit_order = booking.deposit_order
    assert (booking.status, booking.quantity, deposit_order.payable_amount) == ("deposit_pending", 2, 10_000)
    assert deposit_order.hold_reason == "presale_deposit"
    path = f"/shop/tea/presale-bookings/{booking.pk}/"
    html = _html(client, path)
    assert 'data-status="deposit_pending"' in html and 'data-testid="pay-deposit-order"' in html
    assert 'data-testid="deposit-amount">¥100.00<' in html and 'data-testid="balance-amount">¥240.00<' in html

    pay(customer, deposit_order)
    html = _html(client, path)
    assert 'data-status="deposit_paid"' in html and 'data-testid="balance-later"' in html
    assert 'data-testid="balance-form"' not in html and 'data-testid="cancel-booking"' not in html
    early = client.post(f"{path}balance/", {"token": "a" * 32})
    assert early.status_code == 409 and b'data-code="balance_window_closed"' in early.content
    assert Order.objects.count() == 1

    with at(timezone.now() + timedelta(days=2, hours=1)):
        html = _html(client, path)
        assert 'data-testid="balance-form"' in html and "¥240.00" in html
        response = client.post(f"{path}balance/", {"token": _token(html), "address": address.pk})
        assert response["Location"].startswith("/sandbox-pay/")
        booking.refresh_from_db()
        balance = booking.balance_order
        assert (booking.status, balance.goods_amount, balance.payable_amount) == (
            "balance_pending",
            40_000,
            24_000,
        )
        assert 'data-testid="pay-balance-order"' in _html(client, path)
        pay(customer, balance)
        html = _html(client, path)
    booking.refresh_from_db()
    assert booking.status == "completed" and 'data-testid="completed"' in html
    assert f'data-testid="balance-order">{balance.number}<' in html


def test_refused_deposits_change_nothing(merchant, presale, owner, shopper):
    client, customer = shopper
    _address(customer)
    path = f"/shop/tea/presales/{presale.pk}/deposit/"
    over = client.post(path, {"qty": 3})  # the limit is 2
    assert over.status_code == 409 and b'data-code="presale_limit_reached"' in over.content
    other = Client()
    _address(h5_login(other, merchant, "other"))
    assert other.post(path, {"qty": 2}).status_code == 302
    sold_out = client.post(path, {"qty": 2})  # one unit of the quota of 3 is left
    assert sold_out.status_code == 409 and b'data-code="presale_sold_out"' in sold_out.content
    set_status(PRESALES, "pause", staff=owner, activity_id=presale.pk)
    assert 'data-phase="paused"' in _html(client, f"/shop/tea/presales/{presale.pk}/")
    paused = client.post(path, {"qty": 1})
    assert paused.status_code == 409 and b'data-code="deposit_window_closed"' in paused.content
    presale.refresh_from_db()
    assert (presale.units_booked, PresaleBooking.objects.count(), Order.objects.count()) == (2, 1, 1)
    assert not Order.objects.filter(customer=customer).exists()


def test_withdrawing_a_booking(merchant, owner, presale, shopper):
    client, customer = shopper
    _address(customer)
    client.post(f"/shop/tea/presales/{presale.pk}/deposit/", {"qty": 1})
    unpaid = PresaleBooking.objects.get()
    html = _html(client, f"/shop/tea/presale-bookings/{unpaid.pk}/")
    assert 'data-testid="cancel-booking"' in html
    response = client.post(f"/shop/tea/presale-bookings/{unpaid.pk}/cancel/")
    assert response["Location"] == f"/shop/tea/presale-bookings/{unpaid.pk}/"
    unpaid.refresh_from_db()
    assert (unpaid.status, unpaid.deposit_order.status) == ("cancelled", OrderStatus.CANCELLED)

    client.post(f"/shop/tea/presales/{presale.pk}/deposit/", {"qty": 1, "token": "b" * 32})
    paid = PresaleBooking.objects.exclude(pk=unpaid.pk).get()
    pay(customer, paid.deposit_order)
    kept = client.post(f"/shop/tea/presale-bookings/{paid.pk}/cancel/")  # not refundable
    assert kept.status_code == 409 and b'data-code="deposit_not_refundable"' in kept.content
    paid.refresh_from_db()
    assert (paid.status, paid.deposit_order.status) == ("deposit_paid", OrderStatus.PAID)

    presale_admin.update_presale(staff=owner, presale_id=presale.pk, changes={"deposit_refundable": True})
    assert 'data-testid="cancel-booking"' in _html(client, f"/shop/tea/presale-bookings/{paid.pk}/")
    assert client.post(f"/shop/tea/presale-bookings/{paid.pk}/cancel/").status_code == 302
    paid.refresh_from_db()
    assert paid.status == "refunded" and paid.deposit_order.refunded_amount == 5000  # ¥50, no shipping


def test_bookings_are_the_customers_own_and_presales_the_shops_own(merchant, presale, shopper, coffee):
    client, customer = shopper
    _address(customer)
    client.post(f"/shop/tea/presales/{presale.pk}/deposit/", {"qty": 1})
    booking = PresaleBooking.objects.get()
    friend = Client()
    h5_login(friend, merchant, "friend")
    assert friend.get(f"/shop/tea/presale-bookings/{booking.pk}/").status_code == 404
    assert friend.post(f"/shop/tea/presale-bookings/{booking.pk}/cancel/").status_code == 404
    assert friend.post(f"/shop/tea/presale-bookings/{booking.pk}/balance/").status_code == 404
    outsider = Client()
    h5_login(outsider, coffee, "eve")
    assert outsider.get(f"/shop/coffee/presales/{presale.pk}/").status_code == 404
    assert outsider.post(f"/shop/coffee/presales/{presale.pk}/deposit/").status_code == 404
    booking.refresh_from_db()
    assert (booking.status, PresaleBooking.objects.count(), Presale.objects.get().units_booked) == (
        "deposit_pending",
        1,
        1,
    )


def test_presale_pages_have_a_query_ceiling(merchant, owner, make_product, shopper):
    presale = _make_presale(owner, make_product)
    client, customer = shopper
    _address(customer)
    client.post(f"/shop/tea/presales/{presale.pk}/deposit/", {"qty": 1})
    path = f"/shop/tea/presales/{presale.pk}/"
    one = _queries(client, path)
    deposit = ActivityRef("presale_deposit", presale.pk)
    for buyer in (_customer("b1"), _customer("b2"), _customer("b3")):  # other customers' bookings
        place_activity(buyer, presale.deposit_sku_id, 1, deposit, _address(buyer))
    client.post(f"/shop/tea/presales/{presale.pk}/deposit/", {"qty": 1, "token": "c" * 32})
    assert _queries(client, path) == one <= 7
    assert _html(client, path).count('data-testid="my-booking"') == 2
    booking = PresaleBooking.objects.filter(customer=customer).first()
    assert _queries(client, f"/shop/tea/presale-bookings/{booking.pk}/") <= 5


# ---- the list of open campaigns ------------------------------------------------------------------


def test_campaign_list_links_what_is_open_in_this_shop(
    merchant, owner, window, presale, box, assist_campaign, split_campaign, coffee
):
    lottery = _lottery(owner, window, [PrizeInput(name="积分", kind="points", weight_bp=5000, value=5)])
    set_status(ASSISTS, "end", staff=owner, activity_id=assist_campaign.pk)
    assert _queries(Client(), "/shop/tea/campaigns/") <= 9  # the merchant, then one per playbook (8)
    html = _html(Client(), "/shop/tea/campaigns/")
    kinds = re.findall(r'data-testid="campaign-card" data-kind="([a-z_]+)"', html)
    assert kinds == ["presale", "split", "lottery", "blind_box"]
    for url in (
        f"/shop/tea/presales/{presale.pk}/",
        f"/shop/tea/splits/{split_campaign.pk}/",
        f"/shop/tea/lotteries/{lottery.pk}/",
        f"/shop/tea/blind-boxes/{box.pk}/",
    ):
        assert f'href="{url}"' in html
    assert 'data-testid="no-campaigns"' in _html(Client(), "/shop/coffee/campaigns/")
    assert 'href="/shop/tea/campaigns/" data-testid="home-campaigns"' in _html(Client(), "/shop/tea/")
    assert DrawCampaign.objects.count() == 2


# ---- in a browser: a friend helps through a shared link ------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_friend_helps_through_the_shared_link_in_a_browser(live_server, open_page, merchant, owner, window):
    campaign = assist.create_assist(
        staff=owner,
        name="助力得积分",
        assists_needed=2,
        hours=24,
        reward_kind="points",
        reward_value=300,
        **window,
    )
    base = f"{live_server.url}/shop/tea"
    page = open_page(phone=True)
    page.goto(f"{base}/assists/{campaign.pk}/")
    page.get_by_test_id("login-to-act").click()
    page.get_by_test_id("nickname").fill("小红")
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(re.compile(rf"/shop/tea/assists/{campaign.pk}/$"))
    page.get_by_test_id("start-assist").click()
    page.wait_for_url(re.compile(r"/shop/tea/assist-records/\d+/$"))
    countdown = page.get_by_test_id("countdown")
    page.wait_for_function(
        "el => /\\d{2}:\\d{2}:\\d{2}$/.test(el.textContent)", arg=countdown.element_handle()
    )
    page.get_by_test_id("share").locator("summary").click()
    link = page.get_by_test_id("share-moments").input_value()
    starter = Customer.objects.get(nickname="小红")
    assert link.endswith(f"?sharer={starter.pk}&source=moments")
    assert page.js_errors == []

    friend = open_page(phone=True)
    friend.goto(link)
    record_url = re.compile(r"/shop/tea/assist-records/\d+/$")
    friend.wait_for_url(record_url)  # the landing is recorded, then the clean address
    friend.get_by_test_id("login-to-act").click()
    friend.get_by_test_id("nickname").fill("小刚")
    friend.get_by_test_id("login-submit").click()
    friend.wait_for_url(record_url)
    friend.get_by_test_id("help-assist").click()
    friend.wait_for_url(record_url)
    assert friend.get_by_test_id("assist-count").inner_text() == "1/2"
    friend.get_by_test_id("helped").wait_for()
    assert friend.js_errors == []
    helper = Customer.objects.get(nickname="小刚")
    assert (helper.referrer_id, AssistRecord.objects.get().assists_count) == (starter.pk, 1)
