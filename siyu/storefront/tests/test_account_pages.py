"""Sandbox login (scoped to one shop), member centre, addresses."""

from __future__ import annotations

import pytest
from django.test import Client

from siyu.members.models import Address, Customer, Source
from siyu.members.services import save_address
from siyu.storefront.session import SESSION_KEY
from siyu.tenancy.models import LoginAdapter
from siyu.testing.clients import h5_login
from siyu.testing.factories import make_merchant
from siyu.testing.flows import pay, place

pytestmark = pytest.mark.django_db
SHANGHAI = {"province_code": "310000", "city_code": "310100", "district_code": "310101"}


def test_login_registers_once_and_sets_the_nickname(merchant):
    client = Client()
    response = client.post("/shop/tea/login/", {"nickname": "小明"})
    assert response["Location"] == "/shop/tea/me/"
    customer = Customer.objects.get()
    assert (customer.nickname, customer.first_touch_source) == ("小明", Source.H5)
    again = Client()
    h5_login(again, merchant, "小明")
    assert Customer.objects.count() == 1
    assert ">小明<" in again.get("/shop/tea/me/").content.decode()


def test_login_refusals_log_nobody_in(merchant):
    client = Client()
    for nickname in ("", "x" * 33):
        response = client.post("/shop/tea/login/", {"nickname": nickname})
        assert response.status_code == 400
        assert b'data-code="nickname_invalid"' in response.content
    merchant.login_adapter = LoginAdapter.WECHAT
    merchant.save(update_fields=["login_adapter"])
    response = client.post("/shop/tea/login/", {"nickname": "bob"})
    assert response.status_code == 403
    assert b'data-code="h5_login_unavailable"' in response.content
    assert Customer.objects.count() == 0
    assert SESSION_KEY not in client.session


def test_login_next_must_stay_inside_the_shop(merchant):
    for target, expected in [
        ("/shop/tea/cart/", "/shop/tea/cart/"),
        ("https://evil.example/shop/tea/", "/shop/tea/me/"),
        ("//evil.example/shop/tea/", "/shop/tea/me/"),
        ("/shop/coffee/cart/", "/shop/tea/me/"),
    ]:
        response = Client().post("/shop/tea/login/", {"nickname": "a", "next": target})
        assert response["Location"] == expected, target


def test_a_session_is_logged_in_per_shop_only(merchant):
    coffee = make_merchant("coffee")
    client = Client()
    tea_customer = h5_login(client, merchant, "alice")
    assert client.get("/shop/tea/me/").status_code == 200
    response = client.get("/shop/coffee/me/")
    assert response.status_code == 302  # not logged in to the other shop
    coffee_customer = h5_login(client, coffee, "alice")
    assert coffee_customer.pk != tea_customer.pk
    assert coffee_customer.merchant.slug == "coffee"
    client.post("/shop/coffee/logout/")
    assert client.get("/shop/coffee/me/").status_code == 302
    assert client.get("/shop/tea/me/").status_code == 200


def test_a_forged_session_id_of_another_shops_customer_loads_nobody(merchant):
    coffee = make_merchant("coffee")
    client = Client()
    theirs = h5_login(client, coffee, "eve")
    session = client.session
    session[SESSION_KEY] = {"tea": {"customer": theirs.pk}}
    session.save()
    response = client.get("/shop/tea/me/")
    assert response.status_code == 302
    assert response["Location"].startswith("/shop/tea/login/")


def test_member_centre_counts_and_shows_what_is_missing(
    merchant, make_product, shopper, django_assert_max_num_queries
):
    client, customer = shopper
    address = save_address(
        customer=customer, recipient="A", phone="1390000", province="p", city="c", detail="d"
    )
    sku = make_product().skus.get()
    pay(customer, place(customer, [(sku.pk, 1)], address=address))
    place(customer, [(sku.pk, 1)], address=address)
    with django_assert_max_num_queries(9):  # + the membership programme (none here)
        response = client.get("/shop/tea/me/")
    html = response.content.decode()
    assert 'data-testid="count-unpaid">1<' in html
    assert 'data-testid="count-to_ship">1<' in html
    assert 'data-testid="count-to_receive">0<' in html
    assert "(2)" in html
    assert 'data-testid="membership-missing"' in html


def test_address_create_edit_default_and_delete(merchant, shopper):
    client, _customer = shopper
    form = {"recipient": "王", "phone": "13800000000", **SHANGHAI, "detail": "1号"}
    response = client.post("/shop/tea/me/addresses/new/", form)
    assert response["Location"] == "/shop/tea/me/addresses/"
    first = Address.objects.get()
    assert first.is_default  # the first address is the default
    client.post("/shop/tea/me/addresses/new/", {**form, "recipient": "李", "is_default": "on"})
    second = Address.objects.exclude(pk=first.pk).get()
    first.refresh_from_db()
    assert (first.is_default, second.is_default) == (False, True)
    client.post(f"/shop/tea/me/addresses/{first.pk}/", {**form, "detail": "2号"})
    first.refresh_from_db()
    assert first.detail == "2号"
    html = client.get("/shop/tea/me/addresses/").content.decode()
    assert html.count('data-testid="address"') == 2
    client.post(f"/shop/tea/me/addresses/{first.pk}/delete/")
    assert list(Address.objects.values_list("pk", flat=True)) == [second.pk]


def test_address_from_checkout_returns_to_checkout_with_it_chosen(merchant, shopper):
    client, _customer = shopper
    form = {"recipient": "王", "phone": "13800000000", **SHANGHAI, "detail": "1号"}
    response = client.post(
        "/shop/tea/me/addresses/new/", {**form, "next": "/shop/tea/checkout/?fulfilment=delivery"}
    )
    address = Address.objects.get()
    assert response["Location"] == f"/shop/tea/checkout/?fulfilment=delivery&address={address.pk}"


def test_refused_address_changes_change_nothing(merchant, shopper):
    client, _customer = shopper
    response = client.post(
        "/shop/tea/me/addresses/new/",
        {"recipient": "王", "phone": "", **SHANGHAI, "detail": ""},
    )
    assert response.status_code == 400
    assert b'data-code="invalid_input"' in response.content
    assert not Address.objects.exists()
    other = make_merchant("coffee")
    theirs = save_address(
        customer=h5_login(Client(), other, "eve"),
        recipient="E",
        phone="1",
        province="p",
        city="c",
        detail="d",
    )
    assert client.get(f"/shop/tea/me/addresses/{theirs.pk}/").status_code == 404
    assert client.post(f"/shop/tea/me/addresses/{theirs.pk}/", {"recipient": "x"}).status_code == 404
    assert client.post(f"/shop/tea/me/addresses/{theirs.pk}/delete/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.recipient == "E"
