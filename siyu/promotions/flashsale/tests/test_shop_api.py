"""The shop's list and detail: published sales only, countdown data, remaining units, my units."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from siyu.promotions.flashsale.models import FlashSaleItem, FlashSalePurchase
from siyu.promotions.flashsale.playbook import FLASH_SALES
from siyu.promotions.kit.services import set_status
from siyu.testing.clients import ApiClient
from siyu.testing.factories import make_merchant

BASE = "/api/v1/shop/tea"


@pytest.fixture(autouse=True)
def _no_redis(no_redis):
    return None


def test_list_shows_published_sales_soonest_first_with_countdowns(make_flash_sale, make_product, owner):
    a, b, c, d = (make_product(name=f"P{i}", price=5000).skus.get() for i in range(4))
    running = make_flash_sale([(a, 1990, 10)], starts_in=timedelta(minutes=-5), lasts=timedelta(hours=1))
    upcoming = make_flash_sale([(b, 2990, 3)], starts_in=timedelta(hours=2), lasts=timedelta(hours=1))
    make_flash_sale([(c, 990, 5)], publish=False)
    ended = make_flash_sale([(d, 990, 5)])
    set_status(FLASH_SALES, "end", staff=owner, activity_id=ended.pk)
    FlashSaleItem.objects.filter(flash_sale=running).update(reserved=2, sold=5)

    before = timezone.now()
    resp = ApiClient().get(f"{BASE}/flash-sales")
    assert resp.status_code == 200
    data = resp.json()
    assert data["count"] == 2
    first, second = data["items"]
    assert (first["id"], first["phase"], second["id"], second["phase"]) == (
        running.pk,
        "running",
        upcoming.pk,
        "upcoming",
    )
    now = datetime.fromisoformat(first["now"])
    assert before <= now <= timezone.now()
    assert first["starts_in_seconds"] == 0
    assert first["ends_in_seconds"] == int((running.ends_at - now).total_seconds())
    assert second["starts_in_seconds"] == int((upcoming.starts_at - now).total_seconds())
    assert first["items"] == [
        {
            "sku_id": a.pk,
            "product_id": a.product_id,
            "product_name": "P0",
            "specs": {},
            "image": "",
            "price": 5000,
            "flash_price": 1990,
            "quota": 10,
            "remaining": 3,
            "sold_out": False,
            "my_units": None,
        }
    ]


def test_detail_tells_a_logged_in_customer_their_units(make_flash_sale, sku, customer_login):
    sale = make_flash_sale([(sku, 1990, 1)], limit=1)
    item = FlashSaleItem.objects.get()
    item.reserved = 1
    item.save(update_fields=["reserved"])
    customer, token = customer_login("alice")
    FlashSalePurchase.objects.create(merchant=customer.merchant, item=item, customer=customer, quantity=1)

    mine = ApiClient(token).get(f"{BASE}/flash-sales/{sale.pk}").json()
    visitor = ApiClient().get(f"{BASE}/flash-sales/{sale.pk}").json()
    assert (mine["items"][0]["my_units"], mine["items"][0]["remaining"], mine["items"][0]["sold_out"]) == (
        1,
        0,
        True,
    )
    assert visitor["items"][0]["my_units"] is None
    assert mine["per_customer_limit"] == 1


def test_drafts_and_other_shops_sales_are_not_found(make_flash_sale, sku, make_product):
    draft = make_flash_sale([(sku, 1990, 1)], publish=False)
    assert ApiClient().get(f"{BASE}/flash-sales/{draft.pk}").json()["code"] == "flash_sale_not_found"
    make_merchant("other")
    assert ApiClient().get("/api/v1/shop/other/flash-sales").json()["count"] == 0
    live = make_flash_sale([(make_product().skus.get(), 990, 1)])
    assert ApiClient().get(f"/api/v1/shop/other/flash-sales/{live.pk}").status_code == 404


def test_list_takes_a_fixed_number_of_queries(make_flash_sale, make_product, django_assert_max_num_queries):
    for _ in range(4):
        make_flash_sale([(make_product().skus.get(), 990, 5), (make_product().skus.get(), 990, 5)])
    with django_assert_max_num_queries(5):
        assert ApiClient().get(f"{BASE}/flash-sales").json()["count"] == 4
