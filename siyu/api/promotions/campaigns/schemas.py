"""Shapes shared by the campaign routes. Money is integer fen; probabilities are basis points."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Header, Schema

from siyu.api.errors import ErrorOut
from siyu.api.schemas import ObjectId
from siyu.members.models import Customer

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
SHOP_ERRORS = {400: ErrorOut, 404: ErrorOut, 409: ErrorOut}
MAX_FEN = 10**9
IdempotencyKey = Header(None, alias="Idempotency-Key", max_length=64)
REWARD_KIND = "^(coupon|points)$"


class CampaignStatusFilter(Schema):
    status: str | None = Field(None, pattern="^(active|paused|ended)$")


class CampaignRewardOut(Schema):
    id: int
    customer_id: int
    source: str
    source_id: int
    kind: str
    amount: int
    coupon_template_id: int | None
    status: str
    coupon_id: int | None
    created_at: datetime
    issued_at: datetime | None


class CampaignRewardFilter(Schema):
    status: str | None = Field(None, pattern="^(pending|issued|cancelled)$")


class CampaignPersonOut(Schema):
    nickname: str
    avatar_url: str
    is_me: bool


def person(customer: Customer, me: Customer | None) -> dict[str, Any]:
    return {
        "nickname": customer.nickname,
        "avatar_url": customer.avatar_url,
        "is_me": me is not None and customer.pk == me.pk,
    }


class BlindBoxOrderIn(Schema):
    quantity: int = Field(1, ge=1, le=99)
    fulfilment: str = Field("delivery", pattern="^(delivery|pickup)$")
    address_id: ObjectId | None = None
    pickup_outlet_id: ObjectId | None = None
    note: str = Field("", max_length=200)
