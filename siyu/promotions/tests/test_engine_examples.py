"""The worked examples of docs/pricing.md, so the page cannot drift from the engine."""

from __future__ import annotations

from siyu.promotions.engine import (
    ActivityKind,
    ActivityPrice,
    Audience,
    BuyNGetM,
    Coupon,
    CouponKind,
    CustomerContext,
    FloorPolicy,
    LimitedTimeDiscount,
    NthItemDiscount,
    Scope,
    ShippingPolicy,
    Tier,
    TieredPromotion,
)
from siyu.testing.pricing import applied, item, line, refusal, run, verdict

NEVER_BELOW_COST = FloorPolicy(min_cost_bp=10_000)


def test_a_cart_through_every_stage() -> None:
    result = run(
        [item(1, 10000, 2, cost=4000), item(2, 5000, 3, cost=2000)],
        ActivityPrice(id="flash", kind=ActivityKind.FLASH_SALE, sku_id=2, price=2990, quantity=1),
        LimitedTimeDiscount(id="ltd", rate_bp=8000),
        NthItemDiscount(id="half", scope=Scope(sku_ids=frozenset({1}))),
        TieredPromotion(
            id="mj", tiers=(Tier(threshold=20000, reduce=2000), Tier(threshold=30000, reduce=5000))
        ),
        coupons=(
            Coupon(id="c20", kind=CouponKind.AMOUNT, amount=2000, threshold=20000),
            Coupon(id="p9", kind=CouponKind.PERCENT, rate_bp=9000, max_discount=3000),
            Coupon(id="ship", kind=CouponKind.SHIPPING),
            Coupon(id="new", kind=CouponKind.AMOUNT, amount=1500, audience=Audience(new_customers_only=True)),
        ),
        shipping=ShippingPolicy(fee=1000, free_threshold=29900),
        customer=CustomerContext(orders_so_far=2, points_balance=3000),
        use_points=True,
    )
    assert [(p.key, p.quantity) for p in result.lines] == [("L0", 2), ("L1", 2), ("L1A", 1)]
    assert applied(result, "flash").allocations == (("L1A", 2010),)
    assert applied(result, "half").allocations == (("L0", 5000),)
    assert applied(result, "ltd").allocations == (("L1", 2000),)
    assert applied(result, "mj").allocations == (("L0", 1304), ("L1", 696))
    assert applied(result, "p9").allocations == (("L0", 1370), ("L1", 730))
    assert (applied(result, "ship").amount, applied(result, "points").amount) == (1000, 3000)
    assert (result.goods_amount, result.discount_amount, result.points_amount) == (35000, 13110, 3000)
    assert (result.shipping_fee, result.payable_amount) == (0, 18890)
    assert verdict(result, "c20") == (True, False, "conflict")
    assert verdict(result, "new") == (False, False, "new_customers_only")
    assert [h.text_zh for h in result.hints] == ["再买¥59.10可包邮", "再买¥70.00可减¥50.00"]
    assert line(result, "L1A").payable_amount == 2990 - 410


def test_the_floor_caps_buy_two_get_one() -> None:
    result = run([item(1, 3000, 3, cost=2500)], BuyNGetM(id="b2g1", buy=2, free=1), floor=NEVER_BELOW_COST)
    entry = applied(result, "b2g1")
    assert (entry.amount, entry.capped_by_floor) == (1500, 1500)
    assert entry.floor_note() == ("已达最低价, 少减¥15.00", "¥15.00 less: the minimum price was reached")
    assert result.payable_amount == 7500


def test_the_floor_changes_the_best_coupon() -> None:
    result = run(
        [item(1, 10000, cost=7000), item(2, 10000)],
        coupons=(
            Coupon(id="line1", kind=CouponKind.AMOUNT, amount=5000, scope=Scope(sku_ids=frozenset({1}))),
            Coupon(id="any", kind=CouponKind.AMOUNT, amount=4000),
        ),
        floor=NEVER_BELOW_COST,
    )
    assert result.chosen_coupon_ids == ("any",)
    assert next(v.value for v in result.coupons if v.coupon_id == "line1") == 3000
    assert result.payable_amount == 16000


def test_explain_is_json_ready() -> None:
    import json

    result = run([item(1, 10000)], TieredPromotion(id="mj", tiers=(Tier(threshold=0, reduce=100),)))
    data = json.loads(json.dumps(result.explain(), ensure_ascii=False))
    assert data["applied"][0] == {
        "rule_id": "mj",
        "kind": "tiered",
        "stage": "order",
        "amount": 100,
        "capped_by_floor": 0,
        "label_zh": "无门槛减1",
        "label_en": "¥1.00 off on any order",
        "allocations": {"L0": 100},
    }
    assert refusal(run([item(1, 100)], TieredPromotion(id="x", tiers=(Tier(threshold=500),))), "x") == (
        "below_threshold"
    )
