"""The pricing engine benchmark: one cart of 20 lines, 10 promotions and 20 coupons, priced many times.

Pure Python, no database or server: ``run(quick)`` returns p50/p99 microseconds per ``price()`` call
(best coupon set searched each time). Two shapes are measured:

- ``pricing_20_lines_10_promotions_20_coupons``: the usual per-order limit, one goods coupon and
  one shipping coupon;
- ``..._stacking``: goods coupons in four stacking groups, up to three goods coupons per order, so
  the exact search has real combinations to explore.

Run alone with ``python -m bench.pricing_suite [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime, timedelta

from siyu.promotions.engine import (
    ActivityKind,
    ActivityPrice,
    AddOnOffer,
    Audience,
    Basis,
    Bundle,
    BuyNGetM,
    CartLine,
    Coupon,
    CouponKind,
    CouponLimits,
    CustomerContext,
    FloorPolicy,
    FreeShipping,
    Gift,
    LimitedTimeDiscount,
    MemberPrice,
    NthItemDiscount,
    PricingRequest,
    Scope,
    ShippingPolicy,
    Tier,
    TieredPromotion,
    price,
)

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
KEY = "pricing_20_lines_10_promotions_20_coupons"


def cart() -> tuple[CartLine, ...]:
    """20 lines over 5 categories, prices from ¥9.9 to ¥299, costs at 40-60% of price."""
    lines = []
    for i in range(20):
        unit_price = 990 + (i * 1471) % 29000
        lines.append(
            CartLine(
                sku_id=100 + i,
                product_id=1000 + i,
                quantity=1 + i % 3,
                unit_price=unit_price,
                cost=unit_price * (40 + i % 3 * 10) // 100,
                category_id=10 + i % 5,
                category_path=(1,),
                roles=("flagship",) if i % 4 == 0 else ("clearance",) if i % 7 == 0 else (),
            )
        )
    return tuple(lines)


def promotions() -> tuple:
    mug = Gift(sku_id=900, product_id=9000, list_price=3900, stock_available=50, name="马克杯")
    return (
        ActivityPrice(id="flash", kind=ActivityKind.FLASH_SALE, sku_id=103, price=990, quantity=1),
        LimitedTimeDiscount(
            id="ltd", rate_bp=8500, scope=Scope(category_ids=frozenset({10, 11})), per_customer_limit=2
        ),
        MemberPrice(id="vip", tier_rate_bp={"gold": 9000, "silver": 9500}),
        NthItemDiscount(id="nth", scope=Scope(category_ids=frozenset({12}))),
        BuyNGetM(id="b2g1", buy=2, free=1, scope=Scope(roles=frozenset({"clearance"}))),
        Bundle(id="combo", components=((104, 1), (109, 1)), price=19900),
        TieredPromotion(
            id="mj",
            tiers=(Tier(threshold=30000, reduce=3000), Tier(threshold=60000, reduce=8000)),
            exclusive_group="full",
        ),
        TieredPromotion(
            id="mz",
            basis=Basis.QUANTITY,
            tiers=(Tier(threshold=10, rate_bp=9500, gifts=(mug,)),),
            exclusive_group="full",
        ),
        AddOnOffer(id="addon", threshold=20000, sku_id=901, product_id=9010, list_price=4900, price=990),
        FreeShipping(id="fs", threshold=9900),
    )


def coupons(stacking: bool) -> tuple[Coupon, ...]:
    groups = ["shop", "platform", "brand", "goods"]
    out = []
    for i in range(16):
        group = groups[i % 4] if stacking else None
        allowed = frozenset([*groups, "shipping"]) - {group} if stacking and group else None
        if i % 3 == 0:
            coupon = Coupon(
                id=f"p{i}", kind=CouponKind.PERCENT, rate_bp=9000 - i * 50, max_discount=2000 + i * 300,
                threshold=i * 2000, stack_group=group, stacks_with_groups=allowed,
            )  # fmt: skip
        else:
            coupon = Coupon(
                id=f"a{i}", kind=CouponKind.AMOUNT, amount=500 + i * 400, threshold=i * 5000,
                scope=Scope(category_ids=frozenset({10 + i % 5})) if i % 2 else Scope(),
                audience=Audience(new_customers_only=True) if i == 7 else Audience(),
                valid_until=NOW - timedelta(days=1) if i == 11 else None,
                stack_group=group, stacks_with_groups=allowed,
            )  # fmt: skip
        out.append(coupon)
    out += [Coupon(id=f"s{i}", kind=CouponKind.SHIPPING, amount=300 * i) for i in range(4)]
    return tuple(out)


def request(stacking: bool) -> PricingRequest:
    return PricingRequest(
        lines=cart(),
        now=NOW,
        customer=CustomerContext(customer_id=1, tier="gold", orders_so_far=3, points_balance=50_000),
        promotions=promotions(),
        coupons=coupons(stacking),
        coupon_limits=CouponLimits(max_goods=3 if stacking else 1, max_shipping=1),
        add_ons={"addon": 1},
        use_points=True,
        shipping=ShippingPolicy(fee=1000),
        floor=FloorPolicy(min_cost_bp=10_000),
    )


def _percentiles(samples: list[int]) -> tuple[float, float]:
    ordered = sorted(samples)
    p50 = ordered[len(ordered) // 2]
    p99 = ordered[min(len(ordered) - 1, len(ordered) * 99 // 100)]
    return round(p50 / 1000, 1), round(p99 / 1000, 1)


def measure(req: PricingRequest, runs: int, warmup: int = 50) -> tuple[float, float]:
    for _ in range(warmup):
        price(req)
    samples = []
    for _ in range(runs):
        start = time.perf_counter_ns()
        price(req)
        samples.append(time.perf_counter_ns() - start)
    return _percentiles(samples)


def run(quick: bool = False) -> dict[str, float | int]:
    """p50/p99 microseconds per pricing for both shapes; ``quick`` does 200 runs instead of 2000."""
    runs = 200 if quick else 2000
    results: dict[str, float | int] = {"pricing_runs": runs}
    for suffix, stacking in (("", False), ("_stacking", True)):
        req = request(stacking)
        priced = price(req)
        p50, p99 = measure(req, runs)
        results[f"{KEY}{suffix}_p50_us"] = p50
        results[f"{KEY}{suffix}_p99_us"] = p99
        results[f"{KEY}{suffix}_coupons_chosen"] = len(priced.chosen_coupon_ids)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.pricing_suite", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="200 runs instead of 2000")
    print(json.dumps(run(parser.parse_args().quick), indent=2))


if __name__ == "__main__":
    main()
