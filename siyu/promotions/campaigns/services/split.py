"""好友瓜分: a customer opens a team, friends join, and when the K-th joins the pool is split.

Joining is one conditional UPDATE (``member_count < team_size``), so a team never over-fills;
the split is drawn from the team's seed (``HMAC(secret, team id)``), recorded on the team, so the
shares can be recomputed. Every share is at least the minimum and they sum to the pool exactly.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from siyu.core.errors import InvalidInput
from siyu.members.models import Customer
from siyu.promotions.campaigns.drawing import derive_seed, split_amounts
from siyu.promotions.campaigns.errors import (
    CampaignNotRunning,
    CampaignRewardsGone,
    TeamAlreadyJoined,
    TeamClosed,
)
from siyu.promotions.campaigns.models import (
    RewardKind,
    RewardSource,
    SplitCampaign,
    SplitMember,
    SplitTeam,
    TeamStatus,
)
from siyu.promotions.campaigns.services.common import (
    apply_changes,
    check_coupon_template,
    check_window,
    require_editable,
    running,
)
from siyu.promotions.campaigns.services.rewards import grant_reward
from siyu.promotions.kit.models import ActivityStatus
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import record_audit, require, snapshot

EDITABLE = {"name", "starts_at", "ends_at", "team_size", "pool_amount", "min_share", "hours", "team_stock"}
FIELDS = [*sorted(EDITABLE), "reward_kind", "coupon_template_id", "status"]


def _check_numbers(values: dict[str, Any]) -> None:
    if not 2 <= values["team_size"] <= 50:
        raise InvalidInput(detail={"team_size": "between 2 and 50"})
    if not 1 <= values["hours"] <= 720:
        raise InvalidInput(detail={"hours": "between 1 and 720"})
    if values["min_share"] < 1:
        raise InvalidInput(detail={"min_share": "at least 1"})
    if values["pool_amount"] < values["team_size"] * values["min_share"]:
        raise InvalidInput(detail={"pool_amount": "must give every member at least min_share"})
    if values["team_stock"] is not None and values["team_stock"] < 1:
        raise InvalidInput(detail={"team_stock": "at least 1, or none for unlimited"})


@transaction.atomic
def create_split(
    *,
    staff: Staff,
    name: str,
    starts_at: datetime,
    ends_at: datetime,
    team_size: int,
    pool_amount: int,
    min_share: int,
    hours: int,
    reward_kind: str,
    coupon_template_id: int | None = None,
    team_stock: int | None = None,
) -> SplitCampaign:
    require(staff, Perm.PROMOTIONS_EDIT)
    check_window(starts_at, ends_at)
    values = {
        "team_size": team_size,
        "pool_amount": pool_amount,
        "min_share": min_share,
        "hours": hours,
        "team_stock": team_stock,
    }
    _check_numbers(values)
    if reward_kind not in RewardKind.values:
        raise InvalidInput(detail={"reward_kind": reward_kind})
    check_coupon_template(staff.merchant_id, coupon_template_id, reward_kind)
    campaign = SplitCampaign.objects.create(
        merchant_id=staff.merchant_id,
        name=name.strip()[:64],
        starts_at=starts_at,
        ends_at=ends_at,
        reward_kind=reward_kind,
        coupon_template_id=coupon_template_id,
        secret=secrets.token_hex(32),
        **values,
    )
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="split.create",
        obj=campaign,
        after=snapshot(campaign, FIELDS),
    )
    return campaign


@transaction.atomic
def update_split(
    *, staff: Staff, campaign_id: int, changes: dict[str, Any], now: datetime | None = None
) -> SplitCampaign:
    """Edit a campaign. Team size and pool apply to teams opened afterwards."""
    require(staff, Perm.PROMOTIONS_EDIT)
    now = now or timezone.now()
    campaign = SplitCampaign.objects.for_merchant(staff.merchant_id).get_owned(campaign_id, lock=True)
    require_editable(campaign)
    if "starts_at" in changes and changes["starts_at"] != campaign.starts_at and campaign.starts_at <= now:
        raise InvalidInput(detail={"starts_at": "the campaign has started"})
    check_window(changes.get("starts_at", campaign.starts_at), changes.get("ends_at", campaign.ends_at))
    merged = {name: changes.get(name, getattr(campaign, name)) for name in EDITABLE}
    _check_numbers(merged)
    if merged["team_stock"] is not None and merged["team_stock"] < campaign.teams_started:
        raise InvalidInput(detail={"team_stock": f"at least the {campaign.teams_started} already started"})
    apply_changes(campaign, staff=staff, changes=changes, editable=EDITABLE, audit="split")
    return campaign


def _join(team: SplitTeam, customer: Customer, position: int) -> SplitMember:
    try:
        with transaction.atomic():
            return SplitMember.objects.create(
                merchant_id=customer.merchant_id,
                campaign_id=team.campaign_id,
                team=team,
                customer=customer,
                position=position,
            )
    except IntegrityError:
        raise TeamAlreadyJoined(detail={"campaign_id": team.campaign_id}) from None


def _already_in(campaign: SplitCampaign, customer: Customer, now: datetime) -> None:
    live = SplitMember.objects.filter(campaign=campaign, customer=customer, is_live=True).select_related(
        "team"
    )
    for member in live:
        team = member.team
        if team.status == TeamStatus.FORMING and (team.expires_at <= now or not campaign.is_live(now)):
            expire_team(team_id=team.pk, campaign_id=campaign.pk)  # lapsed, not swept yet
            continue
        raise TeamAlreadyJoined(detail={"team_id": team.pk})


@transaction.atomic
def start_team(*, customer: Customer, campaign_id: int, now: datetime | None = None) -> SplitTeam:
    """Open a team with the customer as its first member; one pool is set aside for it."""
    now = now or timezone.now()
    campaign = running(SplitCampaign, merchant_id=customer.merchant_id, campaign_id=campaign_id, now=now)
    _already_in(campaign, customer, now)
    taken = (
        SplitCampaign.objects.filter(pk=campaign.pk, status=ActivityStatus.ACTIVE)
        .filter(Q(team_stock__isnull=True) | Q(teams_started__lt=F("team_stock")))
        .update(teams_started=F("teams_started") + 1)
    )
    if taken != 1:
        raise CampaignRewardsGone(detail={"campaign_id": campaign.pk})
    team = SplitTeam.objects.create(
        merchant_id=customer.merchant_id,
        campaign=campaign,
        leader=customer,
        team_size=campaign.team_size,
        pool_amount=campaign.pool_amount,
        min_share=campaign.min_share,
        member_count=1,
        expires_at=min(now + timedelta(hours=campaign.hours), campaign.ends_at),
    )
    _join(team, customer, 1)
    return team


def get_team(*, merchant_id: int, team_id: int) -> SplitTeam:
    return SplitTeam.objects.for_merchant(merchant_id).select_related("campaign").get_owned(team_id)


@transaction.atomic
def join_team(*, customer: Customer, team_id: int, now: datetime | None = None) -> SplitTeam:
    """Join a forming team; the member who fills it splits the pool for everyone."""
    now = now or timezone.now()
    team = get_team(merchant_id=customer.merchant_id, team_id=team_id)
    campaign = team.campaign
    if not campaign.is_live(now):
        raise CampaignNotRunning(detail={"campaign_id": campaign.pk, "status": campaign.status})
    if team.status != TeamStatus.FORMING or team.expires_at <= now:
        raise TeamClosed(detail={"status": team.status})
    _already_in(campaign, customer, now)
    counted = SplitTeam.objects.filter(
        pk=team.pk, status=TeamStatus.FORMING, expires_at__gt=now, member_count__lt=F("team_size")
    ).update(member_count=F("member_count") + 1)
    if counted != 1:
        raise TeamClosed(detail={"team_id": team.pk})
    team.refresh_from_db(fields=["member_count", "status"])  # this transaction holds the row now
    _join(team, customer, team.member_count)
    if team.member_count == team.team_size:
        _fill(team, campaign)
    return team


def _fill(team: SplitTeam, campaign: SplitCampaign) -> None:
    seed = derive_seed(campaign.secret, f"team:{team.pk}")
    SplitTeam.machine.advance(team, TeamStatus.FILLED, stamp="filled_at", seed=seed)
    shares = split_amounts(seed, team.pool_amount, team.team_size, team.min_share)
    members = list(SplitMember.objects.filter(team=team).select_related("customer").order_by("position"))
    for member, share in zip(members, shares, strict=True):
        member.share = share
        member.save(update_fields=["share"])
        grant_reward(
            customer=member.customer,
            source=RewardSource.SPLIT,
            source_id=member.pk,
            kind=campaign.reward_kind,
            amount=share,
            coupon_template_id=campaign.coupon_template_id,
        )


def expire_teams(*, now: datetime | None = None, batch: int = 500) -> int:
    """Expire unfilled teams past their deadline (or whose campaign ended): their members may
    start or join another team, and the pool goes back to the campaign's stock."""
    now = now or timezone.now()
    due = SplitTeam.objects.filter(status=TeamStatus.FORMING).filter(
        Q(expires_at__lte=now) | Q(campaign__status=ActivityStatus.ENDED)
    )
    expired = 0
    for pk, campaign_id in due.values_list("pk", "campaign_id")[:batch]:
        with transaction.atomic():
            expired += expire_team(team_id=pk, campaign_id=campaign_id)
    return expired


def expire_team(*, team_id: int, campaign_id: int) -> bool:
    """Move one forming team to expired (compare-and-set) and give its pool back. Call in a transaction."""
    if not SplitTeam.objects.filter(pk=team_id, status=TeamStatus.FORMING).update(status=TeamStatus.EXPIRED):
        return False
    SplitMember.objects.filter(team_id=team_id).update(is_live=False)
    SplitCampaign.objects.filter(pk=campaign_id).update(teams_started=F("teams_started") - 1)
    return True
