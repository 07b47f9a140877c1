"""What the pricing engine takes: the cart, the customer, and the rules in force.

Plain frozen dataclasses, no Django. Money is integer fen; a rate is integer basis points of the
price the customer *pays* (``rate_bp=8500`` is 8.5折, i.e. 15% off; ``5000`` is half price).
The pipeline and its rules are documented in ``docs/pricing.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from siyu.freight.calc import FreightPlan

FULL_RATE = 10_000  # basis points: pay the whole price


class Stage(StrEnum):
    """The pipeline's stages, in the order they run."""

    ACTIVITY = "activity"  # flash sale / group buy / bargain price
    ITEM = "item"  # limited-time discount, member price, Nth item, buy N get M, bundles
    ORDER = "order"  # 满减/满折/满送 tiers, add-on offers
    COUPON = "coupon"
    POINTS = "points"
    SHIPPING = "shipping"


# A promotion that does not say otherwise stacks with every stage; see ``stacks_with``.
ALL_STAGES = frozenset({Stage.ACTIVITY, Stage.ITEM, Stage.ORDER, Stage.COUPON})
NO_STAGES: frozenset[Stage] = frozenset()


class Basis(StrEnum):
    """What a threshold counts: money (fen) or units."""

    AMOUNT = "amount"
    QUANTITY = "quantity"


class ActivityKind(StrEnum):
    FLASH_SALE = "flash_sale"
    GROUP_BUY = "group_buy"
    BARGAIN = "bargain"
    BLIND_BOX = "blind_box"
    PRESALE_DEPOSIT = "presale_deposit"
    PRESALE_BALANCE = "presale_balance"


class CouponKind(StrEnum):
    AMOUNT = "amount"  # ¥X off (with an optional threshold: 满X减Y券)
    PERCENT = "percent"  # pay rate_bp of the price, optionally capped
    SHIPPING = "shipping"  # ¥X off the shipping fee (0 = the whole fee)


@dataclass(frozen=True, kw_only=True)
class CartLine:
    """One SKU in the cart, with the catalogue facts promotions are scoped by."""

    sku_id: int
    product_id: int
    quantity: int
    unit_price: int  # fen, the list (selling) price
    cost: int = 0
    category_id: int | None = None
    category_path: tuple[int, ...] = ()  # the category's ancestors, so a scope on a parent matches
    roles: tuple[str, ...] = ()
    floor_unit_price: int | None = None  # per-SKU minimum price; replaces the merchant's floor rule


@dataclass(frozen=True)
class Scope:
    """Which lines a rule covers. Empty include sets mean "every line"; excludes always win."""

    sku_ids: frozenset[int] = frozenset()
    product_ids: frozenset[int] = frozenset()
    category_ids: frozenset[int] = frozenset()
    roles: frozenset[str] = frozenset()
    exclude_sku_ids: frozenset[int] = frozenset()
    exclude_product_ids: frozenset[int] = frozenset()
    exclude_roles: frozenset[str] = frozenset()

    def matches(self, line: CartLine) -> bool:
        if line.sku_id in self.exclude_sku_ids or line.product_id in self.exclude_product_ids:
            return False
        if self.exclude_roles and not self.exclude_roles.isdisjoint(line.roles):
            return False
        if not (self.sku_ids or self.product_ids or self.category_ids or self.roles):
            return True
        return (
            line.sku_id in self.sku_ids
            or line.product_id in self.product_ids
            or (line.category_id is not None and line.category_id in self.category_ids)
            or not self.category_ids.isdisjoint(line.category_path)
            or not self.roles.isdisjoint(line.roles)
        )


EVERYTHING = Scope()


@dataclass(frozen=True, kw_only=True)
class CustomerContext:
    """Who is buying. ``units_bought`` feeds per-customer limits: (promotion id, sku id) -> units."""

    customer_id: int | None = None
    tier: str | None = None
    orders_so_far: int = 0
    segments: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()
    points_balance: int = 0
    units_bought: Mapping[tuple[str, int], int] = field(default_factory=dict)

    @property
    def is_new(self) -> bool:
        return self.orders_so_far == 0


@dataclass(frozen=True, kw_only=True)
class Audience:
    """Who a rule is for. Empty sets mean "anyone"; segments and tags match on any overlap."""

    tiers: frozenset[str] = frozenset()
    new_customers_only: bool = False
    returning_only: bool = False
    segments: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()

    def refusal(self, customer: CustomerContext) -> str | None:
        """Why ``customer`` is not in this audience (a reason code), or None when they are."""
        if self.new_customers_only and not customer.is_new:
            return "new_customers_only"
        if self.returning_only and customer.is_new:
            return "returning_only"
        if self.tiers and customer.tier not in self.tiers:
            return "tier"
        if self.segments and self.segments.isdisjoint(customer.segments):
            return "segment"
        if self.tags and self.tags.isdisjoint(customer.tags):
            return "tag"
        return None


ANYONE = Audience()


@dataclass(frozen=True, kw_only=True)
class Rule:
    """What every promotion has. ``stacks_with`` lists the stages whose discounts may share a line.

    Two discounts share a line only if each lists the other's stage. ``exclusive_group`` works
    inside a stage: of the rules in one group only one applies (the better one for the customer).
    """

    id: str
    title: str = ""
    priority: int = 100  # lower runs first where order matters; also breaks ties
    audience: Audience = ANYONE
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    stacks_with: frozenset[Stage] = ALL_STAGES
    exclusive_group: str | None = None

    def window_refusal(self, now: datetime) -> str | None:
        if self.starts_at is not None and now < self.starts_at:
            return "not_started"
        if self.ends_at is not None and now >= self.ends_at:
            return "expired"
        return None


# ---- stage 1: activity prices --------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ActivityPrice(Rule):
    """A flash sale, group-buy or bargain price for up to ``quantity`` units of one SKU.

    The caller passes only activities this customer has earned (joined the group, finished the
    bargain) with ``quantity`` already reduced to what the quota and limits still allow.
    By default the activity units get no other discount: list stages in ``stacks_with`` to allow it.
    """

    kind: ActivityKind
    sku_id: int
    price: int
    quantity: int
    stacks_with: frozenset[Stage] = NO_STAGES


# ---- stage 2: item level -------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class LimitedTimeDiscount(Rule):
    """限时折扣: a rate or a fixed price; past ``per_customer_limit`` units (per SKU) the list price."""

    scope: Scope = EVERYTHING
    rate_bp: int | None = None
    fixed_price: int | None = None
    per_customer_limit: int | None = None
    exclusive_group: str | None = "item"


@dataclass(frozen=True, kw_only=True)
class MemberPrice(Rule):
    """会员价: a rate per member tier, or a fixed price per SKU and tier (which wins when given)."""

    scope: Scope = EVERYTHING
    tier_rate_bp: Mapping[str, int] = field(default_factory=dict)
    sku_tier_price: Mapping[int, Mapping[str, int]] = field(default_factory=dict)
    exclusive_group: str | None = "item"


@dataclass(frozen=True, kw_only=True)
class NthItemDiscount(Rule):
    """第N件X折 (第二件半价): in every run of ``nth`` units, the cheapest pays ``rate_bp``.

    ``per_sku`` counts units of each line separately (the usual "second one of the same item");
    otherwise units of all lines in scope are pooled.
    """

    scope: Scope = EVERYTHING
    nth: int = 2
    rate_bp: int = 5_000
    per_sku: bool = True
    exclusive_group: str | None = "item"


@dataclass(frozen=True, kw_only=True)
class BuyNGetM(Rule):
    """买N送M: units in scope are pooled; for every ``buy + free`` units the cheapest ``free`` are free."""

    scope: Scope = EVERYTHING
    buy: int
    free: int = 1
    exclusive_group: str | None = "item"


@dataclass(frozen=True, kw_only=True)
class Bundle(Rule):
    """组合套餐: each full set of ``components`` ((sku id, units), ...) costs ``price`` together."""

    components: tuple[tuple[int, int], ...]
    price: int
    exclusive_group: str | None = "item"


# ---- stage 3: order level ------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Gift:
    """赠品: a SKU given at 0, as far as ``stock_available`` (gift stock) goes."""

    sku_id: int
    product_id: int
    list_price: int
    quantity: int = 1
    stock_available: int = 0
    cost: int = 0
    name: str = ""


@dataclass(frozen=True, kw_only=True)
class Tier:
    """One step of a tiered promotion: reached when the basis is at least ``threshold``."""

    threshold: int
    reduce: int = 0  # 满减: fen off
    rate_bp: int = FULL_RATE  # 满折: pay this share
    gifts: tuple[Gift, ...] = ()  # 满送


@dataclass(frozen=True, kw_only=True)
class TieredPromotion(Rule):
    """满减/满折/满送 by amount or quantity; the highest reached tier applies.

    ``repeat`` (上不封顶) multiplies the reached tier's reduction and gifts by how many times
    its threshold fits ("每满300减50"); rates never repeat.
    """

    scope: Scope = EVERYTHING
    basis: Basis = Basis.AMOUNT
    tiers: tuple[Tier, ...]
    repeat: bool = False


@dataclass(frozen=True, kw_only=True)
class AddOnOffer(Rule):
    """加价购: once the lines in ``scope`` reach ``threshold``, up to ``max_quantity`` of a SKU at ``price``.

    The add-on line counts towards no threshold and, by default, takes no other discount.
    """

    scope: Scope = EVERYTHING
    basis: Basis = Basis.AMOUNT
    threshold: int
    sku_id: int
    product_id: int
    list_price: int
    price: int
    max_quantity: int = 1
    cost: int = 0
    name: str = ""
    stacks_with: frozenset[Stage] = NO_STAGES


@dataclass(frozen=True, kw_only=True)
class FreeShipping(Rule):
    """满X包邮: shipping is free once the lines in scope reach ``threshold`` (after order promotions).

    It discounts no line, so ``stacks_with`` and ``exclusive_group`` do not apply: every paid line
    in scope counts, and the first rule reached (merchant's threshold, then by priority) waives the fee.
    """

    scope: Scope = EVERYTHING
    basis: Basis = Basis.AMOUNT
    threshold: int


PriceRule = LimitedTimeDiscount | MemberPrice
QuantityRule = NthItemDiscount | BuyNGetM | Bundle
Promotion = (
    ActivityPrice
    | LimitedTimeDiscount
    | MemberPrice
    | NthItemDiscount
    | BuyNGetM
    | Bundle
    | TieredPromotion
    | AddOnOffer
    | FreeShipping
)


# ---- coupons, points, shipping, floor -------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Coupon:
    """A coupon the customer holds.

    Compatibility: ``stack_group`` defaults to "shipping" for shipping coupons and "goods" for the
    rest. ``stacks_with_groups=None`` means "any group but my own"; a set names the groups allowed
    (list your own group to allow two of a kind). Two coupons combine only if each allows the other.
    ``stacks_with`` lists the promotion stages whose discounts may share a line with this coupon.
    """

    id: str
    kind: CouponKind
    amount: int = 0
    rate_bp: int = FULL_RATE
    max_discount: int | None = None
    threshold: int = 0  # fen of eligible goods (after order promotions) needed to use it
    scope: Scope = EVERYTHING
    audience: Audience = ANYONE
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    stack_group: str | None = None
    stacks_with_groups: frozenset[str] | None = None
    stacks_with: frozenset[Stage] = ALL_STAGES
    title: str = ""

    @property
    def group(self) -> str:
        if self.stack_group is not None:
            return self.stack_group
        return "shipping" if self.kind is CouponKind.SHIPPING else "goods"

    @property
    def is_shipping(self) -> bool:
        return self.kind is CouponKind.SHIPPING

    def allows(self, other: Coupon) -> bool:
        if self.stacks_with_groups is None:
            return other.group != self.group
        return other.group in self.stacks_with_groups


def coupons_combine(a: Coupon, b: Coupon) -> bool:
    """Whether two coupons may be used on one order (each must allow the other)."""
    return a.allows(b) and b.allows(a)


@dataclass(frozen=True, kw_only=True)
class CouponLimits:
    """Per-order limits, e.g. at most one goods coupon and one shipping coupon."""

    max_goods: int = 1
    max_shipping: int = 1
    max_total: int | None = None


@dataclass(frozen=True, kw_only=True)
class PointsPolicy:
    """积分抵扣: ``points_per_yuan`` points buy ¥1; at most ``max_share_bp`` of the goods payable.

    ``step_fen`` rounds the deduction down to a multiple (100 = whole yuan only).
    """

    points_per_yuan: int = 100
    max_share_bp: int = 5_000
    step_fen: int = 1


@dataclass(frozen=True, kw_only=True)
class ShippingPolicy:
    """The merchant's fee per order and its own free-shipping threshold (None = no threshold).

    With ``freight`` (freight templates, ``siyu.freight.calc``) the fee comes from the templates of
    the lines' products and the address's region instead; ``fee`` and ``free_threshold`` are then
    unused (the plan carries the flat fee for products without a template).
    """

    fee: int = 0
    free_threshold: int | None = None
    pickup: bool = False
    freight: FreightPlan | None = None


@dataclass(frozen=True, kw_only=True)
class FloorPolicy:
    """Merchant-wide minimum price: at least ``min_cost_bp`` of cost and ``min_list_bp`` of list price.

    A line's ``floor_unit_price`` replaces both for that SKU. ``None`` means no such rule.
    """

    min_cost_bp: int | None = None
    min_list_bp: int | None = None


@dataclass(frozen=True, kw_only=True)
class PricingRequest:
    """Everything one pricing needs. ``coupon_ids=None`` lets the engine choose the best coupons;
    a tuple applies exactly those (invalid ones are reported and skipped). ``add_ons`` maps an
    add-on offer's id to the quantity the customer picked."""

    lines: tuple[CartLine, ...]
    now: datetime
    customer: CustomerContext = field(default_factory=CustomerContext)
    promotions: tuple[Promotion, ...] = ()
    coupons: tuple[Coupon, ...] = ()
    coupon_ids: tuple[str, ...] | None = None
    coupon_limits: CouponLimits = field(default_factory=CouponLimits)
    add_ons: Mapping[str, int] = field(default_factory=dict)
    use_points: bool = False
    points: PointsPolicy = field(default_factory=PointsPolicy)
    shipping: ShippingPolicy = field(default_factory=ShippingPolicy)
    floor: FloorPolicy = field(default_factory=FloorPolicy)
