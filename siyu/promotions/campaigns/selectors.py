"""Reads of the campaign playbooks: stats per campaign and the lists the shop shows.

Stats are what the campaign's rows say: participants, their paid orders during the campaign and
the GMV of those orders, and what the rewards cost. A participant's orders are correlated with the
campaign, not caused by it (docs/playbooks-campaigns.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Sum
from django.utils.translation import gettext_lazy as _

from siyu.orders.models import Order, OrderLine
from siyu.promotions.campaigns.models import (
    AssistCampaign,
    AssistHelp,
    AssistRecord,
    Draw,
    DrawCampaign,
    DrawKind,
    DrawStatus,
    Prize,
    PrizeKind,
    SplitCampaign,
    SplitMember,
    SplitTeam,
)
from siyu.promotions.campaigns.services.draws import audit_stock
from siyu.promotions.kit.models import ActivityStatus
from siyu.promotions.kit.stats import ActivityStats, Figure

PAID = ["paid", "shipped", "delivered", "completed"]


def _by_status(qs, statuses) -> dict[str, int]:
    counts = dict(qs.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    return {s: counts.get(s, 0) for s in statuses}


def _orders_of(merchant_id: int, customer_ids, campaign) -> tuple[Figure, ...]:
    row = Order.objects.filter(
        merchant_id=merchant_id,
        customer_id__in=customer_ids,
        status__in=PAID,
        paid_at__gte=campaign.starts_at,
        paid_at__lt=campaign.ends_at,
    ).aggregate(orders=Count("pk"), gmv=Sum("paid_amount"))
    return (
        Figure("orders", _("Paid orders"), row["orders"]),
        Figure("gmv", _("GMV"), row["gmv"] or 0, money=True),
    )


def _rewards(given: int, kind: str, cost: int) -> tuple[Figure, ...]:
    return (
        Figure("rewards", _("Rewards given"), given),
        Figure("reward_kind", _("Reward"), kind),
        Figure("reward_cost", _("Reward cost (fen or points)"), cost),
    )


def assist_stats(campaign: AssistCampaign) -> ActivityStats:
    records = AssistRecord.objects.filter(campaign=campaign)
    initiators = records.values("initiator_id")
    helpers = AssistHelp.objects.filter(record__campaign=campaign).values("helper_id")
    people = set(initiators.values_list("initiator_id", flat=True)) | set(
        helpers.values_list("helper_id", flat=True)
    )
    statuses = _by_status(records, ["ongoing", "unlocked", "expired"])
    unlocked = statuses["unlocked"]
    return ActivityStats(
        "assist_id",
        campaign.pk,
        (
            Figure("participants", _("Participants"), len(people)),
            Figure("initiators", _("Initiators"), records.values("initiator_id").distinct().count()),
            Figure("helpers", _("Helpers"), helpers.distinct().count()),
            Figure("helps", _("Helps"), AssistHelp.objects.filter(record__campaign=campaign).count()),
            Figure("records", _("Records"), statuses),
            *_orders_of(campaign.merchant_id, people, campaign),
            *_rewards(unlocked, campaign.reward_kind, unlocked * campaign.reward_value),
        ),
    )


def split_stats(campaign: SplitCampaign) -> ActivityStats:
    teams = SplitTeam.objects.filter(campaign=campaign)
    members = SplitMember.objects.filter(campaign=campaign)
    people = set(members.values_list("customer_id", flat=True))
    return ActivityStats(
        "split_id",
        campaign.pk,
        (
            Figure("participants", _("Participants"), len(people)),
            Figure("teams", _("Teams"), _by_status(teams, ["forming", "filled", "expired"])),
            *_orders_of(campaign.merchant_id, people, campaign),
            *_rewards(
                members.filter(share__isnull=False).count(),
                campaign.reward_kind,
                members.aggregate(total=Sum("share"))["total"] or 0,
            ),
        ),
    )


def draw_stats(campaign: DrawCampaign) -> ActivityStats:
    """A lottery's or blind box's numbers; the prizes won and the audit of their stock ride along."""
    draws = Draw.objects.filter(campaign=campaign)
    prizes = list(Prize.objects.filter(campaign=campaign).order_by("position", "pk"))
    won = dict(
        draws.filter(status=DrawStatus.DRAWN, prize__isnull=False)
        .values_list("prize_id")
        .annotate(n=Count("pk"))
        .values_list("prize_id", "n")
    )
    cost = {"coupon": 0, "points": 0, "goods": 0}
    for p in prizes:
        n = won.get(p.pk, 0)
        if p.kind == PrizeKind.COUPON:
            cost["coupon"] += n * p.value
        elif p.kind == PrizeKind.POINTS:
            cost["points"] += n * p.value
        elif p.kind == PrizeKind.ITEM:
            cost["goods"] += n * p.value
    order_ids = draws.exclude(status=DrawStatus.VOID).values("order_id")
    paid_orders = Order.objects.filter(pk__in=order_ids, status__in=PAID)
    if campaign.kind == DrawKind.BLIND_BOX:
        lines = OrderLine.objects.filter(
            order__in=paid_orders, activity_kind="blind_box", activity_id=campaign.pk
        ).aggregate(gmv=Sum("paid_amount"), discount=Sum("discount_amount"), units=Sum("quantity"))
        money: tuple[Figure, ...] = (
            Figure("gmv", _("GMV"), lines["gmv"] or 0, money=True),
            Figure("discount_cost", _("Discount cost"), lines["discount"] or 0, money=True),
            Figure("units", _("Units"), lines["units"] or 0),
        )
    else:
        money = (
            Figure(
                "gmv", _("GMV"), paid_orders.aggregate(total=Sum("paid_amount"))["total"] or 0, money=True
            ),
            Figure("discount_cost", _("Discount cost"), 0, money=True),
        )
    participants = draws.exclude(status=DrawStatus.VOID).values("customer_id").distinct().count()
    return ActivityStats(
        "campaign_id",
        campaign.pk,
        (
            Figure("participants", _("Participants"), participants),
            Figure("orders", _("Paid orders"), paid_orders.count()),
            *money,
            Figure("draws", _("Draws"), _by_status(draws, ["pending", "drawn", "void", "returned"])),
            Figure("prize_cost", _("Prize cost (fen; points in points)"), cost),
        ),
        extra={
            "prizes": [
                {"prize_id": p.pk, "name": p.name, "won": won.get(p.pk, 0), "stock_left": p.stock_left}
                for p in prizes
            ],
            "stock_audit": [{**a.__dict__, "ok": a.ok} for a in audit_stock(campaign)],
        },
    )


def blind_boxes_on_skus(
    *, merchant_id: int, sku_ids: list[int], starts_at: datetime, ends_at: datetime
) -> list[dict[str, Any]]:
    """Blind boxes not ended that sell any of ``sku_ids`` in a window overlapping [starts_at, ends_at)."""
    boxes = (
        DrawCampaign.objects.for_merchant(merchant_id)
        .filter(kind=DrawKind.BLIND_BOX, sku_id__in=sku_ids, starts_at__lt=ends_at, ends_at__gt=starts_at)
        .exclude(status=ActivityStatus.ENDED)
    )
    return [{"kind": "blind_box", "id": pk, "sku_id": sku} for pk, sku in boxes.values_list("pk", "sku_id")]
