"""Promotions aimed at a segment or a tag apply to its members only, at checkout (issue 11 item 2)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from siyu.audience.models import Segment, SegmentMember
from siyu.audience.services import segments as segment_services
from siyu.audience.services import tags as tag_services
from siyu.members.models import Customer
from siyu.members.services import save_address
from siyu.promotions import pricing, services
from siyu.testing.clients import ApiClient

pytestmark = pytest.mark.django_db
SHOP = "/api/v1/shop/tea"


def _shopper(customer_login, code: str, **profile) -> tuple[Customer, ApiClient, int]:
    customer, token = customer_login(code)
    Customer.objects.filter(pk=customer.pk).update(**profile)
    address = save_address(
        customer=customer,
        recipient="王小明",
        phone="13800000000",
        province="浙江",
        city="杭州",
        detail="西湖区龙井路1号",
    )
    return customer, ApiClient(token), address.pk


def _tiered(owner, title: str, reduce: int, audience: dict) -> None:
    services.create_promotion(
        staff=owner,
        title=title,
        kind="tiered",
        config={"tiers": [{"threshold": 1000, "reduce": reduce}]},
        audience=audience,
    )


def test_segment_and_tag_promotions_apply_to_members_only(owner, customer_login, make_product):
    sku = make_product(price=5000).skus.get()
    _alice, alice_api, alice_address = _shopper(customer_login, "alice", city="杭州")
    bob, bob_api, bob_address = _shopper(customer_login, "bob", city="上海")
    _carol, carol_api, carol_address = _shopper(customer_login, "carol", city="上海")
    hangzhou = segment_services.create_segment(
        staff=owner, name="杭州客户", rule={"field": "city", "op": "eq", "value": "杭州"}
    )
    group = tag_services.create_tag_group(staff=owner, kind="preference", name="兴趣")
    tea_lover = tag_services.create_tag(staff=owner, group_id=group.pk, name="茶友")
    tag_services.tag_customers(staff=owner, tag_id=tea_lover.pk, customer_ids=[bob.pk])
    _tiered(owner, "杭州专享", 500, {"segments": [str(hangzhou.pk)]})
    _tiered(owner, "茶友专享", 300, {"tags": [str(tea_lover.pk)]})

    def totals(api: ApiClient, address_id: int) -> tuple[int, int, int, int]:
        body = {"lines": [{"sku_id": sku.pk, "quantity": 1}], "address_id": address_id}
        quote = api.post(f"{SHOP}/checkout/quote", body).json()
        return (
            quote["goods_amount"],
            quote["discount_amount"],
            quote["shipping_fee"],
            quote["payable_amount"],
        )

    assert totals(alice_api, alice_address) == (5000, 500, 1000, 5500)  # in the segment
    assert totals(bob_api, bob_address) == (5000, 300, 1000, 5700)  # carries the tag
    assert totals(carol_api, carol_address) == (5000, 0, 1000, 6000)  # neither
    placed = alice_api.post(
        f"{SHOP}/orders",
        {"lines": [{"sku_id": sku.pk, "quantity": 1}], "address_id": alice_address},
        headers={"Idempotency-Key": "seg-1"},
    )
    assert placed.status_code == 201, placed.content
    assert (placed.json()["discount_amount"], placed.json()["payable_amount"]) == (500, 5500)


def test_memberships_cost_a_fixed_number_of_queries(owner, customer_login, django_assert_num_queries):
    alice, _api, _address = _shopper(customer_login, "alice", city="杭州")
    now = timezone.now()
    plain = pricing.live_promotions(alice.merchant_id, now)
    with django_assert_num_queries(1):  # no rule names a segment or a tag: only the order count
        assert pricing.customer_context(alice, plain).segments == frozenset()
    group = tag_services.create_tag_group(staff=owner, kind="preference", name="兴趣")
    tags = [tag_services.create_tag(staff=owner, group_id=group.pk, name=f"标签{i}") for i in range(3)]
    tag_services.tag_customers(staff=owner, tag_id=tags[1].pk, customer_ids=[alice.pk])
    dynamic = [
        segment_services.create_segment(
            staff=owner, name=f"城市{i}", rule={"field": "city", "op": "eq", "value": city}
        )
        for i, city in enumerate(["杭州", "上海", "北京"])
    ]
    frozen = segment_services.create_segment(
        staff=owner, name="冻结", rule={"field": "city", "op": "eq", "value": "北京"}, kind="static"
    )
    SegmentMember.objects.create(merchant_id=alice.merchant_id, segment=frozen, customer=alice, added_at=now)
    for i, segment in enumerate([*dynamic, frozen]):
        _tiered(owner, f"人群{i}", 100, {"segments": [str(segment.pk)]})
    for i, tag in enumerate(tags):
        _tiered(owner, f"标签{i}", 100, {"tags": [str(tag.pk), "999999"]})
    book = pricing.live_promotions(alice.merchant_id, now)
    with django_assert_num_queries(4):  # orders, the tags, the segments' rules, one EXISTS row
        context = pricing.customer_context(alice, book)
    assert context.segments == {str(dynamic[0].pk), str(frozen.pk)}
    assert context.tags == {str(tags[1].pk)}
    assert Segment.objects.count() == 4
