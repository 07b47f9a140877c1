"""Reads of group buys: what the shop shows, team pages, and the staff's numbers."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, F, Prefetch, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from siyu.core.models import TenantQuerySet
from siyu.promotions.groupbuy.models import (
    GroupBuy,
    GroupBuySku,
    MemberStatus,
    Team,
    TeamMember,
    TeamStatus,
)
from siyu.promotions.groupbuy.services.teams import KIND
from siyu.promotions.kit.models import ActivityStatus
from siyu.promotions.kit.stats import ActivityStats, Figure, sales_figures

LIVE = (ActivityStatus.ACTIVE, ActivityStatus.PAUSED)  # holds its SKUs against other activities


def group_buys(merchant_id: int) -> TenantQuerySet:
    return GroupBuy.objects.for_merchant(merchant_id).prefetch_related(
        Prefetch("skus", queryset=GroupBuySku.objects.select_related("sku__product").order_by("sku_id"))
    )


def live_group_buys(merchant_id: int, now: datetime) -> TenantQuerySet:
    """Group buys a customer can open or join a team of right now, ending soonest first."""
    return (
        group_buys(merchant_id)
        .filter(status=ActivityStatus.ACTIVE, starts_at__lte=now, ends_at__gt=now)
        .order_by("ends_at", "pk")
    )


def teams(merchant_id: int) -> TenantQuerySet:
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


def group_buy_stats(group_buy: GroupBuy) -> ActivityStats:
    """Participants, teams by outcome, orders, GMV and discount cost of one group buy."""
    team_rows = Team.objects.filter(group_buy=group_buy)
    by_status = dict(team_rows.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    members = TeamMember.objects.filter(team__group_buy=group_buy)
    virtual = team_rows.aggregate(v=Coalesce(Sum("virtual_members"), 0))["v"]
    paid = members.filter(paid_at__isnull=False)
    return ActivityStats(
        "group_buy_id",
        group_buy.pk,
        (
            Figure("participants", _("Participants"), paid.values("customer_id").distinct().count()),
            Figure("members_paid", _("Members who paid"), paid.count()),
            Figure(
                "members_refunded",
                _("Members refunded"),
                members.filter(status=MemberStatus.REFUNDED).count(),
            ),
            Figure("teams_opened", _("Teams opened"), sum(by_status.values())),
            Figure(
                "teams_forming",
                _("Teams forming"),
                by_status.get(TeamStatus.OPENING, 0) + by_status.get(TeamStatus.FORMING, 0),
            ),
            Figure("teams_formed", _("Teams formed"), by_status.get(TeamStatus.FORMED, 0)),
            Figure("teams_failed", _("Teams failed"), by_status.get(TeamStatus.FAILED, 0)),
            Figure("virtual_members", _("Virtual members"), virtual),
            *sales_figures(group_buy.merchant_id, KIND, team_rows.values("pk")),
        ),
    )


def live_on_skus(
    *, merchant_id: int, sku_ids: list[int], starts_at: datetime, ends_at: datetime
) -> list[dict]:
    """Live (active or paused) group buys holding these SKUs in a window overlapping [starts_at, ends_at)."""
    rows = GroupBuySku.objects.filter(
        merchant_id=merchant_id,
        sku_id__in=sku_ids,
        group_buy__status__in=LIVE,
        group_buy__starts_at__lt=ends_at,
        group_buy__ends_at__gt=starts_at,
    ).order_by("group_buy_id", "sku_id")
    return [{"kind": KIND, "id": i, "sku_id": s} for i, s in rows.values_list("group_buy_id", "sku_id")]
