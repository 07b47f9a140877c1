"""A merged customer is part of their survivor: lists and counts show the survivor once, and the
merged customer's own page says where they went."""

from __future__ import annotations

import re

import pytest

from siyu.events.identity import merge_customers
from siyu.members.models import Customer
from siyu.testing.clients import log_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def merged(customer_login) -> tuple[Customer, Customer, Customer]:
    """(survivor, merged, bystander): the same person signed up twice, and someone else."""
    survivor = customer_login("first")[0]
    twin = customer_login("second")[0]
    bystander = customer_login("other")[0]
    Customer.objects.filter(pk=survivor.pk).update(nickname="小林", city="上海市")
    Customer.objects.filter(pk=twin.pk).update(nickname="小林2", city="上海市")
    survivor.refresh_from_db()
    twin.refresh_from_db()
    merge_customers(survivor=survivor, merged=twin, reason="same_unionid")
    return survivor, twin, bystander


def _listed(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-customer="(\d+)"', html)]


def test_console_customer_list_leaves_merged_customers_out(console, merged):
    survivor, _twin, bystander = merged
    assert _listed(console.get("/console/customers/").content.decode()) == [bystander.pk, survivor.pk]
    assert _listed(console.get("/console/customers/", {"city": "上海"}).content.decode()) == [survivor.pk]
    assert _listed(console.get("/console/customers/", {"q": "小林"}).content.decode()) == [survivor.pk]
    # The bulk-tag scope "all the filter finds" counts the same people.
    html = console.get("/console/customers/").content.decode()
    assert "All 2 customers the filter finds" in html


def test_admin_api_customer_list_leaves_merged_customers_out(staff_api, merged):
    survivor, _twin, bystander = merged
    body = staff_api.get("/api/v1/admin/customers").json()
    assert body["count"] == 2
    assert [row["id"] for row in body["items"]] == [bystander.pk, survivor.pk]
    assert staff_api.get("/api/v1/admin/customers", {"q": "小林"}).json()["count"] == 1


def test_merged_customer_page_links_the_survivor(console, merged):
    survivor, twin, _bystander = merged
    html = console.get(f"/console/customers/{twin.pk}/").content.decode()
    notice = re.search(r'<p data-testid="merged-into">(.*?)</p>', html, re.S)
    assert notice is not None
    assert f'<a href="/console/customers/{survivor.pk}/">小林</a>' in notice.group(1)
    survivor_page = console.get(f"/console/customers/{survivor.pk}/").content.decode()
    assert 'data-testid="merged-into"' not in survivor_page


def test_merged_customer_page_in_chinese(merged, owner):
    _survivor, twin, _bystander = merged
    html = log_in(owner, language="zh-hans").get(f"/console/customers/{twin.pk}/").content.decode()
    assert "该客户已合并到" in html
