"""Issue 11 item 22: an explicit null in an activity PATCH body is a 400 naming the fields, not a 500."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from siyu.api import api
from siyu.promotions.groupbuy.models import GroupBuy

pytestmark = pytest.mark.django_db

ADMIN = "/api/v1/admin"
# Every activity's PATCH, with a field that cannot be emptied.
ACTIVITY_PATCHES = [
    ("group-buys", "name"),
    ("flash-sales", "title"),
    ("bargains", "floor_price"),
    ("presales", "deposit"),
    ("campaigns/lotteries", "chance_days"),
    ("campaigns/blind-boxes", "box_price"),
    ("campaigns/splits", "team_size"),
    ("campaigns/assists", "assists_needed"),
]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_null_for_a_field_that_cannot_be_empty_is_a_400_and_changes_nothing(staff_api, sku):
    now = timezone.now()
    created = staff_api.post(
        f"{ADMIN}/group-buys",
        {
            "name": "三人团",
            "starts_at": (now + timedelta(days=1)).isoformat(),
            "ends_at": (now + timedelta(days=3)).isoformat(),
            "group_size": 3,
            "time_limit_hours": 24,
            "skus": [{"sku_id": sku.pk, "group_price": 3000, "leader_price": 2500}],
        },
    )
    assert created.status_code == 201, created.content
    url = f"{ADMIN}/group-buys/{created.json()['id']}"
    response = staff_api.patch(url, {"name": None, "group_size": None, "time_limit_hours": 12})
    assert response.status_code == 400
    assert response.json() == {
        "code": "null_not_allowed",
        "message": "These fields cannot be null; leave a field out to keep its value.",
        "detail": {"fields": ["group_size", "name"]},
    }
    group_buy = GroupBuy.objects.get()
    assert (group_buy.name, group_buy.group_size, group_buy.time_limit_hours) == ("三人团", 3, 24)
    # A field that may be cleared still takes null; a field left out keeps its value.
    cleared = staff_api.patch(url, {"consolation_coupon_template_id": None, "time_limit_hours": 12})
    assert cleared.status_code == 200, cleared.content
    assert (cleared.json()["name"], cleared.json()["time_limit_hours"]) == ("三人团", 12)


@pytest.mark.parametrize(("path", "field"), ACTIVITY_PATCHES)
def test_every_activity_patch_refuses_null_before_reading_anything(staff_api, path, field):
    response = staff_api.patch(f"{ADMIN}/{path}/999999", {field: None})
    assert (response.status_code, response.json()["code"], response.json()["detail"]) == (
        400,
        "null_not_allowed",
        {"fields": [field]},
    )


def test_the_schema_says_which_patch_fields_take_null():
    schemas = api.get_openapi_schema()["components"]["schemas"]
    group_buy = schemas["GroupBuyPatch"]["properties"]
    assert group_buy["name"] == {"type": "string", "minLength": 1, "maxLength": 64, "title": "Name"}
    assert {"type": "null"} in group_buy["consolation_coupon_template_id"]["anyOf"]
    nullable = {
        "FlashSalePatch": {"payment_minutes"},
        "BargainPatch": {"quota"},
        "PresalePatch": {"per_customer_limit", "quota"},
        "LotteryPatch": set(),
        "BlindBoxPatch": {"per_customer_limit"},
        "SplitPatch": {"team_stock"},
        "AssistPatch": {"reward_stock"},
    }
    for name, fields in nullable.items():
        takes_null = {
            field
            for field, prop in schemas[name]["properties"].items()
            if {"type": "null"} in prop.get("anyOf", [])
        }
        assert takes_null == fields, name
