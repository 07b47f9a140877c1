"""Property tests on random carts: the coupon choice is optimal, and the invariants always hold.

The optimum is checked against brute force twice: end to end (every subset of the customer's
coupons that the stacking groups and per-order limits allow, by this file's own reading of those
rules, is priced by hand through ``price``, and the engine's own choice must cost exactly the
least), and on the search alone (``best_set`` on random options and uneven rooms above the floor
must return exactly the set brute force ranks first: most saving, then fewest coupons).
"""

from __future__ import annotations

from datetime import timedelta
from itertools import combinations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
    PointsPolicy,
    PricingRequest,
    PricingResult,
    Promotion,
    Scope,
    ShippingPolicy,
    Stage,
    Tier,
    TieredPromotion,
    price,
)
from siyu.promotions.engine.coupons import Option, best_set, compatibility
from siyu.promotions.engine.floor import spread_within_rooms
from siyu.testing.pricing import NOW, assert_consistent

SKUS = [1, 2, 3, 4, 5]
ROLES = ["flagship", "clearance", "traffic_driver"]
STAGES = [Stage.ACTIVITY, Stage.ITEM, Stage.ORDER, Stage.COUPON]
GROUPS = ["goods", "shop", "platform", "shipping"]

stacks = st.frozensets(st.sampled_from(STAGES))
rates = st.integers(0, 10_000)
fen = st.integers(0, 30_000)


@st.composite
def scopes(draw: st.DrawFn) -> Scope:
    kind = draw(st.sampled_from(["all", "sku", "category", "role"]))
    if kind == "sku":
        return Scope(sku_ids=draw(st.frozensets(st.sampled_from(SKUS), min_size=1)))
    if kind == "category":
        return Scope(category_ids=draw(st.frozensets(st.integers(1, 3), min_size=1)))
    if kind == "role":
        return Scope(roles=draw(st.frozensets(st.sampled_from(ROLES), min_size=1)))
    return Scope()


@st.composite
def carts(draw: st.DrawFn, tight: bool = False) -> tuple[CartLine, ...]:
    """Random lines; ``tight`` puts cost near the price, so floors bind and rooms differ by line."""
    skus = draw(st.lists(st.sampled_from(SKUS), min_size=1, max_size=5, unique=True))
    lines = []
    for sku in skus:
        unit_price = draw(st.integers(0, 20_000))
        low_cost = unit_price // 2 if tight else 0
        lines.append(
            CartLine(
                sku_id=sku,
                product_id=sku * 10,
                quantity=draw(st.integers(1, 5)),
                unit_price=unit_price,
                cost=draw(st.integers(low_cost, unit_price)),
                category_id=draw(st.integers(1, 3)),
                roles=tuple(draw(st.frozensets(st.sampled_from(ROLES)))),
                floor_unit_price=draw(st.none() | st.integers(0, unit_price)),
            )
        )
    return tuple(lines)


@st.composite
def tiers(draw: st.DrawFn, basis: Basis) -> tuple[Tier, ...]:
    top = 10 if basis is Basis.QUANTITY else 60_000
    thresholds = sorted(draw(st.lists(st.integers(0, top), min_size=1, max_size=3, unique=True)))
    gift = Gift(sku_id=9, product_id=90, list_price=1000, stock_available=draw(st.integers(0, 3)))
    return tuple(
        Tier(
            threshold=t,
            reduce=draw(st.integers(0, 10_000)),
            rate_bp=draw(st.sampled_from([10_000, 9_000, 8_500])),
            gifts=draw(st.sampled_from([(), (gift,)])),
        )
        for t in thresholds
    )


@st.composite
def promotions(draw: st.DrawFn, index: int) -> Promotion:
    pid = f"p{index}"
    common = {"id": pid, "stacks_with": draw(stacks), "priority": draw(st.integers(0, 3))}
    group = draw(st.sampled_from([None, "item", "x"]))
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return ActivityPrice(
            kind=ActivityKind.FLASH_SALE,
            sku_id=draw(st.sampled_from(SKUS)),
            price=draw(fen),
            quantity=draw(st.integers(0, 3)),
            **common,
        )
    if kind == 1:
        fixed = draw(st.booleans())
        return LimitedTimeDiscount(
            scope=draw(scopes()),
            rate_bp=None if fixed else draw(rates),
            fixed_price=draw(fen) if fixed else None,
            per_customer_limit=draw(st.none() | st.integers(0, 3)),
            exclusive_group=group,
            **common,
        )
    if kind == 2:
        return MemberPrice(
            scope=draw(scopes()), tier_rate_bp={"gold": draw(rates)}, exclusive_group=group, **common
        )
    if kind == 3:
        return NthItemDiscount(
            scope=draw(scopes()),
            nth=draw(st.integers(1, 3)),
            rate_bp=draw(rates),
            per_sku=draw(st.booleans()),
            exclusive_group=group,
            **common,
        )
    if kind == 4:
        return BuyNGetM(
            scope=draw(scopes()), buy=draw(st.integers(1, 3)), free=draw(st.integers(1, 2)), **common
        )
    if kind == 5:
        parts = draw(st.lists(st.sampled_from(SKUS), min_size=1, max_size=3, unique=True))
        return Bundle(
            components=tuple((s, draw(st.integers(1, 2))) for s in parts), price=draw(fen), **common
        )
    if kind in (6, 7):
        basis = draw(st.sampled_from([Basis.AMOUNT, Basis.QUANTITY]))
        steps = draw(tiers(basis))
        return TieredPromotion(
            scope=draw(scopes()),
            basis=basis,
            tiers=steps,
            repeat=steps[0].threshold > 0 and draw(st.booleans()),
            exclusive_group=draw(st.sampled_from([None, "full"])),
            **common,
        )
    if kind == 8:
        return AddOnOffer(
            id=pid,
            threshold=draw(fen),
            sku_id=8,
            product_id=80,
            list_price=3000,
            price=draw(st.integers(0, 3000)),
            max_quantity=2,
        )
    return FreeShipping(id=pid, threshold=draw(fen), scope=draw(scopes()))


ALL_STAGES = frozenset(STAGES)


@st.composite
def coupons(draw: st.DrawFn, index: int, lenient: bool = False) -> Coupon:
    """A random coupon; ``lenient`` makes most of them usable, so the search has work to do."""
    kind = draw(
        st.sampled_from([CouponKind.AMOUNT, CouponKind.AMOUNT, CouponKind.PERCENT, CouponKind.SHIPPING])
    )
    group = draw(st.none() | st.sampled_from(GROUPS))
    allowed = draw(st.none() | st.frozensets(st.sampled_from(GROUPS), min_size=2 if lenient else 0))
    return Coupon(
        id=f"c{index}",
        kind=kind,
        amount=draw(st.integers(0, 8_000)),
        rate_bp=draw(rates),
        max_discount=draw(st.none() | st.integers(0, 5_000)),
        threshold=draw(st.sampled_from([0, 0, 5_000] if lenient else [0, 0, 5_000, 20_000])),
        scope=draw(scopes()),
        audience=Audience()
        if lenient
        else draw(st.sampled_from([Audience(), Audience(new_customers_only=True)])),
        valid_until=None if lenient else draw(st.sampled_from([None, None, NOW - timedelta(days=1)])),
        stack_group=group,
        stacks_with_groups=allowed,
        stacks_with=ALL_STAGES if lenient and draw(st.booleans()) else draw(stacks),
    )


@st.composite
def requests(draw: st.DrawFn, max_coupons: int = 6, lenient: bool = False) -> PricingRequest:
    n_promotions = draw(st.integers(0, 3 if lenient else 5))
    n_coupons = draw(st.integers(2 if lenient else 0, max_coupons))
    return PricingRequest(
        lines=draw(carts(tight=lenient)),
        now=NOW,
        customer=CustomerContext(
            tier=draw(st.sampled_from([None, "gold"])),
            orders_so_far=draw(st.integers(0, 2)),
            points_balance=draw(st.integers(0, 20_000)),
            units_bought={(f"p{i}", s): 1 for i in range(5) for s in SKUS},
        ),
        promotions=tuple(draw(promotions(i)) for i in range(n_promotions)),
        coupons=tuple(draw(coupons(i, lenient)) for i in range(n_coupons)),
        coupon_limits=CouponLimits(
            max_goods=draw(st.integers(1 if lenient else 0, 3)),
            max_shipping=draw(st.integers(0, 2)),
            max_total=draw(st.none() | st.integers(1 if lenient else 0, 4)),
        ),
        add_ons={f"p{i}": draw(st.integers(0, 2)) for i in range(n_promotions)},
        use_points=draw(st.booleans()),
        points=PointsPolicy(
            points_per_yuan=draw(st.sampled_from([100, 30, 1000])),
            max_share_bp=draw(rates),
            step_fen=draw(st.sampled_from([1, 100])),
        ),
        shipping=ShippingPolicy(
            fee=draw(st.sampled_from([600, 1200] if lenient else [0, 600, 1200])),
            free_threshold=None if lenient else draw(st.none() | fen),
            pickup=not lenient and draw(st.booleans()),
        ),
        floor=FloorPolicy(
            min_cost_bp=draw(st.none() | st.sampled_from([10_000, 12_000])),
            min_list_bp=draw(st.none() | st.integers(0, 8_000)),
        ),
    )


def _group(c: Coupon) -> str:
    return c.stack_group or ("shipping" if c.kind is CouponKind.SHIPPING else "goods")


def _allows(a: Coupon, b: Coupon) -> bool:
    if a.stacks_with_groups is None:
        return _group(b) != _group(a)
    return _group(b) in a.stacks_with_groups


def _valid(subset: tuple[Coupon, ...], limits: CouponLimits) -> bool:
    shipping = sum(1 for c in subset if c.kind is CouponKind.SHIPPING)
    if shipping > limits.max_shipping or len(subset) - shipping > limits.max_goods:
        return False
    if limits.max_total is not None and len(subset) > limits.max_total:
        return False
    return all(_allows(a, b) and _allows(b, a) for a, b in combinations(subset, 2))


def _by_hand(request: PricingRequest, subset: tuple[Coupon, ...]) -> PricingResult:
    return price(
        PricingRequest(**{**request.__dict__, "coupon_ids": tuple(c.id for c in subset), "use_points": False})
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests(max_coupons=7, lenient=True))
def test_best_coupon_set_matches_brute_force(request: PricingRequest) -> None:
    request = PricingRequest(**{**request.__dict__, "use_points": False})
    best = price(request)
    usable = [c for c in request.coupons if any(v.coupon_id == c.id and v.usable for v in best.coupons)]
    payable = {}
    for size in range(len(usable) + 1):
        for subset in combinations(usable, size):
            if _valid(subset, request.coupon_limits):
                payable[subset] = _by_hand(request, subset).payable_amount
    least = min(payable.values())
    assert best.payable_amount == least
    fewest = min(len(s) for s, p in payable.items() if p == least)
    assert len(best.chosen_coupon_ids) == fewest
    chosen = tuple(c for c in request.coupons if c.id in best.chosen_coupon_ids)
    assert _valid(chosen, request.coupon_limits)
    assert _by_hand(request, chosen).payable_amount == least


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests(max_coupons=8))
def test_invariants_hold_on_random_carts(request: PricingRequest) -> None:
    result = price(request)
    assert_consistent(result)  # floor, exact allocations, payable formula, never negative
    for priced in result.lines:
        assert priced.discount_amount <= priced.goods_amount
    for entry in result.applied:
        assert all(amount > 0 for _, amount in entry.allocations)
    assert price(request) == result  # pure: same request, same answer


@settings(max_examples=100, deadline=None)
@given(requests(max_coupons=0))
def test_points_never_exceed_their_share(request: PricingRequest) -> None:
    result = price(request)
    goods_payable = result.goods_amount - result.discount_amount
    assert result.points_amount * 10_000 <= goods_payable * request.points.max_share_bp
    assert result.points_amount * request.points.points_per_yuan <= result.points_used * 100
    assert result.points_used <= request.customer.points_balance
    if not request.use_points:
        assert result.points_amount == 0


@st.composite
def search_cases(draw: st.DrawFn) -> tuple[list[Option], list[int], CouponLimits, int]:
    """Coupon options over lines with uneven rooms above the floor, as ``best_set`` receives them."""
    n_lines = draw(st.integers(1, 5))
    rooms = draw(st.lists(st.integers(0, 4_000), min_size=n_lines, max_size=n_lines))
    options = []
    for k in range(draw(st.integers(0, 8))):
        shipping = draw(st.integers(0, 3)) == 0
        lines = tuple(sorted(draw(st.sets(st.integers(0, n_lines - 1), min_size=1))))
        coupon = Coupon(
            id=f"c{k}",
            kind=CouponKind.SHIPPING if shipping else CouponKind.AMOUNT,
            stack_group=draw(st.none() | st.sampled_from(GROUPS)),
            stacks_with_groups=draw(st.none() | st.frozensets(st.sampled_from(GROUPS), min_size=1)),
        )
        nominal = draw(st.integers(1, 5_000))
        weights = tuple(draw(st.integers(0, 5_000)) for _ in lines)
        options.append(Option(coupon, nominal, lines, weights, nominal, shipping))
    options.sort(key=lambda o: (o.shipping, -o.nominal, o.coupon.id))
    limits = CouponLimits(
        max_goods=draw(st.integers(0, 4)),
        max_shipping=draw(st.integers(0, 2)),
        max_total=draw(st.none() | st.integers(0, 5)),
    )
    return options, rooms, limits, draw(st.integers(0, 3_000))


def _saving(options: list[Option], positions: tuple[int, ...], rooms: list[int], fee: int) -> int:
    """A set's saving the slow way: each coupon in canonical order on what the earlier ones left."""
    rooms = rooms.copy()
    saving = 0
    for j in positions:
        option = options[j]
        if option.shipping:
            took = min(option.nominal, fee)
            fee -= took
        else:
            parts = spread_within_rooms(
                option.nominal, list(option.weights), [rooms[i] for i in option.lines]
            )
            for i, part in zip(option.lines, parts, strict=True):
                rooms[i] -= part
            took = sum(parts)
        saving += took
    return saving


@settings(max_examples=800, deadline=None)
@given(search_cases())
def test_search_matches_brute_force_exactly(case: tuple[list[Option], list[int], CouponLimits, int]) -> None:
    options, rooms, limits, fee = case
    coupons = [o.coupon for o in options]
    keys = []
    for size in range(len(options) + 1):
        for positions in combinations(range(len(options)), size):
            if _valid(tuple(coupons[j] for j in positions), limits):
                keys.append((-_saving(options, positions, rooms, fee), size, positions))
    expected = min(keys)[2]
    assert tuple(best_set(options, rooms, limits, fee, compatibility(options))) == expected
