"""Order-level promotions: 满减/满折/满送 tiers, gifts, add-on offers, exclusive groups, hints."""

from __future__ import annotations

from datetime import timedelta

from siyu.promotions.engine import (
    AddOnOffer,
    Audience,
    Basis,
    CustomerContext,
    Gift,
    LimitedTimeDiscount,
    LineKind,
    Scope,
    Stage,
    Tier,
    TieredPromotion,
)
from siyu.testing.pricing import NOW, applied, item, line, refusal, run

MJ = TieredPromotion(
    id="mj",
    tiers=(Tier(threshold=30000, reduce=5000), Tier(threshold=50000, reduce=10000)),
)


def test_highest_reached_tier_applies_split_by_line_amount() -> None:
    result = run([item(1, 20000), item(2, 12000)], MJ)
    entry = applied(result, "mj")
    assert entry.amount == 5000
    assert entry.label_zh == "满300减50"
    assert entry.label_en == "¥50.00 off over ¥300.00"
    assert dict(entry.allocations) == {"L0": 3125, "L1": 1875}
    assert result.payable_amount == 27000
    assert [(h.rule_id, h.gap_amount, h.text_zh) for h in result.hints] == [
        ("mj", 18000, "再买¥180.00可减¥100.00")
    ]


def test_below_the_first_tier_hints_the_gap() -> None:
    result = run([item(1, 27700)], MJ)
    assert result.discount_amount == 0
    assert refusal(result, "mj") == "below_threshold"
    assert result.hints[0].text_zh == "再买¥23.00可减¥50.00"
    assert result.hints[0].text_en == "Spend ¥23.00 more to get ¥50.00 off"


def test_top_tier() -> None:
    result = run([item(1, 60000)], MJ)
    assert applied(result, "mj").amount == 10000
    assert result.hints == ()


def test_repeat_without_a_ceiling() -> None:
    every = TieredPromotion(id="every", tiers=(Tier(threshold=30000, reduce=5000),), repeat=True)
    result = run([item(1, 95000)], every)
    assert applied(result, "every").amount == 15000  # 3 x 50
    assert applied(result, "every").label_zh == "每满300减50"
    assert result.hints[0].gap_amount == 25000
    assert result.hints[0].text_zh == "再买¥250.00可再减¥50.00"


def test_tiered_discount_by_quantity() -> None:
    rule = TieredPromotion(
        id="zhe",
        basis=Basis.QUANTITY,
        tiers=(Tier(threshold=2, rate_bp=9000), Tier(threshold=3, rate_bp=8000)),
    )
    result = run([item(1, 3333, 2)], rule)
    assert applied(result, "zhe").amount == 666  # 10% of 66.66, rounded down
    assert applied(result, "zhe").label_zh == "满2件9折"
    assert result.hints[0].text_zh == "再买1件可打8折"
    assert result.hints[0].gap_quantity == 1


def test_scope_by_product_and_role() -> None:
    rule = TieredPromotion(
        id="mj",
        scope=Scope(product_ids=frozenset({10}), roles=frozenset({"flagship"})),
        tiers=(Tier(threshold=10000, reduce=1000),),
    )
    result = run([item(1, 6000), item(2, 5000, roles=("flagship",)), item(3, 9000)], rule)
    assert dict(applied(result, "mj").allocations) == {"L0": 545, "L1": 455}


def test_gift_tier_adds_a_free_line_within_gift_stock() -> None:
    mug = Gift(sku_id=9, product_id=90, list_price=2500, quantity=1, stock_available=5, name="马克杯")
    rule = TieredPromotion(id="gift", tiers=(Tier(threshold=20000, gifts=(mug,)),), repeat=True)
    result = run([item(1, 70000)], rule)
    gift = line(result, "G:gift:9")
    assert (gift.kind, gift.quantity, gift.payable_amount, gift.source_index) == (LineKind.GIFT, 3, 0, None)
    assert applied(result, "gift").label_zh == "每满200送赠品"
    assert "gift:9x3/3" in applied(result, "gift").detail
    assert result.payable_amount == 70000


def test_gift_out_of_stock() -> None:
    mug = Gift(sku_id=9, product_id=90, list_price=2500, stock_available=0)
    result = run([item(1, 70000)], TieredPromotion(id="gift", tiers=(Tier(threshold=20000, gifts=(mug,)),)))
    assert refusal(result, "gift") == "gift_out_of_stock"
    assert len(result.lines) == 1


def test_exclusive_group_keeps_the_better_rule() -> None:
    off = TieredPromotion(id="off", tiers=(Tier(threshold=30000, reduce=3000),), exclusive_group="full")
    zhe = TieredPromotion(id="zhe", tiers=(Tier(threshold=30000, rate_bp=9000),), exclusive_group="full")
    result = run([item(1, 40000)], off, zhe)
    assert applied(result, "zhe").amount == 4000
    assert refusal(result, "off") == "exclusive"
    both = run([item(1, 40000)], off, TieredPromotion(id="zhe", tiers=(Tier(threshold=30000, rate_bp=9000),)))
    # Without a shared group both apply, each on the same base (thresholds never lower each other).
    assert both.discount_amount == 3000 + 4000


def test_order_rule_sees_amounts_after_item_discounts() -> None:
    sale = LimitedTimeDiscount(id="ltd", rate_bp=8000)
    result = run([item(1, 35000)], sale, MJ)
    assert result.payable_amount == 28000  # 280 after 8折 does not reach 满300
    assert refusal(result, "mj") == "below_threshold"


def test_audience_and_window() -> None:
    newcomers = TieredPromotion(
        id="new", tiers=(Tier(threshold=0, reduce=1000),), audience=Audience(new_customers_only=True)
    )
    later = TieredPromotion(
        id="later", tiers=(Tier(threshold=0, reduce=1000),), starts_at=NOW + timedelta(days=1)
    )
    gold = TieredPromotion(
        id="gold", tiers=(Tier(threshold=0, reduce=500),), audience=Audience(tiers=frozenset({"gold"}))
    )
    tagged = TieredPromotion(
        id="tagged",
        tiers=(Tier(threshold=0, reduce=300),),
        audience=Audience(segments=frozenset({"dormant"})),
    )
    returning = CustomerContext(orders_so_far=2, tier="gold", segments=frozenset({"dormant", "vip"}))
    result = run([item(1, 5000)], newcomers, later, gold, tagged, customer=returning)
    assert refusal(result, "new") == "new_customers_only"
    assert refusal(result, "later") == "not_started"
    assert result.discount_amount == 800
    fresh = run([item(1, 5000)], newcomers, gold, tagged)
    assert fresh.discount_amount == 1000
    assert refusal(fresh, "gold") == "tier"
    assert refusal(fresh, "tagged") == "segment"


def test_add_on_offer_when_picked_and_reached() -> None:
    offer = AddOnOffer(
        id="addon",
        threshold=9900,
        sku_id=7,
        product_id=70,
        list_price=3900,
        price=990,
        max_quantity=1,
        name="纸巾",
    )
    result = run([item(1, 10000)], offer, add_ons={"addon": 3})
    extra = line(result, "X:addon:7")
    assert (extra.kind, extra.quantity, extra.payable_amount) == (LineKind.ADD_ON, 1, 990)
    assert applied(result, "addon").label_zh == "加¥9.90换购纸巾"
    assert result.payable_amount == 10990


def test_add_on_threshold_counts_discounted_goods() -> None:
    offer = AddOnOffer(id="addon", threshold=8000, sku_id=7, product_id=70, list_price=3900, price=990)
    result = run([item(1, 10000)], LimitedTimeDiscount(id="ltd", rate_bp=9000), offer, add_ons={"addon": 1})
    assert result.payable_amount == 9000 + 990


def test_add_on_offer_hints() -> None:
    offer = AddOnOffer(
        id="addon", threshold=9900, sku_id=7, product_id=70, list_price=3900, price=990, name="纸巾"
    )
    short = run([item(1, 9000)], offer, add_ons={"addon": 1})
    assert refusal(short, "addon") == "below_threshold"
    assert short.hints[0].text_zh == "再买¥9.00可加¥9.90换购纸巾"
    reached = run([item(1, 9900)], offer)
    assert refusal(reached, "addon") == "not_chosen"
    assert reached.hints[0].text_zh == "已满足条件, 可加¥9.90换购纸巾"


def test_add_on_line_counts_for_no_threshold_and_takes_no_order_discount() -> None:
    offer = AddOnOffer(id="addon", threshold=0, sku_id=7, product_id=70, list_price=20000, price=19000)
    result = run([item(1, 20000)], offer, MJ, add_ons={"addon": 1})
    assert refusal(result, "mj") == "below_threshold"
    assert result.payable_amount == 39000


def test_order_rule_that_does_not_stack_with_coupons_blocks_them() -> None:
    from siyu.promotions.engine import Coupon, CouponKind

    rule = TieredPromotion(
        id="mj", tiers=(Tier(threshold=10000, reduce=1000),), stacks_with=frozenset({Stage.ITEM, Stage.ORDER})
    )
    coupon = Coupon(id="c", kind=CouponKind.AMOUNT, amount=500)
    result = run([item(1, 20000)], rule, coupons=(coupon,))
    assert result.discount_amount == 1000
    assert result.coupons[0].reason == "not_stackable"
