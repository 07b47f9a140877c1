"""Flash sale, group buy (join page) and bargain (help page): shown, bought, shared, isolated."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from siyu.members.services import save_address
from siyu.orders.models import Order, OrderStatus
from siyu.promotions.bargain.models import BargainHelp, BargainRecord, RecordStatus
from siyu.promotions.bargain.services.activities import BargainInput, create_bargain
from siyu.promotions.bargain.services.records import help_bargain, start_bargain
from siyu.promotions.flashsale.models import FlashSaleItem
from siyu.promotions.flashsale.services import manage
from siyu.promotions.groupbuy.models import Team, TeamMember, TeamStatus
from siyu.promotions.groupbuy.services.activities import GroupBuyInput, GroupBuySkuInput, create_group_buy
from siyu.promotions.groupbuy.services.teams import Delivery, open_team
from siyu.testing.clients import h5_login
from siyu.testing.factories import make_merchant
from siyu.testing.flows import pay

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_redis(settings):
    settings.REDIS_URL = ""  # flash sales buy through the database alone


def _address(customer):
    return save_address(customer=customer, recipient="A", phone="1390000", province="p", city="c", detail="d")


def _token(html: str) -> str:
    return re.search(r'name="token" value="([0-9a-f]{32})"', html).group(1)


@pytest.fixture
def flash(owner, make_product):
    sku = make_product("Longjing", price=5000, stock=50).skus.get()
    now = timezone.now()
    sale = manage.create_flash_sale(
        staff=owner,
        title="618 秒杀",
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(hours=1),
        items=[manage.ItemInput(sku.pk, 2990, 10)],
    )
    return sale, sku


def test_home_shows_running_activities(merchant, flash, owner, make_product, django_assert_max_num_queries):
    sku = make_product("Pu'er", price=8000).skus.get()
    now = timezone.now()
    create_group_buy(
        staff=owner,
        data=GroupBuyInput(
            name="三人团",
            starts_at=now - timedelta(minutes=1),
            ends_at=now + timedelta(days=1),
            group_size=3,
            time_limit_hours=24,
            skus=[GroupBuySkuInput(sku.pk, group_price=6000)],
        ),
    )
    with django_assert_max_num_queries(14):
        html = Client().get("/shop/tea/").content.decode()
    assert 'data-testid="flash-banner"' in html and "618 秒杀" in html
    assert html.count('data-testid="home-group-buy"') == 1


def test_flash_sale_page_has_countdown_and_buys_through_checkout(merchant, flash, shopper):
    sale, sku = flash
    client, customer = shopper
    _address(customer)
    html = client.get(f"/shop/tea/flash/{sale.pk}/").content.decode()
    assert 'data-phase="running"' in html
    assert 'data-testid="countdown"' in html
    assert 'data-testid="flash-price">¥29.90<' in html
    buy = f"/shop/tea/checkout/?sku={sku.pk}&qty=1&activity=flash_sale:{sale.pk}"
    assert buy.replace("&", "&amp;") in html
    page = client.get(buy).content.decode()
    assert 'data-testid="payable">¥39.90<' in page  # ¥29.90 + ¥10 shipping
    assert 'data-testid="coupons"' not in page
    form = {
        "token": _token(page),
        "sku": sku.pk,
        "qty": 1,
        "activity": f"flash_sale:{sale.pk}",
        "fulfilment": "delivery",
        "address": customer.addresses.get().pk,
    }
    response = client.post("/shop/tea/checkout/", form)
    assert response.status_code == 302 and response["Location"].startswith("/sandbox-pay/")
    order = Order.objects.get()
    line = order.lines.get()
    assert (line.activity_kind, line.activity_id, order.payable_amount) == ("flash_sale", sale.pk, 3990)
    assert FlashSaleItem.objects.get(flash_sale=sale).reserved == 1
    again = client.post("/shop/tea/checkout/", {**form, "token": "b" * 32})  # over the limit of 1
    assert again.status_code == 409
    assert b'data-code="flash_sale_limit_reached"' in again.content
    assert Order.objects.count() == 1


def test_flash_sale_of_another_shop_is_a_404(merchant, flash):
    sale, _sku = flash
    make_merchant("coffee")
    assert Client().get(f"/shop/coffee/flash/{sale.pk}/").status_code == 404
    assert Client().get("/shop/coffee/flash/").content.decode().count('data-testid="flash-card"') == 0
    assert Client().get("/shop/tea/flash/").content.decode().count('data-testid="flash-card"') == 1


def test_unknown_activity_on_checkout_is_refused(merchant, shopper, sku):
    client, _customer = shopper
    for bad in ("lottery:1", "flash_sale:x", "flash_sale:"):
        response = client.get("/shop/tea/checkout/", {"sku": sku.pk, "qty": 1, "activity": bad})
        assert response.status_code == 400
        assert b'data-code="checkout_form_invalid"' in response.content


@pytest.fixture
def group(owner, make_product):
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
            skus=[GroupBuySkuInput(sku.pk, group_price=3000, leader_price=2500)],
        ),
    )
    return gb, sku


def test_open_a_team_then_a_friend_joins_from_the_shared_page(merchant, group, shopper):
    gb, sku = group
    client, leader = shopper
    _address(leader)
    page = client.get(f"/shop/tea/group-buys/{gb.pk}/").content.decode()
    token = re.search(r'name="token" value="([0-9a-f]+)"', page).group(1)
    response = client.post(f"/shop/tea/group-buys/{gb.pk}/open/", {"sku": sku.pk, "qty": 1, "token": token})
    assert response["Location"].startswith("/sandbox-pay/")
    team = Team.objects.get()
    leader_order = Order.objects.get(customer=leader)
    assert leader_order.payable_amount == 3500  # ¥25 leader price + ¥10 shipping
    pay(leader, leader_order)
    team.refresh_from_db()
    assert team.status == TeamStatus.FORMING

    friend_client = Client()
    friend_client.get(f"/shop/tea/teams/{team.pk}/", {"sharer": leader.pk, "source": "moments"})
    friend = h5_login(friend_client, merchant, "friend")
    assert friend.referrer_id == leader.pk
    _address(friend)
    html = friend_client.get(f"/shop/tea/teams/{team.pk}/").content.decode()
    assert html.count('data-testid="seat"') == 1 and html.count('data-testid="empty-seat"') == 2
    assert 'data-testid="join-team"' in html
    checkout_page = friend_client.get(
        "/shop/tea/checkout/", {"sku": sku.pk, "qty": 1, "activity": f"group_buy:{team.pk}"}
    ).content.decode()
    assert 'data-testid="payable">¥40.00<' in checkout_page
    form = {
        "token": _token(checkout_page),
        "sku": sku.pk,
        "qty": 1,
        "activity": f"group_buy:{team.pk}",
        "fulfilment": "delivery",
        "address": friend.addresses.get().pk,
    }
    assert friend_client.post("/shop/tea/checkout/", form).status_code == 302
    member = TeamMember.objects.get(customer=friend)
    assert (member.team_id, member.is_leader, member.order.payable_amount) == (team.pk, False, 4000)
    html = friend_client.get(f"/shop/tea/teams/{team.pk}/").content.decode()
    assert html.count('data-testid="seat"') == 2 and 'data-testid="join-team"' not in html


def test_open_team_without_an_address_asks_for_one(merchant, group, shopper):
    gb, sku = group
    client, _customer = shopper
    response = client.post(f"/shop/tea/group-buys/{gb.pk}/open/", {"sku": sku.pk, "qty": 1})
    assert response["Location"] == f"/shop/tea/me/addresses/new/?next=%2Fshop%2Ftea%2Fgroup-buys%2F{gb.pk}%2F"
    assert not Team.objects.exists() and not Order.objects.exists()


def test_team_page_of_another_shop_is_a_404(merchant, group, customer):
    gb, sku = group
    _address(customer)
    member = open_team(
        customer=customer,
        group_buy_id=gb.pk,
        sku_id=sku.pk,
        quantity=1,
        delivery=Delivery(address_id=customer.addresses.get().pk),
    )
    make_merchant("coffee")
    assert Client().get(f"/shop/coffee/teams/{member.team_id}/").status_code == 404
    assert Client().get(f"/shop/tea/teams/{member.team_id}/").status_code == 200


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


def test_bargain_start_help_and_buy(merchant, bargain, shopper):
    client, owner_customer = shopper
    _address(owner_customer)
    response = client.post(f"/shop/tea/bargains/{bargain.pk}/start/")
    record = BargainRecord.objects.get()
    assert response["Location"] == f"/shop/tea/bargain-records/{record.pk}/"
    own = client.get(response["Location"]).content.decode()
    assert 'data-testid="help-cut"' not in own and 'data-testid="share"' in own
    for name in ("h1", "h2"):
        helper = Client()
        h5_login(helper, merchant, name)
        page = helper.get(f"/shop/tea/bargain-records/{record.pk}/").content.decode()
        assert 'data-testid="help-cut"' in page
        helper.post(f"/shop/tea/bargain-records/{record.pk}/help/")
        twice = helper.post(f"/shop/tea/bargain-records/{record.pk}/help/")
        assert twice.status_code == 409
    record.refresh_from_db()
    assert (record.status, record.current_price, BargainHelp.objects.count()) == (
        RecordStatus.SUCCEEDED,
        1000,
        2,
    )
    own = client.get(f"/shop/tea/bargain-records/{record.pk}/").content.decode()
    assert 'data-testid="current-price">¥10.00<' in own
    buy = client.get(
        "/shop/tea/checkout/", {"sku": bargain.sku_id, "qty": 1, "activity": f"bargain:{record.pk}"}
    ).content.decode()
    assert 'data-testid="payable">¥20.00<' in buy  # ¥10 + ¥10 shipping
    form = {
        "token": _token(buy),
        "sku": bargain.sku_id,
        "qty": 1,
        "activity": f"bargain:{record.pk}",
        "fulfilment": "delivery",
        "address": owner_customer.addresses.get().pk,
    }
    assert client.post("/shop/tea/checkout/", form).status_code == 302
    order = Order.objects.get()
    assert (order.payable_amount, order.status) == (2000, OrderStatus.PENDING_PAYMENT)
    record.refresh_from_db()
    assert record.status == RecordStatus.ORDERED


def test_self_help_is_refused_and_changes_nothing(merchant, bargain, shopper):
    client, customer = shopper
    record = start_bargain(customer=customer, bargain_id=bargain.pk)
    response = client.post(f"/shop/tea/bargain-records/{record.pk}/help/")
    assert response.status_code in (400, 403, 409)
    record.refresh_from_db()
    assert (record.helps_done, record.current_price) == (0, 5000)


def test_bargain_record_of_another_shop_is_a_404(merchant, bargain, customer, customer_login):
    record = start_bargain(customer=customer, bargain_id=bargain.pk)
    help_bargain(helper=customer_login("bob")[0], record_id=record.pk)
    make_merchant("coffee")
    assert Client().get(f"/shop/coffee/bargain-records/{record.pk}/").status_code == 404
    html = Client().get(f"/shop/tea/bargain-records/{record.pk}/").content.decode()
    assert html.count('data-testid="help"') == 1
