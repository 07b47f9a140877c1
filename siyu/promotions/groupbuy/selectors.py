"""Reads of group buys: what the shop shows, team pages, and the staff's numbers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import BigIntegerField, Count, F, Prefetch, QuerySet, Sum
from django.db.models.functions import Cast, Coalesce

from siyu.orders.models import OrderLine
from siyu.promotions.groupbuy.models import (
    ActivityStatus,
    GroupBuy,
    GroupBuySku,
    MemberStatus,
    Team,
    TeamMember,
    TeamStatus,
)
from siyu.promotions.groupbuy.services.teams import KIND


def group_buys(merchant_id: int) -> QuerySet[GroupBuy]:
    return GroupBuy.objects.for_merchant(merchant_id).prefetch_related(
        Prefetch("skus", queryset=GroupBuySku.objects.select_related("sku__product").order_by("sku_id"))
    )


def live_group_buys(merchant_id: int, now: datetime) -> QuerySet[GroupBuy]:
    """Group buys a customer can open or join a team of right now, ending soonest first."""
    return (
        group_buys(merchant_id)
        .filter(status=ActivityStatus.ACTIVE, starts_at__lte=now, ends_at__gt=now)
        .order_by("ends_at", "pk")
    )


def teams(merchant_id: int) -> QuerySet[Team]:
    return (
        Team.objects.for_merchant(merchant_id)
        .select_related("leader")
        .prefetch_related(
            Prefetch("members", queryset=TeamMember.objects.select_related("customer").order_by("pk"))
        )
    )


def joinable_teams(group_buy: GroupBuy, now: datetime, *, limit: int = 10) -> list[Team]:
    """Teams others can join now, the closest to forming first (the "join a team" list)."""
    rows = (
        teams(group_buy.merchant_id)
        .filter(group_buy=group_buy, status=TeamStatus.FORMING, expires_at__gt=now, seats_taken__lt=F("size"))
        .annotate(left=F("size") - F("seats_taken"))
        .order_by("left", "expires_at", "pk")
    )
    return list(rows[:limit])


def customer_memberships(merchant_id: int, customer_id: int) -> QuerySet[TeamMember]:
    return (
        TeamMember.objects.filter(merchant_id=merchant_id, customer_id=customer_id)
        .select_related("team__leader")
        .order_by("-pk")
    )


def activity_sales(merchant_id: int, kind: str, activity_ids: Iterable[int] | QuerySet) -> dict[str, int]:
    """What the activity lines of paid orders brought: orders, GMV (paid less refunded), and the
    discount given on the units that were kept (each line's discount, pro rata to units not refunded)."""
    lines = OrderLine.objects.filter(
        merchant_id=merchant_id,
        activity_kind=kind,
        activity_id__in=activity_ids,
        order__paid_at__isnull=False,
    )
    big = BigIntegerField()
    totals = lines.aggregate(
        orders=Count("order_id", distinct=True),
        paid=Coalesce(Sum(Cast("paid_amount", big)), 0),
        refunded=Coalesce(Sum(Cast("refunded_amount", big)), 0),
        discount=Coalesce(
            Sum(
                Cast("discount_amount", big)
                * (Cast("quantity", big) - Cast("refunded_quantity", big))
                / Cast("quantity", big)
            ),
            0,
        ),
    )
    return {
        "orders": totals["orders"],
        "gmv": totals["paid"] - totals["refunded"],
        "discount_cost": totals["discount"],
    }


def group_buy_stats(group_buy: GroupBuy) -> dict[str, Any]:
    """Participants, teams by outcome, orders, GMV and discount cost of one group buy."""
    team_rows = Team.objects.filter(group_buy=group_buy)
    by_status = dict(team_rows.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    members = TeamMember.objects.filter(team__group_buy=group_buy)
    virtual = team_rows.aggregate(v=Coalesce(Sum("virtual_members"), 0))["v"]
    return {
        "group_buy_id": group_buy.pk,
        "participants": members.filter(paid_at__isnull=False).values("customer_id").distinct().count(),
        "members_paid": members.filter(paid_at__isnull=False).count(),
        "members_refunded": members.filter(status=MemberStatus.REFUNDED).count(),
        "teams_opened": sum(by_status.values()),
        "teams_forming": by_status.get(TeamStatus.OPENING, 0) + by_status.get(TeamStatus.FORMING, 0),
        "teams_formed": by_status.get(TeamStatus.FORMED, 0),
        "teams_failed": by_status.get(TeamStatus.FAILED, 0),
        "virtual_members": virtual,
        **activity_sales(group_buy.merchant_id, KIND, team_rows.values("pk")),
    }
