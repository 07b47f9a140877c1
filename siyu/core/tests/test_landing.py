"""The page at ``/``: where a new user starts, in Chinese by default and in English by the switch."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from siyu.tenancy.models import Merchant

pytestmark = pytest.mark.django_db


LINK = re.compile(r'href="([^"]+)" data-testid="(landing-[a-z]+)"')


def _links(html: str) -> dict[str, str]:
    return {testid: href for href, testid in LINK.findall(html)}


@pytest.fixture
def shops() -> list[Merchant]:
    return [
        Merchant.objects.create(slug="demo", name="山野茶铺 Shanye Tea"),
        Merchant.objects.create(slug="closed", name="Closed shop", is_active=False),
    ]


def test_landing_page_links_the_console_the_shops_and_the_api_docs_in_chinese(shops):
    response = Client().get("/")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in html
    assert _links(html) == {
        "landing-console": "/console/",
        "landing-shop": "/shop/demo/",
        "landing-api": "/api/v1/docs",
    }
    assert "运营后台" in html and "H5 商城：山野茶铺 Shanye Tea" in html and "API 文档" in html
    assert "Closed shop" not in html
    assert 'data-testid="landing-demo"' not in html  # not under `siyu demo`: no logins on show


def test_landing_page_in_english_after_the_language_switch(shops):
    browser = Client()
    switched = browser.post("/i18n/setlang/", {"language": "en", "next": "/"})

    html = browser.get(switched["Location"]).content.decode()

    assert switched.status_code == 302 and switched["Location"] == "/"
    assert '<html lang="en">' in html
    assert "Operator console" in html and "API documentation" in html
    assert "H5 shop: 山野茶铺 Shanye Tea" in html
    assert "运营后台" not in html


def test_under_siyu_demo_the_landing_page_names_the_demo_logins(shops, monkeypatch):
    monkeypatch.setenv("SIYU_DEMO", "1")

    html = Client(HTTP_ACCEPT_LANGUAGE="en").get("/").content.decode()

    demo = (
        "Demo: log in to the console as demo_owner / siyu-demo-2026, "
        "and to the shop with the nickname demo-1."
    )
    assert demo in html


def test_landing_page_without_a_shop_says_where_shops_live():
    html = Client(HTTP_ACCEPT_LANGUAGE="en").get("/").content.decode()

    assert 'data-testid="landing-no-shop"' in html
    assert "each merchant&#x27;s H5 shop is at /shop/&lt;merchant&gt;/" in html
