"""Coupons: usable or not and why, the best set for the customer, by-hand choice, limits, groups."""

from __future__ import annotations

from datetime import timedelta

from siyu.promotions.engine import (
    ActivityKind,
    ActivityPrice,
    Audience,
    Coupon,
    CouponKind,
    CouponLimits,
    CustomerContext,
    FloorPolicy,
    Scope,
    ShippingPolicy,
    Stage,
    Tier,
    TieredPromotion,
)
from siyu.testing.pricing import NOW, applied, item, run, verdict


def amount(cid: str, off: int, threshold: int = 0, **kw: object) -> Coupon:
    return Coupon(id=cid, kind=CouponKind.AMOUNT, amount=off, threshold=threshold, **kw)  # type: ignore[arg-type]


def percent(cid: str, rate_bp: int, cap: int | None = None, **kw: object) -> Coupon:
    return Coupon(id=cid, kind=CouponKind.PERCENT, rate_bp=rate_bp, max_discount=cap, **kw)  # type: ignore[arg-type]


def test_best_single_goods_coupon_is_chosen() -> None:
    coupons = (amount("c20", 2000, threshold=20000), percent("p85", 8500, cap=5000), amount("c10", 1000))
    result = run([item(1, 25000)], coupons=coupons)
    assert result.chosen_coupon_ids == ("p85",)  # 15% of 250 = 37.5 beats 20
    assert applied(result, "p85").amount == 3750
    assert verdict(result, "c20") == (True, False, "conflict")  # two goods coupons never combine by default
    assert result.coupons[0].value == 2000
    assert result.payable_amount == 21250


def test_unusable_coupons_say_why() -> None:
    coupons = (
        amount("far", 5000, threshold=50000),
        amount("old", 500, valid_until=NOW - timedelta(seconds=1)),
        amount("soon", 500, valid_from=NOW + timedelta(days=1)),
        amount("newbie", 500, audience=Audience(new_customers_only=True)),
        amount("other", 500, scope=Scope(sku_ids=frozenset({99}))),
        Coupon(id="ship", kind=CouponKind.SHIPPING),
    )
    result = run([item(1, 30000)], coupons=coupons, customer=CustomerContext(orders_so_far=3))
    reasons = {v.coupon_id: v.reason for v in result.coupons}
    assert reasons == {
        "far": "below_threshold",
        "old": "expired",
        "soon": "not_started",
        "newbie": "new_customers_only",
        "other": "out_of_scope",
        "ship": "no_shipping_fee",
    }
    far = next(v for v in result.coupons if v.coupon_id == "far")
    assert far.reason_zh == "还差¥200.00达到门槛"
    assert far.label_zh == "满500减50券"
    assert any(h.text_zh == "再买¥200.00可用满500减50券" for h in result.hints)


def test_new_customer_coupon_for_a_new_customer() -> None:
    result = run(
        [item(1, 3000)], coupons=(amount("newbie", 1000, audience=Audience(new_customers_only=True)),)
    )
    assert result.payable_amount == 2000


def test_goods_and_shipping_coupon_together() -> None:
    coupons = (amount("c", 1000), Coupon(id="s", kind=CouponKind.SHIPPING, amount=600))
    result = run([item(1, 5000)], coupons=coupons, shipping=ShippingPolicy(fee=800))
    assert set(result.chosen_coupon_ids) == {"c", "s"}
    assert result.shipping_fee == 200
    assert result.payable_amount == 4000 + 200


def test_groups_that_allow_each_other_combine_within_limits() -> None:
    shop = amount("shop", 1000, stack_group="shop", stacks_with_groups=frozenset({"platform", "shipping"}))
    platform = amount(
        "platform", 800, stack_group="platform", stacks_with_groups=frozenset({"shop", "shipping"})
    )
    loner = amount("loner", 1500, stack_group="loner", stacks_with_groups=frozenset())
    limits = CouponLimits(max_goods=2, max_shipping=1)
    result = run([item(1, 10000)], coupons=(shop, platform, loner), coupon_limits=limits)
    assert set(result.chosen_coupon_ids) == {"shop", "platform"}  # 18 beats the loner's 15
    assert verdict(result, "loner") == (True, False, "conflict")
    one = run([item(1, 10000)], coupons=(shop, platform, loner))
    assert one.chosen_coupon_ids == ("loner",)


def test_coupon_percent_applies_to_the_amount_after_order_rules() -> None:
    rule = TieredPromotion(id="mj", tiers=(Tier(threshold=10000, reduce=2000),))
    result = run([item(1, 12000)], rule, coupons=(percent("p9", 9000),))
    assert applied(result, "p9").amount == 1000  # 10% of 100
    assert result.payable_amount == 9000


def test_activity_lines_take_no_coupon_by_default() -> None:
    flash = ActivityPrice(id="flash", kind=ActivityKind.FLASH_SALE, sku_id=1, price=1000, quantity=1)
    result = run([item(1, 5000), item(2, 5000)], flash, coupons=(percent("p", 5000),))
    assert applied(result, "p").allocations == (("L1", 2500),)
    only_flash = run([item(1, 5000)], flash, coupons=(percent("p", 5000),))
    assert verdict(only_flash, "p") == (False, False, "not_stackable")
    allowed = ActivityPrice(
        id="flash",
        kind=ActivityKind.FLASH_SALE,
        sku_id=1,
        price=1000,
        quantity=1,
        stacks_with=frozenset({Stage.COUPON}),
    )
    stacked = run([item(1, 5000)], allowed, coupons=(percent("p", 5000),))
    assert stacked.payable_amount == 500


def test_coupon_threshold_counts_only_eligible_lines() -> None:
    coupon = amount("c", 1000, threshold=10000, scope=Scope(category_ids=frozenset({3})))
    result = run([item(1, 9000, category_id=3), item(2, 9000, category_id=4)], coupons=(coupon,))
    assert verdict(result, "c") == (False, False, "below_threshold")


def test_coupon_capped_at_the_floor_is_reported() -> None:
    floor = FloorPolicy(min_cost_bp=10_000)
    result = run([item(1, 10000, cost=9500)], coupons=(amount("c", 1000),), floor=floor)
    entry = applied(result, "c")
    assert (entry.amount, entry.capped_by_floor) == (500, 500)
    at_floor = run([item(1, 10000, cost=10000)], coupons=(amount("c", 1000),), floor=floor)
    assert verdict(at_floor, "c") == (False, False, "at_floor")


def test_floor_room_decides_the_best_set() -> None:
    # Room is 30 on line 1 and 100 on line 2: the 50-off coupon for line 1 only saves 30.
    floor = FloorPolicy(min_cost_bp=10_000)
    lines = [item(1, 10000, cost=7000), item(2, 10000)]
    coupons = (
        amount("line1", 5000, scope=Scope(sku_ids=frozenset({1}))),
        amount("any", 4000),
    )
    result = run(lines, coupons=coupons, floor=floor)
    assert result.chosen_coupon_ids == ("any",)
    assert result.discount_amount == 4000


def test_choice_by_hand_skips_what_cannot_join() -> None:
    coupons = (amount("a", 1000), amount("b", 3000), Coupon(id="s", kind=CouponKind.SHIPPING))
    result = run(
        [item(1, 10000)],
        coupons=coupons,
        coupon_ids=("a", "b", "nope", "s"),
        shipping=ShippingPolicy(fee=500),
    )
    assert set(result.chosen_coupon_ids) == {"a", "s"}
    assert verdict(result, "b") == (True, False, "conflict")
    assert verdict(result, "nope") == (False, False, "unknown")
    none = run([item(1, 10000)], coupons=coupons, coupon_ids=())
    assert none.chosen_coupon_ids == ()
    assert verdict(none, "b") == (True, False, "not_selected")


def test_no_coupon_when_none_saves_anything() -> None:
    result = run([item(1, 0)], coupons=(amount("a", 1000),))
    assert result.chosen_coupon_ids == ()
    assert verdict(result, "a") == (False, False, "no_saving")


def test_ties_go_to_fewer_coupons() -> None:
    both = frozenset({"x", "y", "z"})
    coupons = (
        amount("x", 1000, stack_group="x", stacks_with_groups=both),
        amount("y", 500, stack_group="y", stacks_with_groups=both),
        amount("z", 500, stack_group="z", stacks_with_groups=both),
    )
    limits = CouponLimits(max_goods=3)
    # Only 10 of room above the floor: one coupon already takes it all.
    result = run([item(1, 2000)], coupons=coupons, coupon_limits=limits, floor=FloorPolicy(min_list_bp=5000))
    assert result.chosen_coupon_ids == ("x",)
    assert result.discount_amount == 1000
    assert verdict(result, "y") == (True, False, "worse")  # it would fit, but adds nothing


def test_many_coupons_are_searched_exactly() -> None:
    groups = [f"g{i}" for i in range(20)]
    coupons = tuple(
        amount(
            f"c{i}", 100 * (i + 1), stack_group=groups[i], stacks_with_groups=frozenset(groups) - {groups[i]}
        )
        for i in range(20)
    )
    result = run([item(1, 100000)], coupons=coupons, coupon_limits=CouponLimits(max_goods=3))
    assert set(result.chosen_coupon_ids) == {"c19", "c18", "c17"}
    assert result.discount_amount == 2000 + 1900 + 1800


def test_coupon_labels() -> None:
    from siyu.promotions.engine.explain import coupon_label

    assert coupon_label(amount("a", 1500)) == ("无门槛减15券", "¥15.00 off coupon")
    assert coupon_label(percent("p", 8800, cap=5000, threshold=10000)) == (
        "满100打8.8折券(最高减¥50.00)",
        "12% off over ¥100.00 coupon (up to ¥50.00)",
    )
    assert coupon_label(Coupon(id="s", kind=CouponKind.SHIPPING, amount=500, title="包邮日")) == (
        "包邮日: 运费减5券",
        "包邮日: ¥5.00 off shipping",
    )


def test_returning_only_and_tag_audiences() -> None:
    back = amount("back", 500, audience=Audience(returning_only=True))
    tagged = amount("tagged", 700, audience=Audience(tags=frozenset({"vip"})))
    fresh = run([item(1, 3000)], coupons=(back, tagged))
    assert {v.coupon_id: v.reason for v in fresh.coupons} == {"back": "returning_only", "tagged": "tag"}
    regular = run(
        [item(1, 3000)],
        coupons=(back, tagged),
        customer=CustomerContext(orders_so_far=1, tags=frozenset({"vip"})),
    )
    assert regular.chosen_coupon_ids == ("tagged",)
