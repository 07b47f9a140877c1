"""Activity prices and item-level promotions, with exact amounts."""

from __future__ import annotations

from siyu.promotions.engine import (
    ActivityKind,
    ActivityPrice,
    Bundle,
    BuyNGetM,
    CustomerContext,
    LimitedTimeDiscount,
    LineKind,
    MemberPrice,
    NthItemDiscount,
    Scope,
    Stage,
    Tier,
    TieredPromotion,
)
from siyu.testing.pricing import applied, item, line, refusal, run

ONLY_1 = Scope(sku_ids=frozenset({1}))


def test_no_rules_prices_at_list() -> None:
    result = run([item(1, 1999, 3), item(2, 500)])
    assert result.goods_amount == 6497
    assert result.discount_amount == 0
    assert result.payable_amount == 6497
    assert [p.key for p in result.lines] == ["L0", "L1"]


def test_flash_sale_splits_the_line_for_the_allowed_units() -> None:
    flash = ActivityPrice(id="flash", kind=ActivityKind.FLASH_SALE, sku_id=1, price=990, quantity=2)
    result = run([item(1, 5900, 3)], flash)
    regular, sale = line(result, "L0"), line(result, "L0A")
    assert (regular.quantity, regular.discount_amount) == (1, 0)
    assert (sale.kind, sale.quantity, sale.discount_amount, sale.payable_amount) == (
        LineKind.ACTIVITY,
        2,
        9820,
        1980,
    )
    assert sale.source_index == regular.source_index == 0
    assert applied(result, "flash").label_zh == "秒杀价¥9.90"
    assert result.payable_amount == 5900 + 1980


def test_activity_units_take_no_item_discount_unless_declared() -> None:
    group = ActivityPrice(id="group", kind=ActivityKind.GROUP_BUY, sku_id=1, price=8000, quantity=1)
    sale = LimitedTimeDiscount(id="ltd", rate_bp=9000)
    result = run([item(1, 10000)], group, sale)
    assert result.payable_amount == 8000
    assert refusal(result, "ltd") == "not_stackable"

    stacking = ActivityPrice(
        id="group",
        kind=ActivityKind.GROUP_BUY,
        sku_id=1,
        price=8000,
        quantity=1,
        stacks_with=frozenset({Stage.ITEM}),
    )
    result = run([item(1, 10000)], stacking, sale)
    assert result.payable_amount == 7200  # 9折 on the group price, rounded in fen
    assert applied(result, "ltd").amount == 800


def test_cheapest_activity_wins_and_bargain_can_reach_zero() -> None:
    bargain = ActivityPrice(id="bargain", kind=ActivityKind.BARGAIN, sku_id=1, price=0, quantity=1)
    flash = ActivityPrice(id="flash", kind=ActivityKind.FLASH_SALE, sku_id=1, price=500, quantity=1)
    result = run([item(1, 3000)], flash, bargain)
    assert result.payable_amount == 0
    assert refusal(result, "flash") == "exclusive"


def test_limited_time_rate_rounds_the_discount_down_per_unit() -> None:
    result = run([item(1, 999, 3)], LimitedTimeDiscount(id="ltd", rate_bp=8500))
    # 15% of 999 = 149.85 -> 149 fen off each unit: 850 per unit.
    assert applied(result, "ltd").amount == 149 * 3
    assert result.payable_amount == 850 * 3
    assert applied(result, "ltd").label_zh == "限时8.5折"
    assert applied(result, "ltd").label_en == "Limited-time 15% off"


def test_limited_time_fixed_price_with_per_customer_limit() -> None:
    sale = LimitedTimeDiscount(id="ltd", fixed_price=5900, per_customer_limit=3)
    customer = CustomerContext(units_bought={("ltd", 1): 1})
    result = run([item(1, 9900, 4)], sale, customer=customer)
    # 3 per customer, 1 already bought: 2 units at 59, 2 at the list price 99.
    assert result.payable_amount == 2 * 5900 + 2 * 9900
    assert applied(result, "ltd").label_zh == "限时价¥59.00"


def test_limit_already_used_up_gives_list_price() -> None:
    sale = LimitedTimeDiscount(id="ltd", fixed_price=5900, per_customer_limit=2)
    result = run([item(1, 9900, 2)], sale, customer=CustomerContext(units_bought={("ltd", 1): 2}))
    assert result.payable_amount == 19800
    assert refusal(result, "ltd") == "no_saving"


def test_member_price_by_tier_and_fixed_sku_price() -> None:
    member = MemberPrice(
        id="vip",
        tier_rate_bp={"gold": 9000, "silver": 9500},
        sku_tier_price={2: {"gold": 4000}},
    )
    gold = CustomerContext(tier="gold")
    result = run([item(1, 10000), item(2, 5000)], member, customer=gold)
    assert result.payable_amount == 9000 + 4000
    silver = run([item(1, 10000), item(2, 5000)], member, customer=CustomerContext(tier="silver"))
    assert silver.payable_amount == 9500 + 4750
    nobody = run([item(1, 10000)], member)
    assert refusal(nobody, "vip") == "tier"


def test_member_price_vs_limited_time_the_better_one_per_line() -> None:
    member = MemberPrice(id="vip", tier_rate_bp={"gold": 8000})
    sale = LimitedTimeDiscount(id="ltd", rate_bp=9000, scope=ONLY_1)
    result = run([item(1, 10000), item(2, 10000)], member, sale, customer=CustomerContext(tier="gold"))
    assert applied(result, "vip").amount == 4000  # 8折 beats 9折 on both lines
    assert refusal(result, "ltd") == "exclusive"
    better_sale = LimitedTimeDiscount(id="ltd", fixed_price=7000, scope=ONLY_1)
    result = run([item(1, 10000), item(2, 10000)], member, better_sale, customer=CustomerContext(tier="gold"))
    assert applied(result, "ltd").allocations == (("L0", 3000),)
    assert applied(result, "vip").allocations == (("L1", 2000),)


def test_second_item_half_price_per_sku() -> None:
    nth = NthItemDiscount(id="nth")
    result = run([item(1, 8000, 3), item(2, 6000, 1)], nth)
    assert applied(result, "nth").amount == 4000  # one pair of sku 1; sku 2 alone gets nothing
    assert applied(result, "nth").label_zh == "第二件半价"
    hints = {h.text_zh for h in result.hints}
    assert "还差1件享第二件半价" in hints


def test_nth_pooled_discounts_the_cheaper_unit_of_each_run() -> None:
    nth = NthItemDiscount(id="nth", nth=3, rate_bp=0, per_sku=False)
    result = run([item(1, 3000, 2), item(2, 1000, 2), item(3, 2000, 2)], nth)
    # Dearest first: 30 30 20 | 20 10 10 -> the 3rd and 6th units (20 and 10) are free.
    assert applied(result, "nth").amount == 2000 + 1000
    assert dict(applied(result, "nth").allocations) == {"L1": 1000, "L2": 2000}
    assert applied(result, "nth").label_en == "3rd item free"


def test_buy_two_get_one_frees_the_cheapest_units() -> None:
    b2g1 = BuyNGetM(id="b2g1", buy=2, free=1)
    result = run([item(1, 5000, 2), item(2, 3000, 2), item(3, 4000, 2)], b2g1)
    # 6 units -> 2 free: the two cheapest (30 each).
    assert applied(result, "b2g1").amount == 6000
    assert applied(result, "b2g1").allocations == (("L1", 6000),)
    assert applied(result, "b2g1").label_zh == "买2送1"


def test_buy_two_get_one_hint() -> None:
    result = run([item(1, 5000, 2)], BuyNGetM(id="b2g1", buy=2, free=1))
    assert result.discount_amount == 0
    assert [(h.rule_id, h.gap_quantity) for h in result.hints] == [("b2g1", 1)]
    assert result.hints[0].text_zh == "还差1件享买2送1"


def test_bundle_price_split_by_component_amounts() -> None:
    combo = Bundle(id="combo", components=((1, 1), (2, 2)), price=10000)
    result = run([item(1, 8000, 1), item(2, 3000, 5)], combo)
    # One set: 80 + 2 x 30 = 140 -> 100, saving 40 split 80:60.
    entry = applied(result, "combo")
    assert entry.amount == 4000
    assert dict(entry.allocations) == {"L0": 2286, "L1": 1714}
    assert result.payable_amount == 8000 + 15000 - 4000
    assert entry.label_zh == "套餐价¥100.00"


def test_bundle_missing_component_hint() -> None:
    combo = Bundle(id="combo", components=((1, 1), (2, 2)), price=10000)
    result = run([item(1, 8000), item(2, 3000)], combo)
    assert refusal(result, "combo") == "below_quantity"
    assert [(h.rule_id, h.gap_quantity) for h in result.hints] == [("combo", 1)]


def test_quantity_rule_replaces_a_weaker_unit_price_in_its_group() -> None:
    sale = LimitedTimeDiscount(id="ltd", rate_bp=9000)
    nth = NthItemDiscount(id="nth")
    result = run([item(1, 10000, 2)], sale, nth)
    assert applied(result, "nth").amount == 5000  # beats 9折 on two units (2000)
    assert refusal(result, "ltd") == "exclusive"
    strong_sale = LimitedTimeDiscount(id="ltd", rate_bp=6000)
    result = run([item(1, 10000, 2)], strong_sale, nth)
    assert applied(result, "ltd").amount == 8000
    assert refusal(result, "nth") == "no_saving"


def test_quantity_rule_in_another_group_stacks_on_the_unit_price() -> None:
    sale = LimitedTimeDiscount(id="ltd", rate_bp=9000)
    nth = NthItemDiscount(id="nth", exclusive_group="nth")
    result = run([item(1, 10000, 2)], sale, nth)
    assert applied(result, "ltd").amount == 2000
    assert applied(result, "nth").amount == 4500  # half of the 90 unit price
    assert result.payable_amount == 13500


def test_a_line_takes_one_quantity_rule_the_best_first() -> None:
    b2g1 = BuyNGetM(id="b2g1", buy=2, free=1)
    nth = NthItemDiscount(id="nth", exclusive_group="other")
    result = run([item(1, 6000, 3)], nth, b2g1)
    assert applied(result, "b2g1").amount == 6000  # beats one half-price unit (3000)
    assert refusal(result, "nth") == "exclusive"


def test_item_rule_scoped_by_category_path_and_role() -> None:
    by_parent = LimitedTimeDiscount(id="cat", rate_bp=5000, scope=Scope(category_ids=frozenset({100})))
    result = run(
        [item(1, 1000, category_id=101, category_path=(100,)), item(2, 1000, category_id=200)], by_parent
    )
    assert applied(result, "cat").allocations == (("L0", 500),)
    clearance = LimitedTimeDiscount(
        id="role", rate_bp=5000, scope=Scope(roles=frozenset({"clearance"}), exclude_sku_ids=frozenset({3}))
    )
    result = run(
        [item(1, 1000, roles=("clearance",)), item(2, 1000), item(3, 1000, roles=("clearance",))], clearance
    )
    assert applied(result, "role").allocations == (("L0", 500),)


def test_item_discount_excluded_from_order_rule_that_does_not_stack() -> None:
    sale = LimitedTimeDiscount(id="ltd", rate_bp=8000, scope=ONLY_1)
    full = TieredPromotion(
        id="mj",
        tiers=(Tier(threshold=10000, reduce=1000),),
        stacks_with=frozenset({Stage.ORDER, Stage.COUPON}),
    )
    result = run([item(1, 10000), item(2, 10000)], sale, full)
    assert applied(result, "mj").allocations == (("L1", 1000),)
