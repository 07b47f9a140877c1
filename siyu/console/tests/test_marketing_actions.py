"""营销 writes go through the promotions services: coupons (create, edit, status, codes, targeted
issue), promotions per kind, the pricing policy, and every playbook's create form and actions.
A refused submission answers 4xx, shows why, and changes no row."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from siyu.promotions import services as svc
from siyu.promotions.bargain.models import Bargain
from siyu.promotions.campaigns.models import AssistCampaign, DrawCampaign, SplitCampaign
from siyu.promotions.flashsale.models import FlashSale
from siyu.promotions.groupbuy.models import GroupBuy
from siyu.promotions.models import Coupon, CouponCode, CouponTemplate, PricingPolicy, Promotion
from siyu.promotions.presale.models import Presale
from siyu.tenancy.models import AuditEntry, Role
from siyu.testing import factories
from siyu.testing.factories import make_merchant, make_tiers
from siyu.testing.snapshots import refused
from siyu.testing.worlds import activity_skus, add_activities

pytestmark = pytest.mark.django_db


def _local(delta: timedelta) -> str:
    return timezone.localtime(timezone.now() + delta, timezone.get_fixed_timezone(480)).strftime(
        "%Y-%m-%dT%H:%M"
    )


COUPON = {
    "title": "新客满100减20",
    "kind": "amount",
    "amount": "20",
    "threshold": "100",
    "validity": "after_claim",
    "valid_days": "7",
    "total_quantity": "500",
    "per_customer_limit": "2",
    "claimable": "on",
    "code_mode": "none",
    "triggers": ["register"],
    "scope_roles": ["flagship"],
    "stacks_with_stages": ["item", "order"],
}


# ---- coupons -------------------------------------------------------------------------------------------


def test_an_operator_creates_a_coupon_template_with_every_field(console_as, merchant):
    client, operator = console_as(Role.OPERATOR)

    response = client.post("/console/marketing/coupons/new/", COUPON)

    assert response.status_code == 302, response.content[:1500]
    t = CouponTemplate.objects.get()
    assert response["Location"] == f"/console/marketing/coupons/{t.pk}/"
    assert (t.title, t.kind, t.amount, t.threshold, t.rate_bp, t.max_discount) == (
        "新客满100减20",
        "amount",
        2000,
        10000,
        10000,
        None,
    )
    assert (t.validity, t.valid_days, t.total_quantity, t.per_customer_limit) == ("after_claim", 7, 500, 2)
    assert (t.scope, t.triggers, t.stacks_with_stages, t.stacks_with_groups) == (
        {"roles": ["flagship"]},
        ["register"],
        ["item", "order"],
        None,
    )
    assert (t.claimable, t.new_customers_only, t.status, t.merchant_id) == (
        True,
        False,
        "active",
        merchant.pk,
    )
    assert AuditEntry.objects.get(action="coupon.create").staff_id == operator.pk
    listed = client.get("/console/marketing/coupons/").content.decode()
    assert f'data-coupon="{t.pk}"' in listed and "新客满100减20" in listed


def test_a_percent_coupon_in_zhe_with_a_cap_and_picked_skus_in_scope(console, sku):
    data = {
        **COUPON,
        "kind": "percent",
        "amount": "",
        "rate": "8.5",
        "max_discount": "30",
        "threshold": "",
        "scope_roles": [],
        "scope_sku_ids": [sku.pk],
    }

    assert console.post("/console/marketing/coupons/new/", data).status_code == 302

    t = CouponTemplate.objects.get()
    assert (t.kind, t.rate_bp, t.max_discount, t.threshold, t.scope) == (
        "percent",
        8500,
        3000,
        0,
        {"sku_ids": [sku.pk]},
    )


def test_a_coupon_the_service_refuses_is_a_400_with_the_field_marked(console, merchant):
    response = refused(
        console,
        "/console/marketing/coupons/new/",
        {**COUPON, "amount": "200"},
        merchant,
        400,
        "invalid_input",
    )
    html = response.content.decode()
    assert 'data-field="threshold"' in html and "at least the amount" in html
    foreign = factories.make_product(make_merchant("x"), "别家的茶", code="X").skus.get()
    other = refused(
        console, "/console/marketing/coupons/new/", {**COUPON, "scope_sku_ids": [foreign.pk]}, merchant, 400
    )
    assert f"Not in this shop: #{foreign.pk}." in other.content.decode()
    refused(console, "/console/marketing/coupons/new/", {**COUPON, "validity": "fixed"}, merchant, 400)


def test_roles_without_promotions_edit_cannot_create_a_coupon(console_as, merchant):
    for role in (Role.ANALYST, Role.GUIDE):
        client, _staff = console_as(role)
        refused(client, "/console/marketing/coupons/new/", COUPON, merchant, 403, "permission_denied")


def _make_template(owner, **kw) -> CouponTemplate:
    fields = {
        "kind": "amount",
        "amount": 2000,
        "threshold": 10000,
        "valid_until": timezone.now() + timedelta(days=9),
    }
    return svc.create_template(staff=owner, title="满100减20", **{**fields, **kw})


def test_editing_changes_only_what_changed_and_what_a_coupon_gives_is_fixed_once_issued(
    console, owner, customer
):
    t = _make_template(owner, total_quantity=10, per_customer_limit=3)
    page = console.get(f"/console/marketing/coupons/{t.pk}/edit/").content.decode()
    assert 'value="满100减20"' in page and 'name="amount" value="20.00"' in page

    svc.claim_coupon(customer=customer, template_id=t.pk)
    form = {
        **COUPON,
        "title": "满100减20（加量）",
        "amount": "50",
        "validity": "fixed",
        "valid_until": _local(timedelta(days=9)),
        "total_quantity": "20",
        "per_customer_limit": "3",
    }
    response = console.post(f"/console/marketing/coupons/{t.pk}/edit/", form)

    assert response.status_code == 302, response.content[:1500]
    t.refresh_from_db()
    assert (t.title, t.total_quantity, t.amount, t.threshold, t.kind) == (
        "满100减20（加量）",
        20,
        2000,
        10000,
        "amount",
    )
    assert (
        'name="amount" value="20.00"'
        in console.get(f"/console/marketing/coupons/{t.pk}/edit/").content.decode()
    )
    audit = AuditEntry.objects.get(action="coupon.update")
    assert audit.after["total_quantity"] == "20"


def test_pause_resume_end_and_an_ended_coupon_stays_ended(console, owner, merchant):
    t = _make_template(owner)
    url = f"/console/marketing/coupons/{t.pk}/status/"

    for status in ("paused", "active", "ended"):
        assert console.post(url, {"status": status}).status_code == 302
        t.refresh_from_db()
        assert t.status == status
    refused(console, url, {"status": "active"}, merchant, 400, "invalid_input")
    refused(console, url, {"status": "gone"}, merchant, 400)


def test_codes_shared_and_single_use(console, owner, merchant):
    shared = _make_template(owner, code_mode="shared", claimable=False)
    unique = _make_template(owner, code_mode="unique", claimable=False)
    plain = _make_template(owner)

    assert (
        console.post(
            f"/console/marketing/coupons/{shared.pk}/codes/", {"count": 1, "code": "spring25"}
        ).status_code
        == 302
    )
    assert console.post(f"/console/marketing/coupons/{unique.pk}/codes/", {"count": 5}).status_code == 302

    assert list(CouponCode.objects.filter(template=shared).values_list("code", "single_use")) == [
        ("SPRING25", False)
    ]
    codes = CouponCode.objects.filter(template=unique)
    assert codes.count() == 5 and all(c.single_use and len(c.code) == 10 for c in codes)
    page = console.get(f"/console/marketing/coupons/{shared.pk}/").content.decode()
    assert "<code>SPRING25</code>" in page
    refused(
        console,
        f"/console/marketing/coupons/{shared.pk}/codes/",
        {"count": 1, "code": "SPRING25"},
        merchant,
        400,
    )
    refused(console, f"/console/marketing/coupons/{plain.pk}/codes/", {"count": 1}, merchant, 400)


def test_targeted_issue_gives_each_picked_customer_one_coupon(console, owner, customer_login, merchant):
    t = _make_template(owner, total_quantity=3)
    people = [customer_login(f"p{i}")[0] for i in range(3)]
    ids = [p.pk for p in people[:2]]

    response = console.post(
        f"/console/marketing/coupons/{t.pk}/issue/", {"customers": ids, "batch_key": "b1"}
    )

    assert response.status_code == 302
    assert sorted(Coupon.objects.filter(template=t).values_list("customer_id", flat=True)) == [
        p.pk for p in people[:2]
    ]
    assert (
        "2 coupons issued, 0 already issued in this batch, 0 skipped."
        in console.get(response["Location"]).content.decode()
    )
    # Replaying the batch issues nothing; too many customers for what is left issues none.
    assert (
        console.post(
            f"/console/marketing/coupons/{t.pk}/issue/", {"customers": ids, "batch_key": "b1"}
        ).status_code
        == 302
    )
    assert Coupon.objects.filter(template=t).count() == 2
    other = customer_login("stranger", m=make_merchant("x"))[0]
    foreign = refused(
        console,
        f"/console/marketing/coupons/{t.pk}/issue/",
        {"customers": [people[2].pk, other.pk]},
        merchant,
        400,
    )
    assert f"Not in this shop: #{other.pk}." in foreign.content.decode()
    refused(console, f"/console/marketing/coupons/{t.pk}/issue/", {"customers": "abc"}, merchant, 400)
    refused(console, f"/console/marketing/coupons/{t.pk}/issue/", {}, merchant, 400)


# ---- promotions -----------------------------------------------------------------------------------------


def _promotion_form(kind: str, sku_id: int, gift_id: int) -> tuple[dict, dict]:
    """(form data, the config it must store) per kind."""
    return {
        "limited_time_discount": (
            {"rate": "8", "per_customer_limit": "2"},
            {"rate_bp": 8000, "per_customer_limit": 2},
        ),
        "member_price": (
            {"tier_rates-tier": ["gold", "silver"], "tier_rates-rate": ["9", "9.5"]},
            {"tier_rate_bp": {"gold": 9000, "silver": 9500}},
        ),
        "nth_item": (
            {"nth": "2", "rate": "5", "per_sku": "on"},
            {"nth": 2, "rate_bp": 5000, "per_sku": True},
        ),
        "buy_n_get_m": ({"buy": "2", "free": "1"}, {"buy": 2, "free": 1}),
        "bundle": (
            {"components-sku": [sku_id, gift_id], "components-units": ["1", "2"], "price": "99"},
            {"components": [{"sku_id": "S", "units": 1}, {"sku_id": "G", "units": 2}], "price": 9900},
        ),
        "tiered": (
            {
                "basis": "amount",
                "tiers-threshold": ["100", "200"],
                "tiers-reduce": ["20", "50"],
                "tiers-rate": ["", ""],
                "tiers-gift": ["", gift_id],
                "tiers-gift_units": ["", "1"],
                "gift_units": "30",
            },
            {
                "basis": "amount",
                "repeat": False,
                "tiers": [
                    {"threshold": 10000, "reduce": 2000},
                    {"threshold": 20000, "reduce": 5000, "gifts": [{"sku_id": "G", "quantity": 1}]},
                ],
            },
        ),
        "add_on": (
            {"basis": "amount", "threshold": "50", "sku": gift_id, "price": "1", "max_quantity": "1"},
            {"basis": "amount", "threshold": 5000, "sku_id": "G", "price": 100, "max_quantity": 1},
        ),
        "free_shipping": ({"basis": "quantity", "threshold": "3"}, {"basis": "quantity", "threshold": 3}),
    }[kind]


def _ids(value, sku_id: int, gift_id: int):
    if isinstance(value, dict):
        return {k: _ids(v, sku_id, gift_id) for k, v in value.items()}
    if isinstance(value, list):
        return [_ids(v, sku_id, gift_id) for v in value]
    return {"S": sku_id, "G": gift_id}.get(value, value) if isinstance(value, str) else value


@pytest.mark.parametrize(
    "kind",
    [
        "limited_time_discount",
        "member_price",
        "nth_item",
        "buy_n_get_m",
        "bundle",
        "tiered",
        "add_on",
        "free_shipping",
    ],
)
def test_a_promotion_of_each_kind_is_created_from_its_config_form(kind, console, owner, make_product):
    sku, gift = make_product("Tea", price=5000).skus.get(), make_product("Cup", price=2000).skus.get()
    make_tiers(owner)
    data, config = _promotion_form(kind, sku.pk, gift.pk)
    base = {"title": f"{kind} 活动", "priority": "100", "ends_at": _local(timedelta(days=3))}

    response = console.post(f"/console/marketing/promotions/new/?kind={kind}", {**base, **data})

    assert response.status_code == 302, response.content[:2000]
    row = Promotion.objects.get()
    assert (row.kind, row.title, row.status) == (kind, f"{kind} 活动", "active")
    assert row.config == _ids(config, sku.pk, gift.pk)
    if kind == "tiered":
        assert list(row.gift_stock.values_list("sku_id", "remaining")) == [(gift.pk, 30)]
    page = console.get(f"/console/marketing/promotions/{row.pk}/").content.decode()
    assert 'data-stat="orders">0<' in page


def test_a_config_the_engine_refuses_changes_nothing(console, make_product, merchant):
    sku = make_product("Tea").skus.get()
    foreign = factories.make_product(make_merchant("x"), "别家的杯", code="X").skus.get()
    base = {"title": "套餐", "priority": "100"}
    url = "/console/marketing/promotions/new/?kind=bundle"

    response = refused(
        console,
        url,
        {**base, "components-sku": [sku.pk], "components-units": ["1"], "price": "10"},
        merchant,
        400,
        "invalid_input",
    )
    assert 'data-field="components"' in response.content.decode()
    other = refused(
        console,
        url,
        {**base, "components-sku": [sku.pk, foreign.pk], "components-units": ["1", "1"], "price": "10"},
        merchant,
        400,
    )
    assert f"Not in this shop: #{foreign.pk}." in other.content.decode()
    refused(
        console,
        "/console/marketing/promotions/new/?kind=tiered",
        {**base, "basis": "amount", "tiers-threshold": ["abc"], "tiers-reduce": ["1"]},
        merchant,
        400,
    )
    refused(console, "/console/marketing/promotions/new/?kind=lottery", base, merchant, 400)


def test_a_promotion_is_edited_paused_and_ended(console, owner, merchant):
    row = svc.create_promotion(
        staff=owner,
        title="满200减30",
        kind="tiered",
        config={"tiers": [{"threshold": 20000, "reduce": 3000}]},
    )
    form = console.get(f"/console/marketing/promotions/{row.pk}/edit/").content.decode()
    assert 'name="tiers-threshold" value="200.00"' in form and 'name="tiers-reduce" value="30.00"' in form

    data = {
        "title": "满200减40",
        "priority": "50",
        "basis": "amount",
        "tiers-threshold": "200",
        "tiers-reduce": "40",
        "repeat": "on",
    }
    assert console.post(f"/console/marketing/promotions/{row.pk}/edit/", data).status_code == 302
    row.refresh_from_db()
    assert (row.title, row.priority, row.config) == (
        "满200减40",
        50,
        {"basis": "amount", "tiers": [{"threshold": 20000, "reduce": 4000}], "repeat": True},
    )
    url = f"/console/marketing/promotions/{row.pk}/status/"
    assert console.post(url, {"status": "paused"}).status_code == 302
    assert console.post(url, {"status": "ended"}).status_code == 302
    row.refresh_from_db()
    assert row.status == "ended"
    refused(console, url, {"status": "active"}, merchant, 400)
    refused(console, f"/console/marketing/promotions/{row.pk}/edit/", data, merchant, 400)


def test_the_pricing_policy_is_saved_and_an_analyst_cannot(console, console_as, merchant):
    data = {
        "floor_min_cost": "110",
        "floor_min_list": "",
        "max_goods_coupons": "2",
        "max_shipping_coupons": "1",
    }

    assert console.post("/console/marketing/pricing-policy/", data).status_code == 302

    policy = PricingPolicy.objects.get()
    assert (policy.floor_min_cost_bp, policy.floor_min_list_bp, policy.max_goods_coupons) == (11000, None, 2)
    analyst, _staff = console_as(Role.ANALYST)
    assert (
        'data-testid="policy-form"' not in analyst.get("/console/marketing/pricing-policy/").content.decode()
    )
    refused(analyst, "/console/marketing/pricing-policy/", {**data, "max_goods_coupons": "5"}, merchant, 403)
    refused(console, "/console/marketing/pricing-policy/", {**data, "max_goods_coupons": "11"}, merchant, 400)


# ---- activities ------------------------------------------------------------------------------------------


def _activity_forms(skus, template_id: int) -> dict[str, dict]:
    window = {"starts_at": _local(timedelta(hours=2)), "ends_at": _local(timedelta(days=2))}
    return {
        "flash_sale": {
            **window,
            "title": "午间秒杀",
            "items-sku": [skus[0].pk],
            "items-price": ["49.9"],
            "items-quota": ["20"],
            "per_customer_limit": "1",
            "publish": "on",
        },
        "group_buy": {
            **window,
            "name": "两人团",
            "skus-sku": [skus[1].pk],
            "skus-group_price": ["80"],
            "skus-leader_price": ["70"],
            "group_size": "2",
            "time_limit_hours": "24",
            "max_per_member": "1",
            "lottery_winners": "0",
        },
        "bargain": {
            **window,
            "name": "砍价",
            "sku": skus[2].pk,
            "floor_price": "10",
            "helpers_needed": "5",
            "hours_to_finish": "24",
            "per_customer_limit": "1",
        },
        "presale": {
            "name": "预售",
            "sku": skus[3].pk,
            "deposit_sku": skus[4].pk,
            "deposit": "10",
            "deduction": "30",
            "deposit_starts_at": _local(timedelta(hours=2)),
            "deposit_ends_at": _local(timedelta(days=1)),
            "balance_starts_at": _local(timedelta(days=1)),
            "balance_ends_at": _local(timedelta(days=2)),
            "ship_date": (timezone.now() + timedelta(days=5)).date().isoformat(),
        },
        "assist": {
            **window,
            "name": "助力",
            "assists_needed": "3",
            "hours": "24",
            "reward_kind": "coupon",
            "reward_value": "20",
            "coupon_template_id": str(template_id),
        },
        "split": {
            **window,
            "name": "瓜分",
            "team_size": "3",
            "reward_kind": "points",
            "pool_amount": "300",
            "min_share": "10",
            "hours": "24",
        },
        "lottery": {
            **window,
            "name": "抽奖",
            "min_order_amount": "50",
            "chance_days": "7",
            "prizes-name": ["100积分", "谢谢参与"],
            "prizes-kind": ["points", "nothing"],
            "prizes-chance": ["50", "50"],
            "prizes-stock": ["", ""],
            "prizes-value": ["100", ""],
            "prizes-template": ["", ""],
            "prizes-sku": ["", ""],
        },
        "blind_box": {
            **window,
            "name": "盲盒",
            "sku": skus[5].pk,
            "box_price": "50",
            "prizes-name": ["杯子"],
            "prizes-kind": ["item"],
            "prizes-chance": ["100"],
            "prizes-stock": ["10"],
            "prizes-value": ["20"],
            "prizes-template": [""],
            "prizes-sku": [skus[0].pk],
        },
    }


MODELS = {
    "flash_sale": FlashSale,
    "group_buy": GroupBuy,
    "bargain": Bargain,
    "presale": Presale,
    "assist": AssistCampaign,
    "split": SplitCampaign,
    "lottery": DrawCampaign,
    "blind_box": DrawCampaign,
}


@pytest.mark.parametrize("key", list(MODELS))
def test_each_playbook_is_created_from_its_form(key, console, owner):
    skus = activity_skus(owner, "c")
    data = _activity_forms(skus, _make_template(owner).pk)[key]

    response = console.post(reverse(f"console:{key}_new"), data)

    assert response.status_code == 302, response.content[:3000]
    row = MODELS[key].objects.get()
    assert response["Location"] == reverse(f"console:{key}", args=[row.pk])
    page = console.get(response["Location"]).content.decode()
    assert 'data-testid="activity-stats"' in page
    if key == "flash_sale":
        item = row.items.get()
        assert (row.title, row.status, item.sku_id, item.price, item.quota) == (
            "午间秒杀",
            "scheduled",
            skus[0].pk,
            4990,
            20,
        )
    if key == "group_buy":
        gb_sku = row.skus.get()
        assert (gb_sku.sku_id, gb_sku.group_price, gb_sku.leader_price, row.group_size) == (
            skus[1].pk,
            8000,
            7000,
            2,
        )
    if key == "bargain":
        assert (row.sku_id, row.floor_price, row.helpers_needed, row.start_price) == (
            skus[2].pk,
            1000,
            5,
            10000,
        )
    if key == "presale":
        assert (row.sku_id, row.deposit_sku_id, row.deposit, row.deduction) == (
            skus[3].pk,
            skus[4].pk,
            1000,
            3000,
        )
    if key == "assist":
        assert (row.reward_kind, row.reward_value, row.assists_needed) == ("coupon", 2000, 3)
    if key == "split":
        assert (row.reward_kind, row.pool_amount, row.min_share, row.team_size) == ("points", 300, 10, 3)
    if key == "lottery":
        assert list(row.prizes.order_by("position").values_list("kind", "weight_bp", "value")) == [
            ("points", 5000, 100),
            ("nothing", 5000, 0),
        ]
    if key == "blind_box":
        assert (row.kind, row.sku_id, row.box_price, row.box_quota) == ("blind_box", skus[5].pk, 5000, 10)


def test_a_refused_activity_changes_nothing_and_names_the_problem(console, owner, merchant):
    skus = activity_skus(owner, "r")
    forms = _activity_forms(skus, _make_template(owner).pk)
    url = reverse("console:flash_sale_new")
    foreign = factories.make_product(make_merchant("x"), "别家的茶", code="X").skus.get()

    dear = refused(console, url, {**forms["flash_sale"], "items-price": ["200"]}, merchant, 400)
    other = refused(console, url, {**forms["flash_sale"], "items-sku": [foreign.pk]}, merchant, 400)
    none = refused(
        console,
        url,
        {**forms["flash_sale"], "items-sku": [], "items-price": [], "items-quota": []},
        merchant,
        400,
    )
    refused(
        console, reverse("console:bargain_new"), {**forms["bargain"], "floor_price": "100"}, merchant, 400
    )
    refused(console, reverse("console:bargain_new"), {**forms["bargain"], "sku": foreign.pk}, merchant, 400)
    refused(
        console,
        reverse("console:blind_box_new"),
        {**forms["blind_box"], "prizes-chance": ["50"]},
        merchant,
        400,
    )

    assert 'data-testid="error"' in dear.content.decode()
    assert f"Not in this shop: #{foreign.pk}." in other.content.decode()
    assert "Choose at least one SKU." in none.content.decode()


def test_activity_actions_follow_each_playbooks_status_machine(console, console_as, owner, merchant):
    rows = add_activities(owner, "s").rows
    sale = rows["flash_sale"]

    assert console.post(reverse("console:flash_sale_action", args=[sale.pk, "pause"])).status_code == 302
    sale.refresh_from_db()
    assert sale.status == "paused"
    page = console.get(reverse("console:flash_sale", args=[sale.pk])).content.decode()
    assert 'data-action="resume"' in page and 'data-action="pause"' not in page
    assert console.post(reverse("console:flash_sale_action", args=[sale.pk, "end"])).status_code == 302
    refused(console, reverse("console:flash_sale_action", args=[sale.pk, "resume"]), {}, merchant, 409)
    refused(console, reverse("console:flash_sale_action", args=[sale.pk, "explode"]), {}, merchant, 404)
    for key in ("group_buy", "bargain", "assist", "split", "lottery", "blind_box"):
        assert (
            console.post(reverse(f"console:{key}_action", args=[rows[key].pk, "end"])).status_code == 302
        ), key
        rows[key].refresh_from_db()
        assert rows[key].status == "ended", key
    assert (
        console.post(reverse("console:presale_action", args=[rows["presale"].pk, "cancel"])).status_code
        == 302
    )
    rows["presale"].refresh_from_db()
    assert rows["presale"].status == "cancelled"
    analyst, _staff = console_as(Role.ANALYST)
    refused(analyst, reverse("console:flash_sale_action", args=[sale.pk, "resume"]), {}, merchant, 403)
