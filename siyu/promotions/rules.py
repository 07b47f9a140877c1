"""Turn stored promotions and coupons into the engine's rules, and validate them on the way in.

``promotion_rule(row)`` and ``coupon_rule(coupon)`` are the only places that know both the JSON
a row stores and the engine's dataclasses. Staff input is checked by building the rule: a config
the engine would refuse is refused at save time with the field that is wrong.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from siyu.core.errors import InvalidInput
from siyu.promotions import engine as e
from siyu.promotions.engine.types import Stage
from siyu.promotions.models import Coupon, CouponTemplate, GiftStock, Promotion, PromotionKind

MAX_FEN = 10**9
STAGES = {s.value for s in (Stage.ACTIVITY, Stage.ITEM, Stage.ORDER, Stage.COUPON)}


class _Reader:
    """Reads one JSON object with typed, bounded getters; the first problem raises InvalidInput."""

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, Mapping):
            raise InvalidInput(detail={where: "must be an object"})
        self.data = data
        self.where = where

    def fail(self, key: str, problem: str) -> InvalidInput:
        return InvalidInput(detail={f"{self.where}.{key}": problem})

    def integer(self, key: str, *, default: int | None = None, lo: int = 0, hi: int = MAX_FEN) -> int:
        value = self.data.get(key, default)
        if value is None or isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, "an integer is required")
        if not lo <= value <= hi:
            raise self.fail(key, f"must be between {lo} and {hi}")
        return value

    def opt_int(self, key: str, *, lo: int = 0, hi: int = MAX_FEN) -> int | None:
        return None if self.data.get(key) is None else self.integer(key, lo=lo, hi=hi)

    def bool(self, key: str, default: bool = False) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(key, "true or false")
        return value

    def ids(self, key: str) -> frozenset[int]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in value
        ):
            raise self.fail(key, "a list of ids")
        if len(value) > 1000:
            raise self.fail(key, "at most 1000 ids")
        return frozenset(value)

    def strings(self, key: str) -> frozenset[str]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and 0 < len(v) <= 32 for v in value):
            raise self.fail(key, "a list of short strings")
        return frozenset(value)

    def choice(self, key: str, options: Iterable[str], default: str) -> str:
        value = self.data.get(key, default)
        allowed = sorted(options)
        if value not in allowed:
            raise self.fail(key, f"one of {allowed}")
        return value

    def items(self, key: str, *, lo: int = 0, hi: int = 20) -> list[Any]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not lo <= len(value) <= hi:
            raise self.fail(key, f"a list of {lo} to {hi} items")
        return value


def scope_of(data: Any) -> e.Scope:
    r = _Reader(data or {}, "scope")
    unknown = set(r.data) - {
        "sku_ids",
        "product_ids",
        "category_ids",
        "roles",
        "exclude_sku_ids",
        "exclude_product_ids",
        "exclude_roles",
    }
    if unknown:
        raise r.fail(sorted(unknown)[0], "unknown field")
    return e.Scope(
        sku_ids=r.ids("sku_ids"),
        product_ids=r.ids("product_ids"),
        category_ids=r.ids("category_ids"),
        roles=r.strings("roles"),
        exclude_sku_ids=r.ids("exclude_sku_ids"),
        exclude_product_ids=r.ids("exclude_product_ids"),
        exclude_roles=r.strings("exclude_roles"),
    )


def audience_of(data: Any) -> e.Audience:
    r = _Reader(data or {}, "audience")
    audience = e.Audience(
        tiers=r.strings("tiers"),
        new_customers_only=r.bool("new_customers_only"),
        returning_only=r.bool("returning_only"),
        segments=r.strings("segments"),
        tags=r.strings("tags"),
    )
    if audience.new_customers_only and audience.returning_only:
        raise r.fail("returning_only", "cannot be combined with new_customers_only")
    return audience


def _stages(value: Any, where: str) -> frozenset[Stage] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not set(value) <= STAGES:
        raise InvalidInput(detail={where: f"a list of stages from {sorted(STAGES)}"})
    return frozenset(Stage(v) for v in value)


def _gifts(tier: _Reader, gift_stock: Mapping[int, GiftStock], skus: Mapping[int, Any]) -> tuple[e.Gift, ...]:
    gifts = []
    for raw in tier.items("gifts", hi=5):
        g = _Reader(raw, f"{tier.where}.gifts")
        sku_id = g.integer("sku_id", lo=1, hi=2**62)
        sku = skus.get(sku_id)
        if sku is None:
            raise g.fail("sku_id", "not a SKU of this merchant")
        stock = gift_stock.get(sku_id)
        gifts.append(
            e.Gift(
                sku_id=sku_id,
                product_id=sku.product_id,
                list_price=sku.price,
                quantity=g.integer("quantity", default=1, lo=1, hi=100),
                stock_available=stock.remaining if stock else 0,
                cost=sku.cost,
                name=sku.product.name,
            )
        )
    return tuple(gifts)


def promotion_rule(
    row: Promotion,
    *,
    gift_stock: Mapping[int, GiftStock] | None = None,
    skus: Mapping[int, Any] | None = None,
) -> e.Promotion:
    """The engine rule for a stored promotion. ``skus`` maps SKU ids the rule names (gifts, add-ons)."""
    c = _Reader(row.config, "config")
    common: dict[str, Any] = {
        "id": row.rule_id,
        "title": row.title,
        "priority": row.priority,
        "audience": audience_of(row.audience),
        "starts_at": row.starts_at,
        "ends_at": row.ends_at,
    }
    stacks = _stages(row.stacks_with, "stacks_with")
    if stacks is not None:
        common["stacks_with"] = stacks
    if row.exclusive_group is not None:
        common["exclusive_group"] = row.exclusive_group or None
    skus = skus or {}
    kind = row.kind
    rule: e.Promotion
    if kind == PromotionKind.LIMITED_TIME_DISCOUNT:
        rate, fixed = c.opt_int("rate_bp", lo=1, hi=9_999), c.opt_int("fixed_price")
        if (rate is None) == (fixed is None):
            raise c.fail("rate_bp", "give exactly one of rate_bp and fixed_price")
        rule = e.LimitedTimeDiscount(
            **common,
            scope=scope_of(row.scope),
            rate_bp=rate,
            fixed_price=fixed,
            per_customer_limit=c.opt_int("per_customer_limit", lo=1, hi=10_000),
        )
    elif kind == PromotionKind.MEMBER_PRICE:
        tiers = _Reader(c.data.get("tier_rate_bp", {}), "config.tier_rate_bp")
        rule = e.MemberPrice(
            **common,
            scope=scope_of(row.scope),
            tier_rate_bp={str(t): tiers.integer(str(t), lo=1, hi=10_000) for t in tiers.data},
        )
    elif kind == PromotionKind.NTH_ITEM:
        rule = e.NthItemDiscount(
            **common,
            scope=scope_of(row.scope),
            nth=c.integer("nth", default=2, lo=2, hi=10),
            rate_bp=c.integer("rate_bp", default=5_000, lo=0, hi=9_999),
            per_sku=c.bool("per_sku", True),
        )
    elif kind == PromotionKind.BUY_N_GET_M:
        rule = e.BuyNGetM(
            **common,
            scope=scope_of(row.scope),
            buy=c.integer("buy", lo=1, hi=20),
            free=c.integer("free", default=1, lo=1, hi=20),
        )
    elif kind == PromotionKind.BUNDLE:
        components = []
        for raw in c.items("components", lo=2, hi=10):
            part = _Reader(raw, "config.components")
            components.append(
                (part.integer("sku_id", lo=1, hi=2**62), part.integer("units", default=1, lo=1, hi=20))
            )
        rule = e.Bundle(**common, components=tuple(components), price=c.integer("price", lo=1))
    elif kind == PromotionKind.TIERED:
        tiers_out = []
        for raw in c.items("tiers", lo=1, hi=10):
            t = _Reader(raw, "config.tiers")
            tiers_out.append(
                e.Tier(
                    threshold=t.integer("threshold", lo=1),
                    reduce=t.integer("reduce", default=0),
                    rate_bp=t.integer("rate_bp", default=10_000, lo=1, hi=10_000),
                    gifts=_gifts(t, gift_stock or {}, skus),
                )
            )
        rule = e.TieredPromotion(
            **common,
            scope=scope_of(row.scope),
            basis=e.Basis(c.choice("basis", {"amount", "quantity"}, "amount")),
            tiers=tuple(tiers_out),
            repeat=c.bool("repeat"),
        )
    elif kind == PromotionKind.ADD_ON:
        sku_id = c.integer("sku_id", lo=1, hi=2**62)
        sku = skus.get(sku_id)
        if sku is None:
            raise c.fail("sku_id", "not a SKU of this merchant")
        rule = e.AddOnOffer(
            **common,
            scope=scope_of(row.scope),
            basis=e.Basis(c.choice("basis", {"amount", "quantity"}, "amount")),
            threshold=c.integer("threshold", lo=1),
            sku_id=sku_id,
            product_id=sku.product_id,
            list_price=sku.price,
            price=c.integer("price", lo=0),
            max_quantity=c.integer("max_quantity", default=1, lo=1, hi=10),
            cost=sku.cost,
            name=sku.product.name,
        )
    elif kind == PromotionKind.FREE_SHIPPING:
        rule = e.FreeShipping(
            **common,
            scope=scope_of(row.scope),
            basis=e.Basis(c.choice("basis", {"amount", "quantity"}, "amount")),
            threshold=c.integer("threshold", lo=1),
        )
    else:
        raise InvalidInput(detail={"kind": kind})
    return rule


def referenced_sku_ids(row: Promotion) -> set[int]:
    """SKU ids a promotion's config names (gifts, add-on item, bundle parts), for loading."""
    config = row.config if isinstance(row.config, Mapping) else {}
    ids: set[int] = set()
    if isinstance(config.get("sku_id"), int):
        ids.add(config["sku_id"])
    for tier in config.get("tiers", []) if isinstance(config.get("tiers"), list) else []:
        for gift in (
            tier.get("gifts", []) if isinstance(tier, Mapping) and isinstance(tier.get("gifts"), list) else []
        ):
            if isinstance(gift, Mapping) and isinstance(gift.get("sku_id"), int):
                ids.add(gift["sku_id"])
    for part in config.get("components", []) if isinstance(config.get("components"), list) else []:
        if isinstance(part, Mapping) and isinstance(part.get("sku_id"), int):
            ids.add(part["sku_id"])
    return ids


def template_coupon_fields(template: CouponTemplate) -> dict[str, Any]:
    """The engine coupon's fields that come from the template (validated when staff save it)."""
    stacks = _stages(template.stacks_with_stages or None, "stacks_with_stages")
    groups = template.stacks_with_groups
    if groups is not None and (not isinstance(groups, list) or not all(isinstance(g, str) for g in groups)):
        raise InvalidInput(detail={"stacks_with_groups": "a list of group names"})
    fields: dict[str, Any] = {
        "kind": e.CouponKind(template.kind),
        "amount": template.amount,
        "rate_bp": template.rate_bp,
        "max_discount": template.max_discount,
        "threshold": template.threshold,
        "scope": scope_of(template.scope),
        "audience": e.Audience(new_customers_only=template.new_customers_only),
        "stack_group": template.stack_group or None,
        "stacks_with_groups": frozenset(groups) if groups is not None else None,
        "title": template.title,
    }
    if stacks is not None:
        fields["stacks_with"] = stacks
    return fields


def coupon_rule(coupon: Coupon) -> e.Coupon:
    return e.Coupon(
        id=f"coupon:{coupon.pk}",
        valid_from=coupon.valid_from,
        valid_until=coupon.valid_until,
        **template_coupon_fields(coupon.template),
    )
