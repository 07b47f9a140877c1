"""A small, fully known population for the audience tests: five customers of ``tea`` and one of ``beta``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from siyu.audience.models import CustomerTag, Tag, TagGroup, TagSource
from siyu.audience.rules import customers_matching, validate_rule
from siyu.audience.tests import build
from siyu.audience.tests.build import NOW
from siyu.conftest import make_merchant
from siyu.members.models import Customer
from siyu.promotions.models import CouponTemplate
from siyu.tenancy.models import Merchant

DAY = dt.timedelta(days=1)


@dataclass
class People:
    merchant: Merchant
    other: Merchant
    c: dict[str, Customer]
    products: dict[str, Any]
    categories: dict[str, Any]
    tags: dict[str, Tag]
    templates: dict[str, CouponTemplate]
    stranger: Customer

    def names(self, rule: Any, now: dt.datetime = NOW) -> set[str]:
        """Who the rule selects (by nickname), asserting the selection is one SQL statement."""
        node = validate_rule(rule, merchant_id=self.merchant.pk)
        qs = customers_matching(node, merchant_id=self.merchant.pk, now=now)
        with CaptureQueriesContext(connection) as queries:
            found = set(qs.values_list("nickname", flat=True))
        assert len(queries) == 1, [q["sql"] for q in queries]
        return found


@pytest.fixture
def people(merchant) -> People:
    other = make_merchant("beta")
    cat = build.catalogue(merchant)
    p = cat["products"]
    c = {
        "ann": build.customer(
            merchant,
            nickname="ann",
            gender="female",
            birthday=dt.date(1995, 6, 15),
            province="浙江",
            city="杭州",
            phone="13800000001",
            first_touch_source="moments",
            registered_at=NOW - 10 * DAY,
        ),
        "bob": build.customer(
            merchant,
            nickname="bob",
            gender="male",
            birthday=dt.date(1995, 6, 16),
            province="上海",
            city="上海",
            first_touch_source="ads",
            registered_at=NOW - 200 * DAY,
        ),
        "cat": build.customer(merchant, nickname="cat", registered_at=NOW - 40 * DAY),
        "dan": build.customer(
            merchant,
            nickname="dan",
            gender="female",
            birthday=dt.date(2005, 2, 28),
            city="杭州",
            phone="",
            is_blocked=True,
            registered_at=NOW - 1 * DAY,
        ),
    }
    c["eve"] = build.customer(merchant, nickname="eve", gender="female", city="杭州", merged_into=c["ann"])
    stranger = build.customer(other, nickname="zed", gender="female", city="杭州", registered_at=NOW - DAY)
    build.value(
        c["ann"],
        rfm_class="important_value",
        lifecycle_stage="growth",
        value_tier="active",
        loyalty_rung=2,
        order_count=2,
        recency_days=5,
    )
    build.value(
        c["bob"],
        rfm_class="general_retain",
        lifecycle_stage="dormancy",
        value_tier="ordinary",
        loyalty_rung=1,
        order_count=1,
        recency_days=120,
    )
    build.value(c["dan"], is_semi_private=True)
    build.value(stranger, rfm_class="important_value", is_semi_private=True)

    green = {"product_id": p["green"].pk}
    for days in (1, 2, 3, 40):
        build.event(c["ann"], "product_view", NOW - days * DAY, properties=green)
    build.event(c["ann"], "search", NOW - 2 * DAY, properties={"keywords": "Longjing Tea", "results": 3})
    for days in (4, 5):
        build.event(c["bob"], "product_view", NOW - days * DAY, properties=green, source="ads")
    build.event(c["bob"], "add_to_cart", NOW - 5 * DAY, properties=green)
    for days in range(1, 6):
        build.event(c["cat"], "product_view", NOW - days * DAY, properties=green)
    for _ in range(4):
        build.event(None, "product_view", NOW - DAY, merchant=merchant, properties=green)
    for _ in range(3):
        build.event(stranger, "product_view", NOW - DAY, properties=green)

    build.order(c["ann"], [p["longjing"]], paid_at=NOW - 5 * DAY, amount=3000)
    build.order(c["ann"], [p["cup"]], paid_at=NOW - 60 * DAY, status="completed", amount=2000)
    build.order(c["ann"], [p["green"]], status="pending_payment")
    build.order(c["bob"], [p["tea"]], paid_at=NOW - 120 * DAY, status="completed", amount=1000)
    build.order(c["bob"], [p["green"]], paid_at=NOW - 10 * DAY, status="closed", amount=1000, refunded=1000)
    build.order(c["dan"], [p["green"]], paid_at=NOW - 3 * DAY, amount=5000, refunded=1000)

    t1, t2 = build.template(merchant, title="t1"), build.template(merchant, title="t2")
    build.coupon(c["ann"], t1, valid_until=NOW + 10 * DAY)
    build.coupon(c["ann"], t1, "used", used_at=NOW - 3 * DAY)
    build.coupon(c["bob"], t2, valid_until=NOW - DAY)
    build.coupon(c["cat"], t1, "locked")
    build.coupon(c["dan"], t2, "voided")
    build.coupon(stranger, build.template(other), valid_until=NOW + 10 * DAY)

    for kind in ("mp_openid", "oa_openid"):
        build.identity(c["ann"], kind)
    build.consent(c["ann"], "sms")
    build.consent(c["ann"], "official_account")
    build.identity(c["bob"], "oa_openid")
    build.identity(c["bob"], "mp_openid")
    build.consent(c["bob"], "official_account", False)
    build.consent(c["bob"], "subscribe_message")
    build.identity(c["cat"], "phone")
    build.consent(c["cat"], "sms")
    build.identity(c["dan"], "unionid")
    build.consent(c["dan"], "wecom")

    basic = TagGroup.objects.create(merchant=merchant, kind="basic", name="基础标签")
    tags = {
        "vip": Tag.objects.create(merchant=merchant, group=basic, name="VIP"),
        "tea": Tag.objects.create(merchant=merchant, group=basic, name="Tea lover"),
    }
    for who, tag in (("ann", "vip"), ("cat", "vip"), ("bob", "tea")):
        CustomerTag.objects.create(
            merchant=merchant, customer=c[who], tag=tags[tag], source=TagSource.MANUAL, tagged_at=NOW
        )
    other_group = TagGroup.objects.create(merchant=other, kind="basic", name="基础标签")
    tags["beta"] = Tag.objects.create(merchant=other, group=other_group, name="VIP")
    CustomerTag.objects.create(
        merchant=other, customer=stranger, tag=tags["beta"], source=TagSource.MANUAL, tagged_at=NOW
    )
    return People(merchant, other, c, p, cat["categories"], tags, {"t1": t1, "t2": t2}, stranger)
