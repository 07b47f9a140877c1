"""The membership programme as pricing reads it: tier benefits as engine rules, the points policy.

``siyu.promotions.pricing`` loads a ``Program`` with the promotions in force and adds its rules:
a tier's discount is a ``MemberPrice`` rate keyed by the tier's code (so it competes with the
merchant's own member-price and limited-time promotions for the line: the better one wins), and
free shipping is a ``FreeShipping`` rule with no threshold whose audience is the tiers that have it.
Everything pricing needs is worked out here, once, when the programme is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass

from siyu.members.loyalty.models import FULL_RATE, LoyaltySettings, MemberTier
from siyu.promotions import engine as e

TIER_PRICE_RULE = "loyalty:tier_price"
TIER_SHIPPING_RULE = "loyalty:tier_shipping"


@dataclass(frozen=True)
class Program:
    """A merchant's membership programme as pricing needs it."""

    rules: tuple[e.Promotion, ...]  # tier discount and free shipping, keyed by the tier's code
    points: e.PointsPolicy  # 积分抵扣
    entry_tier: str | None  # the tier of a customer with no membership row yet


def load_program(merchant_id: int) -> Program | None:
    """The programme in force, or None (one query when there is none)."""
    settings = LoyaltySettings.objects.for_merchant(merchant_id).filter(enabled=True).first()
    if settings is None:
        return None
    tiers = list(MemberTier.objects.for_merchant(merchant_id).order_by("rank"))
    return Program(rules=_tier_rules(tiers), points=_points_policy(settings), entry_tier=_entry_tier(tiers))


def _entry_tier(tiers: list[MemberTier]) -> str | None:
    """The tier that growth 0 reaches."""
    reached = [t for t in tiers if t.growth_threshold == 0]
    return reached[-1].code if reached else None


def _title(tiers: list[MemberTier]) -> str:
    return "/".join(t.name for t in tiers)[:60]


def _tier_rules(tiers: list[MemberTier]) -> tuple[e.Promotion, ...]:
    rules: list[e.Promotion] = []
    discounted = [t for t in tiers if t.discount_bp < FULL_RATE]
    if discounted:
        rules.append(
            e.MemberPrice(
                id=TIER_PRICE_RULE,
                title=_title(discounted),
                tier_rate_bp={t.code: t.discount_bp for t in discounted},
            )
        )
    free = [t for t in tiers if t.free_shipping]
    if free:
        rules.append(
            e.FreeShipping(
                id=TIER_SHIPPING_RULE,
                title=_title(free),
                threshold=0,
                audience=e.Audience(tiers=frozenset(t.code for t in free)),
            )
        )
    return tuple(rules)


def _points_policy(settings: LoyaltySettings) -> e.PointsPolicy:
    """积分抵扣 as the engine reads it: how many points pay ¥1, the most share, the step."""
    return e.PointsPolicy(
        points_per_yuan=settings.redeem_points_per_yuan,
        max_share_bp=settings.redeem_max_share_bp,
        step_fen=settings.redeem_step_fen,
    )
