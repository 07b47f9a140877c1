"""One English word, two meanings: each place reads the Chinese word it means (msgids split by context)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import translation

from siyu.audience import services as audience
from siyu.catalog.models import ProductRole
from siyu.members.services import save_address
from siyu.testing.clients import h5_login, log_in
from siyu.testing.flows import pay, place

pytestmark = pytest.mark.django_db


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_member_centre_unpaid_counter_reads_awaiting_payment(merchant, make_product):
    client = Client(headers={"Accept-Language": "zh-hans"})
    customer = h5_login(client, merchant)
    sku = make_product().skus.get()
    mine = save_address(customer=customer, recipient="A", phone="1390000", province="p", city="c", detail="d")
    place(customer, [(sku.pk, 1)], address=mine)
    html = client.get("/shop/tea/me/").content.decode()
    unpaid = re.search(r'data-testid="count-unpaid">(\d+)</b>([^<]*)</a>', html)
    assert unpaid is not None
    assert unpaid.group(2) == "待付款"
    assert "实付款" not in html


def test_customer_page_lists_most_bought_products(owner, customer, address, make_product):
    sku = make_product("龙井").skus.get()
    pay(customer, place(customer, [(sku.pk, 2)], address=address))
    html = log_in(owner, language="zh-hans").get(f"/console/customers/{customer.pk}/").content.decode()
    assert "<h2>常购商品</h2>" in html
    assert "收藏的商品" not in html


def test_segment_page_names_its_people_members_not_membership(owner, customer):
    rule = {"field": "city", "op": "eq", "value": "上海市"}
    segment = audience.create_segment(staff=owner, name="上海", rule=rule)
    page = log_in(owner, language="zh-hans").get(f"/console/customers/segments/{segment.pk}/")
    html = page.content.decode()
    assert '<h2 class="pad">成员</h2>' in html


def test_marketing_menu_names_each_page_once(owner):
    html = log_in(owner, language="zh-hans").get("/console/marketing/promotions/").content.decode()
    nav = re.search(r'<nav class="sidenav".*?</nav>', html, re.S)
    assert nav is not None
    links = re.findall(r'<a href="/console/marketing/[a-z-/]*"[^>]*>([^<]+)</a>', nav.group(0))
    assert links == ["营销概览", "优惠券", "促销", "活动", "价格策略"], links
    assert "<h1>促销</h1>" in html


def test_flash_sale_product_role_and_activity_are_different_words():
    with translation.override("zh-hans"):
        assert str(ProductRole.FLASH_SALE.label) == "秒杀品"
        assert translation.pgettext("activity", "Flash sale") == "秒杀"
