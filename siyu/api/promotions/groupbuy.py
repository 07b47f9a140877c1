"""Group buys: the customer routes (``shop_router``, under /api/v1/shop/{merchant}/) and the staff
routes (``admin_router``, under /api/v1/admin/)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from ninja import Field, Header, Query, Router, Schema

from siyu.api.auth import CustomerBearer, ShopRequest, ShopVisitor, StaffRequest, staff_auth
from siyu.api.errors import ErrorOut
from siyu.api.pagination import Page, PageParams, paginate
from siyu.api.patches import PatchIn
from siyu.api.promotions.activity_routes import ActivityRoutes, activity_routes, route_names
from siyu.api.schemas import MerchantSlug, ObjectId, OrderOut
from siyu.api.serializers import order_dict
from siyu.orders.models import Order, OrderLine
from siyu.promotions.groupbuy import selectors
from siyu.promotions.groupbuy.models import (
    LIVE_MEMBER,
    GroupBuy,
    Team,
    TeamMember,
    TeamStatus,
)
from siyu.promotions.groupbuy.playbook import GROUP_BUYS
from siyu.promotions.groupbuy.services import activities, teams
from siyu.promotions.kit.models import ActivityStatus
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import require

shop_router = Router(tags=["shop: groupbuy"], auth=CustomerBearer())
admin_router = Router(tags=["admin: groupbuy"], auth=staff_auth)

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
MAX_FEN = 10**9
IdempotencyKey = Header(None, alias="Idempotency-Key", max_length=64)


# ---- shapes -------------------------------------------------------------------------------------


class GroupBuySkuIn(Schema):
    sku_id: ObjectId
    group_price: int = Field(..., ge=1, le=MAX_FEN)
    leader_price: int | None = Field(None, ge=1, le=MAX_FEN, description="团长价; omit for the group price")


class GroupBuyIn(Schema):
    name: str = Field(..., min_length=1, max_length=64)
    starts_at: datetime
    ends_at: datetime
    group_size: int = Field(..., ge=2, le=100)
    time_limit_hours: int = Field(..., ge=1, le=168)
    skus: list[GroupBuySkuIn] = Field(..., min_length=1, max_length=50)
    max_per_member: int = Field(1, ge=1, le=99)
    lottery: bool = False
    lottery_winners: int = Field(0, ge=0, le=99)
    virtual_fill: bool = False
    pickup_only: bool = False
    consolation_coupon_template_id: ObjectId | None = None


class GroupBuyPatch(PatchIn):
    NULLABLE = frozenset({"consolation_coupon_template_id"})

    name: str | None = Field(None, min_length=1, max_length=64)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    group_size: int | None = Field(None, ge=2, le=100)
    time_limit_hours: int | None = Field(None, ge=1, le=168)
    skus: list[GroupBuySkuIn] | None = Field(None, min_length=1, max_length=50)
    max_per_member: int | None = Field(None, ge=1, le=99)
    lottery: bool | None = None
    lottery_winners: int | None = Field(None, ge=0, le=99)
    virtual_fill: bool | None = None
    pickup_only: bool | None = None
    consolation_coupon_template_id: ObjectId | None = None


class GroupBuySkuOut(Schema):
    sku_id: int
    product_id: int
    product_name: str
    specs: dict[str, str]
    price: int = Field(..., description="the SKU's own price now")
    group_price: int
    leader_price: int | None


class GroupBuyOut(Schema):
    id: int
    name: str
    status: str
    starts_at: datetime
    ends_at: datetime
    group_size: int
    time_limit_hours: int
    max_per_member: int
    lottery: bool
    lottery_winners: int
    virtual_fill: bool
    pickup_only: bool
    consolation_coupon_template_id: int | None
    skus: list[GroupBuySkuOut]


class MemberOut(Schema):
    nickname: str
    avatar_url: str
    is_leader: bool
    is_me: bool
    status: str
    lottery_result: str
    joined_at: datetime


class TeamOut(Schema):
    id: int
    group_buy_id: int
    leader_nickname: str
    size: int
    seats_taken: int
    seats_left: int
    paid_count: int
    virtual_members: int
    status: str
    expires_at: datetime
    formed_at: datetime | None
    failed_at: datetime | None
    lottery_winner_ids: list[int]
    members: list[MemberOut]


class StaffMemberOut(MemberOut):
    id: int
    customer_id: int
    order_id: int
    sku_id: int
    quantity: int
    paid_at: datetime | None


class StaffTeamOut(TeamOut):
    leader_id: int
    fail_reason: str
    created_at: datetime
    lottery_seed: int | None
    members: list[StaffMemberOut]  # type: ignore[assignment]


class GroupBuyDetailOut(GroupBuyOut):
    joinable_teams: list[TeamOut]


class SeatIn(Schema):
    sku_id: ObjectId
    quantity: int = Field(1, ge=1, le=99)
    fulfilment: str = Field("delivery", pattern="^(delivery|pickup)$")
    address_id: ObjectId | None = None
    pickup_outlet_id: ObjectId | None = None
    note: str = Field("", max_length=200)


class SeatOut(Schema):
    team: TeamOut
    order: OrderOut


class MyTeamOut(Schema):
    member_status: str
    lottery_result: str
    order_id: int
    team: TeamOut


class GroupBuyStatsOut(Schema):
    group_buy_id: int
    participants: int = Field(..., description="customers with a paid seat")
    members_paid: int
    members_refunded: int
    teams_opened: int
    teams_forming: int
    teams_formed: int
    teams_failed: int
    virtual_members: int
    orders: int = Field(..., description="paid orders through this group buy")
    gmv: int = Field(..., description="fen paid for the group-buy units, less refunds")
    discount_cost: int = Field(..., description="fen of discount on the units kept")


class GroupBuyFilter(Schema):
    status: ActivityStatus | None = None


class TeamFilter(Schema):
    status: TeamStatus | None = None


# ---- rendering ----------------------------------------------------------------------------------


def group_buy_dict(group_buy: GroupBuy) -> dict[str, Any]:
    data = {name: getattr(group_buy, name) for name in GroupBuyOut.model_fields if name != "skus"}
    data["skus"] = [
        {
            "sku_id": row.sku_id,
            "product_id": row.sku.product_id,
            "product_name": row.sku.product.name,
            "specs": row.sku.specs,
            "price": row.sku.price,
            "group_price": row.group_price,
            "leader_price": row.leader_price,
        }
        for row in group_buy.skus.all()
    ]
    return data


def team_dict(team: Team, *, viewer_id: int | None = None, staff: bool = False) -> dict[str, Any]:
    members = [m for m in team.members.all() if staff or m.status in LIVE_MEMBER]
    data: dict[str, Any] = {
        "id": team.pk,
        "group_buy_id": team.group_buy_id,
        "leader_nickname": team.leader.nickname,
        "size": team.size,
        "seats_taken": team.seats_taken,
        "seats_left": team.seats_left,
        "paid_count": team.paid_count,
        "virtual_members": team.virtual_members,
        "status": team.status,
        "expires_at": team.expires_at,
        "formed_at": team.formed_at,
        "failed_at": team.failed_at,
        "lottery_winner_ids": team.lottery_winner_ids,
        "members": [_member_dict(m, viewer_id, staff) for m in members],
    }
    if staff:
        data.update(
            leader_id=team.leader_id,
            fail_reason=team.fail_reason,
            created_at=team.created_at,
            lottery_seed=team.lottery_seed,
        )
    return data


def _member_dict(member: TeamMember, viewer_id: int | None, staff: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "nickname": member.customer.nickname,
        "avatar_url": member.customer.avatar_url,
        "is_leader": member.is_leader,
        "is_me": member.customer_id == viewer_id,
        "status": member.status,
        "lottery_result": member.lottery_result,
        "joined_at": member.joined_at,
    }
    if staff:
        data.update(
            id=member.pk,
            customer_id=member.customer_id,
            order_id=member.order_id,
            sku_id=member.sku_id,
            quantity=member.quantity,
            paid_at=member.paid_at,
        )
    return data


def _team(merchant_id: int, team_id: int) -> Team:
    return selectors.teams(merchant_id).get_owned(team_id)


def _seat_out(request: ShopRequest, member: TeamMember) -> dict[str, Any]:
    order = (
        Order.objects.filter(pk=member.order_id)
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("id")))
        .get()
    )
    team = _team(request.merchant.pk, member.team_id)
    return {"team": team_dict(team, viewer_id=request.customer.pk), "order": order_dict(order)}


def _delivery(payload: SeatIn) -> teams.Delivery:
    return teams.Delivery(
        fulfilment=payload.fulfilment,
        address_id=payload.address_id,
        pickup_outlet_id=payload.pickup_outlet_id,
        note=payload.note,
    )


# ---- shop ---------------------------------------------------------------------------------------


@shop_router.get("/group-buys", response=Page[GroupBuyOut], auth=ShopVisitor())
def shop_list_group_buys(request: ShopRequest, merchant: MerchantSlug, page: Query[PageParams]):
    """Group buys running now, ending soonest first."""
    qs = selectors.live_group_buys(request.merchant.pk, timezone.now())
    return paginate(qs, page, group_buy_dict)


@shop_router.get(
    "/group-buys/{group_buy_id}", response={200: GroupBuyDetailOut, 404: ErrorOut}, auth=ShopVisitor()
)
def shop_get_group_buy(request: ShopRequest, merchant: MerchantSlug, group_buy_id: ObjectId):
    """A running group buy with the teams one can join now, the closest to forming first."""
    now = timezone.now()
    group_buy = selectors.live_group_buys(request.merchant.pk, now).get_owned(group_buy_id)
    viewer = request.customer.pk if request.customer else None
    return {
        **group_buy_dict(group_buy),
        "joinable_teams": [team_dict(t, viewer_id=viewer) for t in selectors.joinable_teams(group_buy, now)],
    }


@shop_router.post("/group-buys/{group_buy_id}/teams", response={201: SeatOut, **ERRORS})
def shop_open_team(
    request: ShopRequest,
    merchant: MerchantSlug,
    group_buy_id: ObjectId,
    payload: SeatIn,
    idempotency_key: str | None = IdempotencyKey,
):
    """开团: open a team and place the leader's order; pay it to let others join."""
    member = teams.open_team(
        customer=request.customer,
        group_buy_id=group_buy_id,
        sku_id=payload.sku_id,
        quantity=payload.quantity,
        delivery=_delivery(payload),
        idempotency_key=idempotency_key,
    )
    return 201, _seat_out(request, member)


@shop_router.get("/group-buy-teams", response=Page[MyTeamOut])
def shop_my_teams(request: ShopRequest, merchant: MerchantSlug, page: Query[PageParams]):
    """The customer's seats in teams, newest first."""
    qs = selectors.customer_memberships(request.merchant.pk, request.customer.pk).prefetch_related(
        Prefetch("team__members", queryset=TeamMember.objects.select_related("customer").order_by("pk"))
    )
    return paginate(
        qs,
        page,
        lambda m: {
            "member_status": m.status,
            "lottery_result": m.lottery_result,
            "order_id": m.order_id,
            "team": team_dict(m.team, viewer_id=request.customer.pk),
        },
    )


@shop_router.get("/group-buy-teams/{team_id}", response={200: TeamOut, 404: ErrorOut}, auth=ShopVisitor())
def shop_get_team(request: ShopRequest, merchant: MerchantSlug, team_id: ObjectId):
    """A team's page (the link members share): seats, members, deadline."""
    team = _team(request.merchant.pk, team_id)
    return team_dict(team, viewer_id=request.customer.pk if request.customer else None)


@shop_router.post("/group-buy-teams/{team_id}/join", response={201: SeatOut, **ERRORS})
def shop_join_team(
    request: ShopRequest,
    merchant: MerchantSlug,
    team_id: ObjectId,
    payload: SeatIn,
    idempotency_key: str | None = IdempotencyKey,
):
    """参团: take a seat and place the member's order; the team forms when its last seat is paid."""
    member = teams.join_team(
        customer=request.customer,
        team_id=team_id,
        sku_id=payload.sku_id,
        quantity=payload.quantity,
        delivery=_delivery(payload),
        idempotency_key=idempotency_key,
    )
    return 201, _seat_out(request, member)


# ---- admin --------------------------------------------------------------------------------------


def _sku_inputs(rows: list[GroupBuySkuIn]) -> list[activities.GroupBuySkuInput]:
    return [activities.GroupBuySkuInput(r.sku_id, r.group_price, r.leader_price) for r in rows]


def _create(staff: Staff, payload: GroupBuyIn) -> GroupBuy:
    data = payload.dict()
    data["skus"] = _sku_inputs(payload.skus)
    return activities.create_group_buy(staff=staff, data=activities.GroupBuyInput(**data))


def _update(staff: Staff, group_buy_id: int, payload: GroupBuyPatch) -> None:
    changes = payload.dict(exclude_unset=True)
    if "skus" in changes:
        changes["skus"] = _sku_inputs(payload.skus or [])
    activities.update_group_buy(staff=staff, group_buy_id=group_buy_id, changes=changes)


def _listed(qs: QuerySet[GroupBuy], filters: GroupBuyFilter) -> QuerySet[GroupBuy]:
    qs = qs.order_by("-pk")
    return qs.filter(status=filters.status) if filters.status else qs


activity_routes(
    admin_router,
    ActivityRoutes(
        playbook=GROUP_BUYS,
        path="/group-buys",
        id_name="group_buy_id",
        out=GroupBuyOut,
        create_in=GroupBuyIn,
        patch_in=GroupBuyPatch,
        filters=GroupBuyFilter,
        stats_out=GroupBuyStatsOut,
        staff_rows=selectors.group_buys,
        render=lambda group_buy, now: group_buy_dict(group_buy),
        listed=_listed,
        create=_create,
        update=_update,
        names=route_names("group_buy", prefix="admin_"),
        docs={
            "update": "Change the fields sent. Size, SKUs, prices and the lottery are fixed once a team "
            "has opened.",
            "pause": "No new teams or joins; open teams still form or fail at their deadline.",
            "end": "End for good; open teams still form or fail at their deadline.",
        },
    ),
    module=__name__,
)


@admin_router.get(
    "/group-buys/{group_buy_id}/teams", response={200: Page[StaffTeamOut], 403: ErrorOut, 404: ErrorOut}
)
def admin_list_teams(
    request: StaffRequest, group_buy_id: ObjectId, filters: Query[TeamFilter], page: Query[PageParams]
):
    require(request.staff, Perm.PROMOTIONS_VIEW)
    group_buy = GroupBuy.objects.for_merchant(request.staff.merchant_id).get_owned(group_buy_id)
    qs = selectors.teams(request.staff.merchant_id).filter(group_buy=group_buy).order_by("-pk")
    if filters.status:
        qs = qs.filter(status=filters.status)
    return paginate(qs, page, lambda t: team_dict(t, staff=True))
