"""The floor, points, shipping, labels and input checks."""

from __future__ import annotations

import pytest

from siyu.promotions.engine import (
    ActivityKind,
    ActivityPrice,
    Basis,
    BuyNGetM,
    Coupon,
    CouponKind,
    CouponLimits,
    CustomerContext,
    FloorPolicy,
    FreeShipping,
    LimitedTimeDiscount,
    PointsPolicy,
    PricingInputError,
    Scope,
    ShippingPolicy,
    Stage,
    Tier,
    TieredPromotion,
)
from siyu.promotions.engine.explain import percent_off, yuan, zhe
from siyu.promotions.engine.floor import spread_within_rooms
from siyu.testing.pricing import applied, item, line, run, verdict

NEVER_BELOW_COST = FloorPolicy(min_cost_bp=10_000)


# ---- floor ---------------------------------------------------------------------------------


def test_item_discount_capped_at_cost_is_reported() -> None:
    result = run(
        [item(1, 10000, 2, cost=7000)], LimitedTimeDiscount(id="ltd", rate_bp=5000), floor=NEVER_BELOW_COST
    )
    entry = applied(result, "ltd")
    assert (entry.amount, entry.capped_by_floor) == (6000, 4000)
    assert line(result, "L0").payable_amount == 14000 == line(result, "L0").floor_amount


def test_floor_as_a_share_of_list_price_rounds_up() -> None:
    result = run(
        [item(1, 999)], LimitedTimeDiscount(id="ltd", rate_bp=0), floor=FloorPolicy(min_list_bp=3333)
    )
    assert line(result, "L0").floor_amount == 333  # 332.97 rounded up
    assert result.payable_amount == 333


def test_sku_floor_replaces_the_merchant_rule() -> None:
    ltd = LimitedTimeDiscount(id="ltd", rate_bp=0)
    free_to_go = run([item(1, 5000, cost=3000, floor_unit_price=0)], ltd, floor=NEVER_BELOW_COST)
    assert free_to_go.payable_amount == 0
    capped = run([item(1, 5000, cost=3000)], ltd, floor=NEVER_BELOW_COST)
    assert capped.payable_amount == 3000
    assert applied(capped, "ltd").capped_by_floor == 3000


def test_an_activity_price_is_not_raised_by_the_floor_but_bounds_what_stacks_on_it() -> None:
    bargain = ActivityPrice(id="zero", kind=ActivityKind.BARGAIN, sku_id=1, price=0, quantity=1)
    result = run([item(1, 5000, cost=3000, quantity=2)], bargain, floor=NEVER_BELOW_COST)
    assert [(p.kind, p.payable_amount, p.floor_amount) for p in result.lines] == [
        ("regular", 5000, 3000),
        ("activity", 0, 0),
    ]
    same_price = ActivityPrice(id="same", kind=ActivityKind.FLASH_SALE, sku_id=1, price=5000, quantity=1)
    kept = run([item(1, 5000)], same_price)
    assert [(p.kind, p.payable_amount) for p in kept.lines] == [("activity", 5000)]


def test_order_discount_flows_to_lines_with_room() -> None:
    rule = TieredPromotion(id="mj", tiers=(Tier(threshold=0, reduce=6000),))
    result = run([item(1, 10000, cost=9000), item(2, 10000, cost=0)], rule, floor=NEVER_BELOW_COST)
    # Proportional shares would be 30/30, but line 1 has only 10 of room: line 2 takes the rest.
    assert dict(applied(result, "mj").allocations) == {"L0": 1000, "L1": 5000}
    assert applied(result, "mj").capped_by_floor == 0


def test_free_units_capped_by_the_floor() -> None:
    result = run([item(1, 3000, 3, cost=1500)], BuyNGetM(id="b2g1", buy=2, free=1), floor=NEVER_BELOW_COST)
    assert applied(result, "b2g1").amount == 3000  # 90 - 45 of cost = 45 of room; one free unit is 30
    capped = run([item(1, 3000, 3, cost=2500)], BuyNGetM(id="b2g1", buy=2, free=1), floor=NEVER_BELOW_COST)
    assert (applied(capped, "b2g1").amount, applied(capped, "b2g1").capped_by_floor) == (1500, 1500)


def test_spread_within_rooms_is_exact() -> None:
    assert spread_within_rooms(100, [1, 1, 1], [100, 100, 100]) == [34, 33, 33]
    assert spread_within_rooms(100, [1, 1, 1], [10, 100, 100]) == [10, 45, 45]
    assert spread_within_rooms(100, [5, 0], [20, 20]) == [20, 20]
    assert spread_within_rooms(0, [1], [5]) == [0]


# ---- points --------------------------------------------------------------------------------


def test_points_after_coupons_within_the_max_share() -> None:
    customer = CustomerContext(points_balance=100_000)
    coupon = Coupon(id="c", kind=CouponKind.AMOUNT, amount=2000)
    result = run([item(1, 6000), item(2, 4000)], coupons=(coupon,), customer=customer, use_points=True)
    # Goods payable 80 after the coupon: at most 50% = 40 in points (4000 points at 100 = ¥1).
    assert (result.points_amount, result.points_used) == (4000, 4000)
    assert applied(result, "points").label_zh == "4000积分抵¥40.00"
    assert result.payable_amount == 4000
    assert sum(p.points_amount for p in result.lines) == 4000


def test_points_limited_by_balance_step_and_opt_in() -> None:
    policy = PointsPolicy(points_per_yuan=30, max_share_bp=10_000, step_fen=100)
    customer = CustomerContext(points_balance=100)  # worth 333 fen -> 300 in whole yuan
    result = run([item(1, 10000)], customer=customer, points=policy, use_points=True)
    assert (result.points_amount, result.points_used) == (300, 90)
    assert run([item(1, 10000)], customer=customer, points=policy).points_amount == 0


# ---- shipping ------------------------------------------------------------------------------


def test_merchant_free_shipping_threshold_and_hint() -> None:
    policy = ShippingPolicy(fee=800, free_threshold=9900)
    paid = run([item(1, 9000)], shipping=policy)
    assert (paid.shipping_base_fee, paid.shipping_fee, paid.payable_amount) == (800, 800, 9800)
    assert paid.hints[0].text_zh == "再买¥9.00可包邮"
    free = run([item(1, 9900)], shipping=policy)
    assert (free.shipping_fee, free.shipping_discount) == (0, 800)
    assert applied(free, "shipping:merchant").label_zh == "满99包邮"


def test_free_shipping_threshold_is_met_before_coupons() -> None:
    policy = ShippingPolicy(fee=800, free_threshold=9900)
    coupon = Coupon(id="c", kind=CouponKind.AMOUNT, amount=2000)
    result = run([item(1, 10000)], coupons=(coupon,), shipping=policy)
    assert result.shipping_fee == 0
    assert result.payable_amount == 8000


def test_free_shipping_rule_by_quantity_in_scope() -> None:
    rule = FreeShipping(id="fs", threshold=2, basis=Basis.QUANTITY, scope=Scope(sku_ids=frozenset({1})))
    result = run([item(1, 1000, 2)], rule, shipping=ShippingPolicy(fee=500))
    assert result.shipping_fee == 0
    assert applied(result, "fs").label_zh == "满2件包邮"


def test_pickup_has_no_fee() -> None:
    result = run(
        [item(1, 1000)],
        shipping=ShippingPolicy(fee=800, pickup=True),
        coupons=(Coupon(id="s", kind=CouponKind.SHIPPING),),
    )
    assert result.shipping_base_fee == 0
    assert verdict(result, "s") == (False, False, "no_shipping_fee")


def test_shipping_coupon_limit() -> None:
    ship_a = Coupon(id="sa", kind=CouponKind.SHIPPING, amount=300, stack_group="sa", stacks_with_groups=None)
    ship_b = Coupon(id="sb", kind=CouponKind.SHIPPING, amount=200, stack_group="sb", stacks_with_groups=None)
    result = run([item(1, 1000)], coupons=(ship_a, ship_b), shipping=ShippingPolicy(fee=800))
    assert result.chosen_coupon_ids == ("sa",)
    assert verdict(result, "sb") == (True, False, "limit")
    two = run(
        [item(1, 1000)],
        coupons=(ship_a, ship_b),
        shipping=ShippingPolicy(fee=800),
        coupon_limits=CouponLimits(max_shipping=2),
    )
    assert two.shipping_fee == 300


# ---- labels and input ----------------------------------------------------------------------


def test_money_and_rate_formats() -> None:
    assert [yuan(30000), yuan(990), yuan(5), yuan(12345)] == ["300", "9.90", "0.05", "123.45"]
    assert [zhe(8500), zhe(5000), zhe(8750)] == ["8.5折", "5折", "8.75折"]
    assert [percent_off(8500), percent_off(8750)] == ["15% off", "12.5% off"]


def test_stage_breakdown() -> None:
    sale = LimitedTimeDiscount(id="ltd", rate_bp=9000)
    rule = TieredPromotion(id="mj", tiers=(Tier(threshold=0, reduce=1000),))
    result = run([item(1, 10000)], sale, rule)
    assert result.discount_by_stage() == {Stage.ITEM: 1000, Stage.ORDER: 1000}


@pytest.mark.parametrize(
    "bad",
    [
        {"lines": [item(1, 100, 0)]},
        {"lines": [item(1, -1)]},
        {"promotions": (LimitedTimeDiscount(id="x"),)},
        {"promotions": (LimitedTimeDiscount(id="x", rate_bp=12000),)},
        {"promotions": (TieredPromotion(id="x", tiers=()),)},
        {"promotions": (BuyNGetM(id="x", buy=0),)},
        {"promotions": (LimitedTimeDiscount(id="x", rate_bp=1), LimitedTimeDiscount(id="x", rate_bp=1))},
        {"coupons": (Coupon(id="c", kind=CouponKind.PERCENT, rate_bp=-1),)},
    ],
)
def test_malformed_requests_are_refused(bad: dict) -> None:
    lines = bad.pop("lines", [item(1, 100)])
    with pytest.raises(PricingInputError):
        run(lines, *bad.pop("promotions", ()), **bad)
