"""Staff side of 支付抽奖 and 盲盒: the campaign, its prize pool (weights in basis points, stock),
edits (pause, resume, end: ``siyu.promotions.kit.services``).

A lottery's weights may sum to less than 10000: the rest is the chance of "no prize". A blind box's
weights sum to exactly 10000 and every prize has a finite stock: each box sold is one unit of some
prize, so the boxes for sale (``box_quota``) are the prizes' total stock.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from siyu.catalog.models import Sku
from siyu.core.errors import InvalidInput
from siyu.promotions.activities import check_skus_free
from siyu.promotions.campaigns.drawing import FULL_BP
from siyu.promotions.campaigns.errors import PrizePoolLocked
from siyu.promotions.campaigns.models import Draw, DrawCampaign, DrawKind, DrawStatus, Prize, PrizeKind
from siyu.promotions.campaigns.services.common import (
    apply_changes,
    check_coupon_template,
    check_window,
    require_editable,
)
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import record_audit, require, snapshot

MAX_PRIZES = 20
EDITABLE = {
    DrawKind.PAY_LOTTERY: {"name", "starts_at", "ends_at", "min_order_amount", "chance_days"},
    DrawKind.BLIND_BOX: {"name", "starts_at", "ends_at", "box_price", "per_customer_limit"},
}
FIELDS = [
    "name",
    "kind",
    "starts_at",
    "ends_at",
    "min_order_amount",
    "chance_days",
    "sku",
    "box_price",
    "per_customer_limit",
    "box_quota",
    "status",
]


@dataclass(frozen=True)
class PrizeInput:
    name: str
    kind: str
    weight_bp: int
    stock: int | None = None  # None = unlimited (lottery only)
    value: int = 0
    coupon_template_id: int | None = None
    sku_id: int | None = None


def _sku(merchant_id: int, sku_id: int | None) -> Sku | None:
    if sku_id is None:
        return None
    return Sku.objects.for_merchant(merchant_id).get_owned(sku_id)


def _check_prizes(merchant_id: int, kind: str, prizes: list[PrizeInput]) -> None:
    if not 1 <= len(prizes) <= MAX_PRIZES:
        raise InvalidInput(detail={"prizes": f"between 1 and {MAX_PRIZES}"})
    total = sum(p.weight_bp for p in prizes)
    for i, p in enumerate(prizes):
        where = f"prizes[{i}]"
        if p.kind not in PrizeKind.values:
            raise InvalidInput(detail={where: f"unknown kind {p.kind}"})
        if not 0 < p.weight_bp <= FULL_BP:
            raise InvalidInput(detail={where: "weight_bp between 1 and 10000"})
        if p.stock is not None and p.stock < 0:
            raise InvalidInput(detail={where: "stock must not be negative"})
        if p.kind in (PrizeKind.COUPON, PrizeKind.POINTS) and p.value < 1:
            raise InvalidInput(detail={where: "a coupon or points prize has a value"})
        if p.kind == PrizeKind.COUPON:
            check_coupon_template(merchant_id, p.coupon_template_id, "coupon")
        elif p.coupon_template_id is not None:
            raise InvalidInput(detail={where: "only coupon prizes take a template"})
        if p.kind != PrizeKind.ITEM and p.sku_id is not None:
            raise InvalidInput(detail={where: "only goods prizes name a SKU"})
        _sku(merchant_id, p.sku_id)
        if kind == DrawKind.BLIND_BOX:
            if p.stock is None:
                raise InvalidInput(detail={where: "a blind box prize needs a finite stock"})
            if p.kind == PrizeKind.NOTHING:
                raise InvalidInput(detail={where: "every blind box holds a prize"})
    if kind == DrawKind.BLIND_BOX and total != FULL_BP:
        raise InvalidInput(detail={"prizes": "blind box weights sum to 10000"})
    if kind == DrawKind.PAY_LOTTERY and total > FULL_BP:
        raise InvalidInput(detail={"prizes": "lottery weights sum to at most 10000"})


def _save_prizes(campaign: DrawCampaign, prizes: list[PrizeInput]) -> None:
    Prize.objects.filter(campaign=campaign).delete()
    Prize.objects.bulk_create(
        [
            Prize(
                merchant_id=campaign.merchant_id,
                campaign=campaign,
                name=p.name.strip()[:64],
                kind=p.kind,
                value=p.value,
                coupon_template_id=p.coupon_template_id,
                sku_id=p.sku_id,
                weight_bp=p.weight_bp,
                stock_total=p.stock,
                stock_left=p.stock,
                position=i,
            )
            for i, p in enumerate(prizes)
        ]
    )
    if campaign.kind == DrawKind.BLIND_BOX:
        campaign.box_quota = sum(p.stock or 0 for p in prizes)
        campaign.save(update_fields=["box_quota", "updated_at"])


def _prize_rows(campaign: DrawCampaign) -> list[dict[str, Any]]:
    fields = ["name", "kind", "value", "coupon_template_id", "sku_id", "weight_bp", "stock_total"]
    return [dict(row) for row in Prize.objects.filter(campaign=campaign).values(*fields)]


@transaction.atomic
def create_lottery(
    *,
    staff: Staff,
    name: str,
    starts_at: datetime,
    ends_at: datetime,
    min_order_amount: int,
    prizes: list[PrizeInput],
    chance_days: int = 7,
) -> DrawCampaign:
    """A pay-and-draw lottery: every order paid in the window for at least ``min_order_amount``
    earns one draw, to be used within ``chance_days``."""
    require(staff, Perm.PROMOTIONS_EDIT)
    check_window(starts_at, ends_at)
    if min_order_amount < 0 or not 1 <= chance_days <= 90:
        raise InvalidInput(detail={"min_order_amount": min_order_amount, "chance_days": chance_days})
    _check_prizes(staff.merchant_id, DrawKind.PAY_LOTTERY, prizes)
    campaign = DrawCampaign.objects.create(
        merchant_id=staff.merchant_id,
        kind=DrawKind.PAY_LOTTERY,
        name=name.strip()[:64],
        starts_at=starts_at,
        ends_at=ends_at,
        min_order_amount=min_order_amount,
        chance_days=chance_days,
        secret=secrets.token_hex(32),
    )
    _save_prizes(campaign, prizes)
    _audit_create(staff, campaign)
    return campaign


@transaction.atomic
def create_blind_box(
    *,
    staff: Staff,
    name: str,
    starts_at: datetime,
    ends_at: datetime,
    sku_id: int,
    box_price: int,
    prizes: list[PrizeInput],
    per_customer_limit: int | None = None,
) -> DrawCampaign:
    """A blind box sold through checkout as the SKU ``sku_id`` at ``box_price``; each box paid for
    draws one prize."""
    require(staff, Perm.PROMOTIONS_EDIT)
    check_window(starts_at, ends_at)
    sku = _sku(staff.merchant_id, sku_id)
    assert sku is not None
    if box_price < 1 or (per_customer_limit is not None and per_customer_limit < 1):
        raise InvalidInput(detail={"box_price": box_price, "per_customer_limit": per_customer_limit})
    if box_price > sku.price:
        raise InvalidInput(detail={"box_price": f"at most the SKU's price {sku.price}"})
    _check_prizes(staff.merchant_id, DrawKind.BLIND_BOX, prizes)
    check_skus_free(
        family="campaigns",
        merchant_id=staff.merchant_id,
        sku_ids=[sku.pk],
        starts_at=starts_at,
        ends_at=ends_at,
    )
    campaign = DrawCampaign.objects.create(
        merchant_id=staff.merchant_id,
        kind=DrawKind.BLIND_BOX,
        name=name.strip()[:64],
        starts_at=starts_at,
        ends_at=ends_at,
        sku=sku,
        box_price=box_price,
        per_customer_limit=per_customer_limit,
        secret=secrets.token_hex(32),
    )
    _save_prizes(campaign, prizes)
    _audit_create(staff, campaign)
    return campaign


def _audit_create(staff: Staff, campaign: DrawCampaign) -> None:
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action=f"{campaign.kind}.create",
        obj=campaign,
        after={**snapshot(campaign, FIELDS), "prizes": _prize_rows(campaign)},
    )


@transaction.atomic
def update_draw_campaign(
    *,
    staff: Staff,
    campaign_id: int,
    kind: str,
    changes: dict[str, Any],
    prizes: list[PrizeInput] | None = None,
    now: datetime | None = None,
) -> DrawCampaign:
    """Edit a lottery or blind box. The prize pool may be replaced only before the first draw
    (lottery) or the first box sold (blind box): afterwards the odds customers played are fixed."""
    require(staff, Perm.PROMOTIONS_EDIT)
    now = now or timezone.now()
    campaign = (
        DrawCampaign.objects.for_merchant(staff.merchant_id)
        .filter(kind=kind)
        .get_owned(campaign_id, lock=True)
    )
    require_editable(campaign)
    if "starts_at" in changes and changes["starts_at"] != campaign.starts_at and campaign.starts_at <= now:
        raise InvalidInput(detail={"starts_at": "the campaign has started"})
    starts_at = changes.get("starts_at", campaign.starts_at)
    ends_at = changes.get("ends_at", campaign.ends_at)
    check_window(starts_at, ends_at)
    if not 1 <= changes.get("chance_days", campaign.chance_days) <= 90:
        raise InvalidInput(detail={"chance_days": "between 1 and 90"})
    if changes.get("box_price", 1) < 1 or changes.get("min_order_amount", 0) < 0:
        raise InvalidInput(
            detail={
                "box_price": changes.get("box_price"),
                "min_order_amount": changes.get("min_order_amount"),
            }
        )
    if "box_price" in changes:
        price = campaign.sku.price if campaign.sku is not None else 0
        if changes["box_price"] > price:
            raise InvalidInput(detail={"box_price": f"at most the SKU's price {price}"})
    limit = changes.get("per_customer_limit", campaign.per_customer_limit)
    if limit is not None and limit < 1:
        raise InvalidInput(detail={"per_customer_limit": "at least 1, or none"})
    if kind == DrawKind.BLIND_BOX and ("starts_at" in changes or "ends_at" in changes):
        check_skus_free(
            family="campaigns",
            merchant_id=staff.merchant_id,
            sku_ids=[campaign.sku_id],
            starts_at=starts_at,
            ends_at=ends_at,
            exclude=("blind_box", campaign.pk),
        )
    apply_changes(campaign, staff=staff, changes=changes, editable=EDITABLE[DrawKind(kind)], audit=kind)
    if prizes is not None:
        drawn = Draw.objects.filter(campaign=campaign, status__in=[DrawStatus.DRAWN, DrawStatus.RETURNED])
        if campaign.boxes_taken > 0 or drawn.exists():
            raise PrizePoolLocked(detail={"campaign_id": campaign.pk})
        _check_prizes(staff.merchant_id, kind, prizes)
        before = _prize_rows(campaign)
        _save_prizes(campaign, prizes)
        record_audit(
            staff=staff,
            merchant=staff.merchant,
            action=f"{kind}.prizes",
            obj=campaign,
            before={"prizes": before},
            after={"prizes": _prize_rows(campaign)},
        )
    return campaign
