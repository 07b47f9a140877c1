"""No console page lets one merchant's staff read or change another merchant's rows.

Merchant A's owner opens every console route that names a row, with merchant B's ids: each is a
404 and leaves every one of B's rows as it was; the same call with A's own id is served. The routes
come from siyu/console/urls.py, so a new route with an id fails here until ROUTES says how to aim it.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.urls import URLPattern
from django.utils import timezone

from siyu.audience import services as audience
from siyu.console import urls
from siyu.console.playbooks import PLAYBOOKS
from siyu.decoration import services as decoration
from siyu.inventory.models import StockLevel
from siyu.members.loyalty.services import admin as loyalty_admin
from siyu.orders.services import shipping
from siyu.tenancy.models import Staff
from siyu.testing.clients import log_in
from siyu.testing.freight import add_freight
from siyu.testing.once import built_once
from siyu.testing.snapshots import changed, tenant_rows
from siyu.testing.wecom import add_contact_way_row
from siyu.testing.worlds import World, add_activities, build_world
from siyu.wechat.oa.services import create_reply_rule
from siyu.wechat.wecom_groups.models import WeComGroup, WeComGroupMember

pytestmark = pytest.mark.django_db

Pick = Callable[[World], Any]


def _level(w: World) -> int:
    return StockLevel.objects.get(sku=w.sku, outlet=None).pk


# route name -> (method, {path parameter: row of a world}, body)
ROUTES: dict[str, tuple[str, dict[str, Pick], dict[str, Any]]] = {
    "product": ("get", {"product_id": lambda w: w.product.pk}, {}),
    "product_roles": ("post", {"product_id": lambda w: w.product.pk}, {"roles": ["hot_item"]}),
    "stock_set": ("post", {"level_id": _level}, {"on_hand": 7, "low_stock_threshold": 1}),
    "order": ("get", {"order_id": lambda w: w.paid_order.pk}, {}),
    "order_ship": (
        "post",
        {"order_id": lambda w: w.paid_order.pk},
        {"carrier": "SF", "tracking_number": "SF1234567890123"},
    ),
    "order_cancel": ("post", {"order_id": lambda w: w.unpaid_order.pk}, {}),
    "order_price": (
        "post",
        {"order_id": lambda w: w.unpaid_order.pk},
        {"discount": "0.01", "shipping_fee": "0", "reason": "regular customer"},
    ),
    "order_marks": ("post", {"order_id": lambda w: w.paid_order.pk}, {"remark": "call first", "flag": "red"}),
    "order_batch": ("get", {"batch_id": lambda w: w.batch.pk}, {}),
    "order_batch_apply": ("post", {"batch_id": lambda w: w.batch.pk}, {}),
    "after_sale": ("get", {"after_sale_id": lambda w: w.after_sale.pk}, {}),
    "after_sale_action": (
        "post",
        {"after_sale_id": lambda w: w.after_sale.pk, "action": lambda w: "approve"},
        {"note": "ok"},
    ),
    "customer": ("get", {"customer_id": lambda w: w.customer.pk}, {}),
    # 微信 · 企业微信: a 渠道活码 of each world (rows only: no WeCom call happens before the 404)
    "wecom_contact_way": ("get", {"way_id": lambda w: w.wecom_way.pk}, {}),
    "wecom_contact_way_delete": ("post", {"way_id": lambda w: w.wecom_way.pk}, {}),
    "customer_guide": ("post", {"customer_id": lambda w: w.customer.pk}, {"guide": ""}),
    "customer_phone": ("post", {"customer_id": lambda w: w.customer.pk}, {}),
    "order_phone": ("post", {"order_id": lambda w: w.paid_order.pk}, {}),
    # 商品 edits
    "product_edit": ("get", {"product_id": lambda w: w.product.pk}, {}),
    "product_skus": ("post", {"product_id": lambda w: w.product.pk}, {"skus": "NEW-SKU-1, 10"}),
    # 营销: coupons and promotions
    "coupon": ("get", {"template_id": lambda w: w.coupon_template.pk}, {}),
    "coupon_edit": ("get", {"template_id": lambda w: w.coupon_template.pk}, {}),
    "coupon_status": ("post", {"template_id": lambda w: w.coupon_template.pk}, {"status": "paused"}),
    "coupon_codes": ("post", {"template_id": lambda w: w.coupon_template.pk}, {"count": 1}),
    "coupon_issue": (
        "post",
        {"template_id": lambda w: w.coupon_template.pk},
        {"customer_ids": lambda w: str(w.customer.pk)},
    ),
    "promotion": ("get", {"promotion_id": lambda w: w.promotion.pk}, {}),
    "promotion_edit": ("get", {"promotion_id": lambda w: w.promotion.pk}, {}),
    "promotion_status": ("post", {"promotion_id": lambda w: w.promotion.pk}, {"status": "paused"}),
    # 门店, 设置
    "outlet_edit": ("get", {"outlet_id": lambda w: w.outlet.pk}, {}),
    "staff_edit": ("get", {"staff_id": lambda w: w.owner.pk}, {}),
}
# 客户: tags, tag rules and segments (the world's audience rows, see add_audience)
AUDIENCE_ROUTES: dict[str, tuple[str, dict[str, Pick], dict[str, Any]]] = {
    "customer_data": ("get", {"customer_id": lambda w: w.customer.pk}, {}),
    "customer_note_add": ("post", {"customer_id": lambda w: w.customer.pk}, {"body": "taken over"}),
    "customer_tag_add": (
        "post",
        {"customer_id": lambda w: w.customer.pk},
        {"tag_id": lambda w: w.audience.tag.pk},
    ),
    "customer_tag_remove": (
        "post",
        {"customer_id": lambda w: w.customer.pk, "tag_id": lambda w: w.audience.tag.pk},
        {},
    ),
    "tag_rename": ("post", {"tag_id": lambda w: w.audience.tag.pk}, {"name": "taken over"}),
    "tag_delete": ("post", {"tag_id": lambda w: w.audience.tag.pk}, {}),
    "tag_group_rename": ("post", {"group_id": lambda w: w.audience.group.pk}, {"name": "taken over"}),
    "tag_group_delete": ("post", {"group_id": lambda w: w.audience.group.pk}, {}),
    "tag_rule_run": ("post", {"rule_id": lambda w: w.audience.rule.pk}, {}),
    "tag_rule_delete": ("post", {"rule_id": lambda w: w.audience.rule.pk}, {}),
    "segment": ("get", {"segment_id": lambda w: w.audience.segment.pk}, {}),
    "segment_edit": ("get", {"segment_id": lambda w: w.audience.segment.pk}, {}),
    "segment_export": ("get", {"segment_id": lambda w: w.audience.segment.pk}, {}),
    "segment_snapshot": ("post", {"segment_id": lambda w: w.audience.segment.pk}, {}),
    "segment_delete": ("post", {"segment_id": lambda w: w.audience.segment.pk}, {}),
    "segment_issue": (
        "post",
        {"segment_id": lambda w: w.audience.segment.pk},
        {"template_id": lambda w: w.coupon_template.pk, "batch_key": "b1"},
    ),
}
ROUTES.update(AUDIENCE_ROUTES)
# 店铺装修: the world's home page (published once) and its first section.
_PAGE: dict[str, Pick] = {"page_id": lambda w: w.pages.home.pk}
_SECTION: dict[str, Pick] = {**_PAGE, "section_id": lambda w: w.pages.section_id}
ROUTES.update(
    {
        "decoration_page": ("get", _PAGE, {}),
        "decoration_settings": ("post", _PAGE, {"title": "taken over"}),
        "decoration_section_add": ("post", _PAGE, {"kind": "notice"}),
        "decoration_section": ("post", _SECTION, {}),
        "decoration_section_move": ("post", _SECTION, {"direction": "down"}),
        "decoration_section_remove": ("post", _SECTION, {}),
        "decoration_publish": ("post", _PAGE, {}),
        "decoration_discard": ("post", _PAGE, {}),
        "decoration_versions": ("get", _PAGE, {}),
        "decoration_rollback": ("post", {**_PAGE, "number": lambda w: 1}, {}),
    }
)
# 订单 > 运费模板 (the world's freight rows, see add_freight)
FREIGHT_RULE = {"template_id": lambda w: w.freight.template.pk, "rule_id": lambda w: w.freight.rule.pk}
ROUTES.update(
    {
        "freight_template": ("get", {"template_id": lambda w: w.freight.template.pk}, {}),
        "freight_delete": ("post", {"template_id": lambda w: w.freight.template.pk}, {}),
        "freight_products": (
            "post",
            {"template_id": lambda w: w.freight.template.pk},
            {"product_ids": lambda w: [w.product.pk]},
        ),
        "freight_rule_new": ("get", {"template_id": lambda w: w.freight.template.pk}, {}),
        "freight_rule": ("get", FREIGHT_RULE, {}),
        "freight_rule_delete": ("post", FREIGHT_RULE, {}),
    }
)
# 会员: a member's page and adjustments, tiers (the world's membership rows, see add_membership)
ROUTES.update(
    {
        "member": ("get", {"customer_id": lambda w: w.customer.pk}, {}),
        "member_adjust": (
            "post",
            {"customer_id": lambda w: w.customer.pk},
            {"target": "points", "direction": "add", "amount": "5", "reason": "taken over", "key": "a" * 32},
        ),
        "member_tier_edit": ("get", {"tier_id": lambda w: w.membership.top.pk}, {}),
        "member_tier_delete": ("post", {"tier_id": lambda w: w.membership.top.pk}, {}),
    }
)
# 微信: the official account's auto-reply rules (the world's default reply)
ROUTES.update(
    {
        "wechat_reply": ("get", {"rule_id": lambda w: w.oa_reply.pk}, {}),
        "wechat_reply_delete": ("post", {"rule_id": lambda w: w.oa_reply.pk}, {}),
    }
)
# 微信 > 企业微信客户群 (the world's group, see add_wecom_group)
ROUTES["wecom_group"] = ("get", {"group_id": lambda w: w.wecom_group.pk}, {})
# 营销: every playbook's activity page and its actions, aimed at the world's activity of that playbook.
for _key in PLAYBOOKS:
    ROUTES[_key] = ("get", {"activity_id": lambda w, k=_key: w.activities.rows[k].pk}, {})
    ROUTES[f"{_key}_action"] = (
        "post",
        {"activity_id": lambda w, k=_key: w.activities.rows[k].pk, "action": lambda w: "pause"},
        {},
    )
# 触达: the world's message template and broadcast (add_reach), and its customer's message timeline.
ROUTES.update(
    {
        "reach_template": ("get", {"template_id": lambda w: w.reach.template.pk}, {}),
        "reach_template_edit": ("get", {"template_id": lambda w: w.reach.template.pk}, {}),
        "reach_template_preview": ("get", {"template_id": lambda w: w.reach.template.pk}, {}),
        "reach_template_archive": ("post", {"template_id": lambda w: w.reach.template.pk}, {}),
        "reach_broadcast": ("get", {"broadcast_id": lambda w: w.reach.broadcast.pk}, {}),
        "reach_broadcast_edit": ("get", {"broadcast_id": lambda w: w.reach.broadcast.pk}, {}),
        "reach_broadcast_fast_forward": ("post", {"broadcast_id": lambda w: w.reach.broadcast.pk}, {}),
        "reach_broadcast_action": (
            "post",
            {"broadcast_id": lambda w: w.reach.broadcast.pk, "action": lambda w: "start"},
            {},
        ),
        "reach_customer_messages": ("get", {"customer_id": lambda w: w.customer.pk}, {}),
    }
)
# The other actions on an after-sale, aimed the same way.
ACTIONS = {"reject": {"note": "no"}, "receive": {}}


def _routes_with_ids() -> list[str]:
    found = []
    for pattern in urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        if re.search(r"<(int|slug|str):", str(pattern.pattern)):
            found.append(pattern.name)
    return sorted(found)


def test_every_console_route_with_an_id_is_covered():
    assert _routes_with_ids() == sorted(ROUTES)


def add_audience(owner: Staff) -> SimpleNamespace:
    """A tag group with a manual tag, an automatic tag with its rule, and a dynamic segment."""
    group = audience.create_tag_group(staff=owner, kind="manual", name="运营")
    tag = audience.create_tag(staff=owner, group_id=group.pk, name="VIP")
    auto = audience.create_tag(staff=owner, group_id=group.pk, name="自动")
    rule = audience.create_tag_rule(staff=owner, tag_id=auto.pk, rule={"semi_private": False})
    segment = audience.create_segment(staff=owner, name="所有人", rule={"semi_private": False})
    return SimpleNamespace(group=group, tag=tag, auto=auto, rule=rule, segment=segment)


def add_pages(owner: Staff) -> SimpleNamespace:
    """The home page, published once (version 1)."""
    home = decoration.create_page(staff=owner, kind="home", title="首页")
    version = decoration.publish_page(staff=owner, page_id=home.pk)
    return SimpleNamespace(home=home, section_id=version.sections[0]["id"])


def add_membership(owner: Staff) -> SimpleNamespace:
    """The programme's rules and two tiers (nobody reaches the top one)."""
    loyalty_admin.update_settings(staff=owner, enabled=True)
    base = loyalty_admin.create_tier(staff=owner, code="base", name="普通", rank=0, growth_threshold=0)
    top = loyalty_admin.create_tier(staff=owner, code="top", name="至尊", rank=1, growth_threshold=10**6)
    return SimpleNamespace(base=base, top=top)


def add_wecom_group(world: World) -> WeComGroup:
    """A WeCom customer group with the world's customer in it."""
    group = WeComGroup.objects.create(
        merchant=world.merchant,
        chat_id=f"wr{world.slug}",
        name="群",
        owner_userid="g",
        synced_at=timezone.now(),
    )
    WeComGroupMember.objects.create(
        merchant=world.merchant, group=group, userid="wm1", member_type=2, customer=world.customer
    )
    return group


def add_reach(world: World) -> SimpleNamespace:
    """A message template and a draft broadcast of it to a segment of its own."""
    from siyu.audience.models import Segment
    from siyu.reach.models import Broadcast, MessageTemplate

    segment = Segment.objects.create(merchant=world.merchant, name="触达", rule={}, kind="static")
    template = MessageTemplate.objects.create(
        merchant=world.merchant, name="通知", channel="sms", external_id="1", fields={"params": ["x"]}
    )
    broadcast = Broadcast.objects.create(
        merchant=world.merchant,
        name="群发",
        segment=segment,
    )
    broadcast.channels.create(merchant=world.merchant, position=0, template=template)
    return SimpleNamespace(template=template, broadcast=broadcast)


def _world(slug: str) -> World:
    world = build_world(slug)
    world.activities = add_activities(world.owner, slug)  # type: ignore[attr-defined]
    world.audience = add_audience(world.owner)  # type: ignore[attr-defined]
    world.pages = add_pages(world.owner)  # type: ignore[attr-defined]
    world.freight = add_freight(world.owner)  # type: ignore[attr-defined]
    world.membership = add_membership(world.owner)  # type: ignore[attr-defined]
    world.oa_reply = create_reply_rule(staff=world.owner, kind="default", text="收到")  # type: ignore[attr-defined]
    world.wecom_group = add_wecom_group(world)  # type: ignore[attr-defined]
    world.wecom_way = add_contact_way_row(world.owner)  # type: ignore[attr-defined]
    world.reach = add_reach(world)  # type: ignore[attr-defined]
    world.batch = shipping.preview_shipment_batch(  # type: ignore[attr-defined]
        staff=world.owner, data=f"{world.paid_order.number},SF,SF1234567890123".encode(), filename="p.csv"
    )
    return world


@pytest.fixture(scope="module")
def worlds(django_db_setup, django_db_blocker) -> Iterator[tuple[World, World]]:
    """A and B, built once for the module; each test's changes are rolled back after it."""
    yield from built_once(django_db_blocker, lambda: (_world("alpha"), _world("beta")))


@pytest.fixture
def a(db, worlds) -> World:
    return copy.deepcopy(worlds[0])


@pytest.fixture
def b(db, worlds) -> World:
    return copy.deepcopy(worlds[1])


def _url(name: str, world: World, **override: Any) -> str:
    from django.urls import reverse

    _method, params, _body = ROUTES[name]
    return reverse(f"console:{name}", kwargs={k: pick(world) for k, pick in params.items()} | override)


def _cases() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    cases = [(name, {}, ROUTES[name][2]) for name in sorted(ROUTES)]
    cases += [("after_sale_action", {"action": action}, body) for action, body in ACTIONS.items()]
    # Every other action of every playbook, and POSTs to the edit pages with a full body.
    for key, book in PLAYBOOKS.items():
        cases += [(f"{key}_action", {"action": a}, {}) for a in sorted(book.actions) if a != "pause"]
    cases += [("product_edit", {}, {"name": "taken over", "sort_order": 0}), ("staff_edit", {}, STAFF_BODY)]
    cases += [("outlet_edit", {}, OUTLET_BODY), ("coupon_edit", {}, {"title": "taken over"})]
    cases += [("promotion_edit", {}, {"title": "taken over", "priority": 1})]
    cases += [("segment_edit", {}, {"name": "taken over", "rule": '{"semi_private": true}'})]
    cases += [("member_tier_edit", {}, TIER_BODY)]
    cases += [("wechat_reply", {}, {"kind": "default", "reply_type": "text", "text": "taken over"})]
    return cases


STAFF_BODY = {"display_name": "taken over", "role": "guide", "is_active": ""}
OUTLET_BODY = {"code": "X1", "name": "taken over"}
TIER_BODY = {
    "name": "taken over",
    "code": "top",
    "rank": 1,
    "growth_threshold": 10**6,
    "keep_threshold": 0,
    "points_multiplier": 1,
    "upgrade_points": 0,
}


@pytest.mark.parametrize(
    ("name", "override", "body"), _cases(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_a_route_with_another_merchants_id_is_404_and_changes_nothing(name, override, body, a, b):
    client = log_in(a.owner)
    method = "post" if override == {} and body and ROUTES[name][0] == "get" else ROUTES[name][0]
    body = {k: v(a) if callable(v) else v for k, v in body.items()}  # ids of A's own rows
    before = tenant_rows(b.merchant)

    response = getattr(client, method)(_url(name, b, **override), body if method == "post" else None)

    assert response.status_code == 404, (response.status_code, response.content[:300])
    assert 'data-code="not_found"' in response.content.decode()
    assert changed(before, tenant_rows(b.merchant)) == []
    # The same call on A's own row is served: the 404 above is the merchant check.
    own = getattr(client, method)(_url(name, a, **override), body if method == "post" else None)
    assert own.status_code < 500 and own.status_code not in (401, 403, 404), (
        own.status_code,
        own.content[:300],
    )


def test_ids_in_queries_and_bodies_name_none_of_another_merchants_rows(a, b):
    client = log_in(a.owner)
    before = tenant_rows(b.merchant)

    orders = client.get("/console/orders/", {"customer": b.customer.pk}).content.decode()
    products = client.get("/console/products/", {"category": b.category.pk}).content.decode()
    stock = client.get("/console/stock/", {"place": b.outlet.pk}).content.decode()
    audit = client.get("/console/settings/audit/", {"staff": b.owner.pk}).content.decode()
    bulk = client.post(
        "/console/products/status/", {"product_ids": [a.product.pk, b.product.pk], "status": "off_shelf"}
    )
    pickup = client.post("/console/pickup/", {"code": b.pickup_order.pickup_code})
    switch = client.post("/console/merchant/switch/", {"merchant_id": b.merchant.pk})
    staff = client.post(
        "/console/settings/staff/",
        {
            "username": "alpha_x",
            "password": "pw-12345678",
            "display_name": "X",
            "role": "guide",
            "outlets": [b.outlet.pk],
        },
    )

    assert "data-order=" not in orders
    assert "data-product=" not in products
    assert "No stock levels match." in stock
    assert "Nothing recorded." in audit
    assert (bulk.status_code, pickup.status_code, switch.status_code, staff.status_code) == (
        404,
        404,
        404,
        400,
    )
    assert changed(before, tenant_rows(b.merchant)) == []
    assert a.product.__class__.objects.get(pk=a.product.pk).status == "on_sale"  # all or nothing


def test_tag_and_segment_ids_in_queries_and_bodies_name_none_of_another_merchants_rows(a, b):
    client = log_in(a.owner)
    before = tenant_rows(b.merchant)
    theirs = b.audience.tag.pk  # type: ignore[attr-defined]
    mine = a.audience.tag.pk  # type: ignore[attr-defined]

    listed = client.get("/console/customers/", {"tag": theirs}).content.decode()
    bulk_their_tag = client.post(
        "/console/customers/bulk-tag/",
        {"tag_id": theirs, "action": "add", "scope": "selected", "customer_ids": [a.customer.pk]},
    )
    bulk_their_customer = client.post(
        "/console/customers/bulk-tag/",
        {"tag_id": mine, "action": "add", "scope": "selected", "customer_ids": [b.customer.pk]},
    )
    preview = client.post("/console/customers/segments/preview/", {"rule": f'{{"tag": {theirs}}}'})
    segment = client.post(
        "/console/customers/segments/new/", {"name": "x", "kind": "static", "rule": f'{{"tag": {theirs}}}'}
    )
    options = client.get("/console/customers/tag-options/").content.decode()

    assert "data-customer=" not in listed
    assert (bulk_their_tag.status_code, bulk_their_customer.status_code) == (404, 404)
    assert preview.status_code == 400 and 'data-path="rule.tag"' in preview.content.decode()
    assert segment.status_code == 400
    assert f'value="{theirs}"' not in options and f'value="{mine}"' in options
    assert changed(before, tenant_rows(b.merchant)) == []
