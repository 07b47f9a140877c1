"""Drawing prizes: lottery chances earned by paying, blind boxes drawn when their order is paid,
prizes given back when the order is refunded, and the audit that recomputes a draw.

A draw locks its campaign's prizes (in id order, so concurrent draws queue instead of deadlocking),
reads which are in stock, picks from the seed ``HMAC(secret, "draw:<id>")`` and takes one unit of
the prize's stock; the seed, the pool it saw and the roll are stored on the draw. Locks are taken
order -> draw -> prizes on every path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from siyu.core.errors import InvalidTransition
from siyu.members.models import Customer
from siyu.promotions.campaigns.drawing import FULL_BP, Pool, PoolEntry, derive_seed, pick
from siyu.promotions.campaigns.errors import CampaignNotRunning, DrawUnavailable
from siyu.promotions.campaigns.models import (
    Draw,
    DrawCampaign,
    DrawKind,
    DrawStatus,
    Prize,
    PrizeKind,
    RewardSource,
)
from siyu.promotions.campaigns.services.rewards import cancel_reward, grant_reward
from siyu.promotions.kit.models import ActivityStatus
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import require

SOURCE = {DrawKind.PAY_LOTTERY: RewardSource.LOTTERY, DrawKind.BLIND_BOX: RewardSource.BLIND_BOX}


def draw_key(draw: Draw) -> str:
    return f"draw:{draw.pk}"


def _pool(campaign: DrawCampaign, prizes: list[Prize]) -> Pool:
    weights = sum(p.weight_bp for p in prizes)
    miss = FULL_BP - weights if campaign.kind == DrawKind.PAY_LOTTERY else 0
    return Pool(
        entries=tuple(PoolEntry(p.pk, p.weight_bp, p.stock_left is None or p.stock_left > 0) for p in prizes),
        miss_bp=max(miss, 0),
    )


def run_draw(draw: Draw, campaign: DrawCampaign) -> Draw:
    """Draw one pending chance or box. Call inside a transaction that holds the draw (or its order)."""
    prizes = list(Prize.objects.select_for_update().filter(campaign=campaign).order_by("pk"))
    pool = _pool(campaign, prizes)
    seed = derive_seed(campaign.secret, draw_key(draw))
    outcome = pick(seed, pool)
    prize = next((p for p in prizes if p.pk == outcome.prize_id), None)
    if prize is not None and prize.stock_left is not None:
        taken = Prize.objects.filter(pk=prize.pk, stock_left__gte=1).update(stock_left=F("stock_left") - 1)
        assert taken == 1, "the pool is locked: a prize seen in stock is in stock"
    Draw.machine.advance(
        draw,
        DrawStatus.DRAWN,
        stamp="drawn_at",
        seed=seed,
        pool=pool.as_json(),
        roll=f"{outcome.roll}/{outcome.total}",
        prize=prize,
    )
    if prize is not None and prize.kind in (PrizeKind.COUPON, PrizeKind.POINTS):
        grant_reward(
            customer=draw.customer,
            source=SOURCE[DrawKind(campaign.kind)],
            source_id=draw.pk,
            kind=prize.kind,
            amount=prize.value,
            coupon_template_id=prize.coupon_template_id,
        )
    return draw


def return_draw(draw: Draw, campaign: DrawCampaign) -> None:
    """The drawn prize goes back into the pool (its order was refunded); an unissued reward is withdrawn."""
    Draw.machine.advance(draw, DrawStatus.RETURNED)
    if draw.prize_id is not None:
        Prize.objects.filter(pk=draw.prize_id, stock_total__isnull=False).update(
            stock_left=F("stock_left") + 1
        )
        cancel_reward(source=SOURCE[DrawKind(campaign.kind)], source_id=draw.pk)


# ---- pay-and-draw lottery ----------------------------------------------------------------------


def grant_chances(*, order, now: datetime | None = None) -> list[Draw]:
    """One chance per running lottery whose threshold the paid order reaches (once per order)."""
    now = now or timezone.now()
    campaigns = DrawCampaign.objects.for_merchant(order.merchant_id).filter(
        kind=DrawKind.PAY_LOTTERY,
        status=ActivityStatus.ACTIVE,
        starts_at__lte=now,
        ends_at__gt=now,
        min_order_amount__lte=order.paid_amount,
    )
    granted = []
    for campaign in campaigns:
        draw, created = Draw.objects.get_or_create(
            campaign=campaign,
            order=order,
            unit=1,
            defaults={
                "merchant_id": order.merchant_id,
                "customer_id": order.customer_id,
                "expires_at": now + timedelta(days=campaign.chance_days),
            },
        )
        if created:
            granted.append(draw)
    return granted


@transaction.atomic
def draw_lottery(*, customer: Customer, draw_id: int, now: datetime | None = None) -> Draw:
    """The customer uses a chance. A paused lottery holds draws; an ended one still honours them."""
    now = now or timezone.now()
    draw = (
        Draw.objects.for_merchant(customer.merchant_id)
        .select_for_update(of=("self",))
        .filter(customer=customer, campaign__kind=DrawKind.PAY_LOTTERY)
        .get_owned(draw_id)
    )
    if draw.status != DrawStatus.PENDING or (draw.expires_at is not None and draw.expires_at <= now):
        raise DrawUnavailable(detail={"status": draw.status})
    campaign = DrawCampaign.objects.get(pk=draw.campaign_id)
    if campaign.status == ActivityStatus.PAUSED:
        raise CampaignNotRunning(detail={"campaign_id": campaign.pk, "status": campaign.status})
    return run_draw(draw, campaign)


def void_lapsed_chances(*, now: datetime | None = None, batch: int = 1000) -> int:
    """Chances not used within their days are void."""
    now = now or timezone.now()
    ids = list(
        Draw.objects.filter(status=DrawStatus.PENDING, expires_at__lte=now).values_list("pk", flat=True)[
            :batch
        ]
    )
    return Draw.objects.filter(pk__in=ids, status=DrawStatus.PENDING).update(status=DrawStatus.VOID)


# ---- order lifecycle (called by the order hooks) -------------------------------------------------


def _order_draws(order, *, status: str) -> list[Draw]:
    return list(
        Draw.objects.select_for_update(of=("self",))
        .filter(merchant_id=order.merchant_id, order=order, status=status)
        .select_related("campaign", "customer")
        .order_by("campaign_id", "unit")
    )


def draw_boxes(order) -> list[Draw]:
    """The order is paid: draw a prize for every box in it, whatever the campaign's status now."""
    drawn = []
    for draw in _order_draws(order, status=DrawStatus.PENDING):
        if draw.campaign.kind == DrawKind.BLIND_BOX:
            drawn.append(run_draw(draw, draw.campaign))
    return drawn


def void_order_draws(order) -> int:
    """The unpaid order was cancelled: its boxes go back on sale and no prize is drawn."""
    released: dict[int, int] = {}
    voided = 0
    for draw in _order_draws(order, status=DrawStatus.PENDING):
        Draw.machine.advance(draw, DrawStatus.VOID)
        voided += 1
        if draw.campaign.kind == DrawKind.BLIND_BOX:
            released[draw.campaign_id] = released.get(draw.campaign_id, 0) + 1
    for campaign_id, boxes in sorted(released.items()):
        DrawCampaign.objects.filter(pk=campaign_id).update(boxes_taken=F("boxes_taken") - boxes)
    return voided


def close_order_draws(order) -> int:
    """The paid order was refunded in full: boxes and their prizes go back, an unused lottery
    chance is void, a drawn lottery prize goes back and its unissued reward is withdrawn."""
    void_order_draws(order)
    released: dict[int, int] = {}
    returned = 0
    for draw in _order_draws(order, status=DrawStatus.DRAWN):
        return_draw(draw, draw.campaign)
        returned += 1
        if draw.campaign.kind == DrawKind.BLIND_BOX:
            released[draw.campaign_id] = released.get(draw.campaign_id, 0) + 1
    for campaign_id, boxes in sorted(released.items()):
        DrawCampaign.objects.filter(pk=campaign_id).update(boxes_taken=F("boxes_taken") - boxes)
    return returned


# ---- audit -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DrawAudit:
    draw_id: int
    seed_matches: bool  # the stored seed is HMAC(campaign secret, "draw:<id>")
    recorded_prize_id: int | None
    recomputed_prize_id: int | None
    roll: str
    recomputed_roll: str

    @property
    def ok(self) -> bool:
        return (
            self.seed_matches
            and self.recorded_prize_id == self.recomputed_prize_id
            and self.roll == self.recomputed_roll
        )


def audit(draw: Draw, campaign: DrawCampaign) -> DrawAudit:
    """Recompute a draw from its recorded seed and pool: the same prize must come out."""
    if draw.status not in (DrawStatus.DRAWN, DrawStatus.RETURNED):
        raise InvalidTransition(detail={"status": draw.status, "to": "audit"})
    outcome = pick(draw.seed, Pool.from_json(draw.pool))
    return DrawAudit(
        draw_id=draw.pk,
        seed_matches=draw.seed == derive_seed(campaign.secret, draw_key(draw)),
        recorded_prize_id=draw.prize_id,
        recomputed_prize_id=outcome.prize_id,
        roll=draw.roll,
        recomputed_roll=f"{outcome.roll}/{outcome.total}",
    )


def audit_draw(*, staff: Staff, draw_id: int) -> DrawAudit:
    require(staff, Perm.PROMOTIONS_VIEW)
    draw = Draw.objects.for_merchant(staff.merchant_id).get_owned(draw_id)
    return audit(draw, DrawCampaign.objects.get(pk=draw.campaign_id))


@dataclass(frozen=True)
class StockAudit:
    prize_id: int
    stock_total: int | None
    stock_left: int | None
    held: int  # drawn and not returned

    @property
    def ok(self) -> bool:
        return self.stock_total is None or self.stock_total - (self.stock_left or 0) == self.held


def audit_stock(campaign: DrawCampaign) -> list[StockAudit]:
    """Every unit missing from a prize's stock is held by exactly one drawn (not returned) draw."""
    held: dict[int, int] = {}
    for prize_id in Draw.objects.filter(campaign=campaign, status=DrawStatus.DRAWN).values_list(
        "prize_id", flat=True
    ):
        if prize_id is not None:
            held[prize_id] = held.get(prize_id, 0) + 1
    return [
        StockAudit(p.pk, p.stock_total, p.stock_left, held.get(p.pk, 0))
        for p in Prize.objects.filter(campaign=campaign).order_by("pk")
    ]
