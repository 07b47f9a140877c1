"""好友瓜分 routes: staff run campaigns; customers open teams, share them, and join friends' teams."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from siyu.api.auth import CustomerBearer, ShopRequest, ShopVisitor, StaffRequest, staff_auth
from siyu.api.errors import ErrorOut
from siyu.api.pagination import Page, PageParams, paginate
from siyu.api.patches import PatchIn
from siyu.api.promotions.activity_routes import ActivityRoutes, activity_routes, route_names
from siyu.api.promotions.campaigns.schemas import (
    MAX_FEN,
    REWARD_KIND,
    SHOP_ERRORS,
    CampaignPersonOut,
    CampaignStatusFilter,
    person,
)
from siyu.api.schemas import MerchantSlug, ObjectId
from siyu.core.models import TenantQuerySet
from siyu.promotions.campaigns.models import SplitCampaign, SplitTeam
from siyu.promotions.campaigns.playbook import SPLITS
from siyu.promotions.campaigns.services import split
from siyu.promotions.kit.models import ActivityStatus
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import require

shop_router = Router(tags=["shop: campaigns"], auth=CustomerBearer())
admin_router = Router(tags=["admin: campaigns"], auth=staff_auth)


class SplitIn(Schema):
    name: str = Field(..., min_length=1, max_length=64)
    starts_at: datetime
    ends_at: datetime
    team_size: int = Field(..., ge=2, le=50)
    pool_amount: int = Field(..., ge=2, le=MAX_FEN, description="fen of coupon value, or points, per team")
    min_share: int = Field(..., ge=1, le=MAX_FEN)
    hours: int = Field(..., ge=1, le=720, description="how long a team may take to fill")
    reward_kind: str = Field(..., pattern=REWARD_KIND)
    coupon_template_id: ObjectId | None = None
    team_stock: int | None = Field(None, ge=1, le=10**7, description="pools to give; omit for unlimited")


class SplitPatch(PatchIn):
    NULLABLE = frozenset({"team_stock"})  # null clears: no limit / the default

    name: str | None = Field(None, min_length=1, max_length=64)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    team_size: int | None = Field(None, ge=2, le=50)
    pool_amount: int | None = Field(None, ge=2, le=MAX_FEN)
    min_share: int | None = Field(None, ge=1, le=MAX_FEN)
    hours: int | None = Field(None, ge=1, le=720)
    team_stock: int | None = Field(None, ge=1, le=10**7)


class SplitOut(Schema):
    id: int
    name: str
    status: str
    starts_at: datetime
    ends_at: datetime
    team_size: int
    pool_amount: int
    min_share: int
    hours: int
    reward_kind: str
    coupon_template_id: int | None
    team_stock: int | None
    teams_started: int


class SplitMemberOut(CampaignPersonOut):
    position: int
    share: int | None


class SplitTeamOut(Schema):
    id: int
    campaign_id: int
    campaign_name: str
    status: str
    team_size: int
    member_count: int
    seats_left: int
    pool_amount: int
    reward_kind: str
    expires_at: datetime
    filled_at: datetime | None
    seed: str = Field(
        ..., description="set when the team fills: HMAC(secret, team id); the shares follow from it"
    )
    members: list[SplitMemberOut]


class StaffSplitTeamOut(Schema):
    id: int
    leader_id: int
    status: str
    team_size: int
    member_count: int
    pool_amount: int
    seed: str
    expires_at: datetime
    created_at: datetime
    filled_at: datetime | None
    shares: dict[str, int | None] = Field(..., description="customer id -> share")


class SplitTeamFilter(Schema):
    status: str | None = Field(None, pattern="^(forming|filled|expired)$")


class SplitStatsOut(Schema):
    split_id: int
    participants: int
    teams: dict[str, int]
    orders: int = Field(..., description="paid orders of participants during the campaign")
    gmv: int
    rewards: int = Field(..., description="shares given")
    reward_kind: str
    reward_cost: int = Field(..., description="fen of coupon value, or points, given out")


def _team_out(team: SplitTeam, me) -> dict[str, Any]:
    members = sorted(team.members.all(), key=lambda m: m.position)
    return {
        "id": team.pk,
        "campaign_id": team.campaign_id,
        "campaign_name": team.campaign.name,
        "status": team.status,
        "team_size": team.team_size,
        "member_count": team.member_count,
        "seats_left": team.team_size - team.member_count,
        "pool_amount": team.pool_amount,
        "reward_kind": team.campaign.reward_kind,
        "expires_at": team.expires_at,
        "filled_at": team.filled_at,
        "seed": team.seed,
        "members": [{**person(m.customer, me), "position": m.position, "share": m.share} for m in members],
    }


def _team(merchant_id: int, team_id: int, me) -> dict[str, Any]:
    team = (
        SplitTeam.objects.for_merchant(merchant_id)
        .select_related("campaign")
        .prefetch_related("members__customer")
        .get_owned(team_id)
    )
    return _team_out(team, me)


# ---- staff ----------------------------------------------------------------------------------------


def _create(staff: Staff, payload: SplitIn) -> SplitCampaign:
    return split.create_split(staff=staff, **payload.dict())


def _update(staff: Staff, split_id: int, payload: SplitPatch) -> None:
    split.update_split(staff=staff, campaign_id=split_id, changes=payload.dict(exclude_unset=True))


def _listed(qs: QuerySet[SplitCampaign], filters: CampaignStatusFilter) -> QuerySet[SplitCampaign]:
    return qs.filter(status=filters.status) if filters.status else qs


def _rows(merchant_id: int) -> TenantQuerySet:
    return SplitCampaign.objects.for_merchant(merchant_id)


activity_routes(
    admin_router,
    ActivityRoutes(
        playbook=SPLITS,
        path="/campaigns/splits",
        id_name="split_id",
        out=SplitOut,
        create_in=SplitIn,
        patch_in=SplitPatch,
        filters=CampaignStatusFilter,
        stats_out=SplitStatsOut,
        staff_rows=_rows,
        render=lambda campaign, now: campaign,
        listed=_listed,
        create=_create,
        update=_update,
        names=route_names("split"),
    ),
    module=__name__,
)


def _get(request: StaffRequest, split_id: int) -> SplitCampaign:
    require(request.staff, Perm.PROMOTIONS_VIEW)
    return _rows(request.staff.merchant_id).get_owned(split_id)


@admin_router.get(
    "/campaigns/splits/{split_id}/teams",
    response={200: Page[StaffSplitTeamOut], 403: ErrorOut, 404: ErrorOut},
)
def list_teams(
    request: StaffRequest, split_id: ObjectId, filters: Query[SplitTeamFilter], page: Query[PageParams]
):
    campaign = _get(request, split_id)
    qs = (
        SplitTeam.objects.for_merchant(campaign.merchant_id)
        .filter(campaign=campaign)
        .prefetch_related("members")
    )
    if filters.status:
        qs = qs.filter(status=filters.status)

    def render(t: SplitTeam) -> dict[str, Any]:
        members = sorted(t.members.all(), key=lambda m: m.position)
        return {
            **{f: getattr(t, f) for f in StaffSplitTeamOut.model_fields if f != "shares"},
            "shares": {str(m.customer_id): m.share for m in members},
        }

    return paginate(qs, page, render)


# ---- shop -----------------------------------------------------------------------------------------


@shop_router.get("/campaigns/splits", response=list[SplitOut], auth=ShopVisitor())
def running_splits(request: ShopRequest, merchant: MerchantSlug):
    """Split campaigns running now."""
    now = timezone.now()
    return list(
        SplitCampaign.objects.for_merchant(request.merchant).filter(
            status=ActivityStatus.ACTIVE, starts_at__lte=now, ends_at__gt=now
        )
    )


@shop_router.post("/campaigns/splits/{split_id}/teams", response={201: SplitTeamOut, **SHOP_ERRORS})
def start_team(request: ShopRequest, merchant: MerchantSlug, split_id: ObjectId):
    """Open a team; share its id so friends join."""
    team = split.start_team(customer=request.customer, campaign_id=split_id)
    return 201, _team(request.customer.merchant_id, team.pk, request.customer)


@shop_router.get("/campaigns/split-teams/{split_team_id}", response={200: SplitTeamOut, 404: ErrorOut})
def get_team(request: ShopRequest, merchant: MerchantSlug, split_team_id: ObjectId):
    return _team(request.customer.merchant_id, split_team_id, request.customer)


@shop_router.post("/campaigns/split-teams/{split_team_id}/join", response={200: SplitTeamOut, **SHOP_ERRORS})
def join_team(request: ShopRequest, merchant: MerchantSlug, split_team_id: ObjectId):
    split.join_team(customer=request.customer, team_id=split_team_id)
    return _team(request.customer.merchant_id, split_team_id, request.customer)
