"""The blind box as a checkout activity: ``ActivityRef(kind="blind_box", id=<campaign id>)``.

``quote`` prices the box SKU at the campaign's box price; ``reserve`` takes the boxes from the
campaign's quota with one conditional UPDATE and adds one pending draw per box to the order. The
prizes are drawn when the order is paid (``hooks.py``); an unpaid order that is cancelled draws
nothing and gives its boxes back.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import F
from django.utils import timezone

from siyu.catalog.models import Sku
from siyu.core.errors import InvalidInput
from siyu.members.models import Customer
from siyu.orders.models import Order
from siyu.promotions.activities import ActivityQuote, ActivityRef
from siyu.promotions.campaigns.errors import BoxesSoldOut, BoxLimitReached, CampaignNotRunning
from siyu.promotions.campaigns.models import Draw, DrawCampaign, DrawKind, DrawStatus
from siyu.promotions.campaigns.services.common import running
from siyu.promotions.engine import ActivityKind, ActivityPrice
from siyu.promotions.kit.models import ActivityStatus

BLIND_BOX = "blind_box"
# The engine has no blind-box kind yet; its label is the flash-sale one until it does.
ENGINE_KIND = ActivityKind.BLIND_BOX


def boxes_held(campaign_id: int, customer_id: int) -> int:
    """Boxes the customer has in unpaid or paid orders of this campaign."""
    return Draw.objects.filter(
        campaign_id=campaign_id, customer_id=customer_id, status__in=[DrawStatus.PENDING, DrawStatus.DRAWN]
    ).count()


class BlindBoxProvider:
    kind = BLIND_BOX

    def quote(
        self, *, customer: Customer, ref: ActivityRef, sku: Sku, quantity: int, now: datetime
    ) -> ActivityQuote:
        campaign = running(
            DrawCampaign,
            merchant_id=customer.merchant_id,
            campaign_id=ref.id,
            now=now,
            kind=DrawKind.BLIND_BOX,
        )
        if campaign.sku_id != sku.pk:
            raise InvalidInput(detail={"sku_id": sku.pk, "reason": "not this blind box's SKU"})
        if campaign.box_price > sku.price:  # the SKU was repriced below the box: staff must fix one
            raise InvalidInput(detail={"sku_id": sku.pk, "reason": "the SKU's price is below the box price"})
        left = campaign.box_quota - campaign.boxes_taken
        if quantity > left:
            raise BoxesSoldOut(detail={"left": left})
        limit = campaign.per_customer_limit
        if limit is not None and boxes_held(campaign.pk, customer.pk) + quantity > limit:
            raise BoxLimitReached(detail={"limit": limit})
        return ActivityQuote(
            rule=ActivityPrice(
                id=ref.rule_id,
                title=campaign.name,
                kind=ENGINE_KIND,
                sku_id=sku.pk,
                price=campaign.box_price,
                quantity=quantity,
            )
        )

    def reserve(self, *, customer: Customer, ref: ActivityRef, order: Order, sku: Sku, quantity: int) -> None:
        now = timezone.now()
        taken = DrawCampaign.objects.filter(
            pk=ref.id,
            merchant_id=customer.merchant_id,
            kind=DrawKind.BLIND_BOX,
            sku_id=sku.pk,
            status=ActivityStatus.ACTIVE,
            starts_at__lte=now,
            ends_at__gt=now,
            boxes_taken__lte=F("box_quota") - quantity,
        ).update(boxes_taken=F("boxes_taken") + quantity)
        if taken != 1:
            campaign = DrawCampaign.objects.filter(pk=ref.id).first()
            if campaign is None or not campaign.is_live(now):
                raise CampaignNotRunning(detail={"campaign_id": ref.id})
            raise BoxesSoldOut(detail={"left": campaign.box_quota - campaign.boxes_taken})
        # The UPDATE holds the campaign row until commit, so the customer's count below is exact.
        campaign = DrawCampaign.objects.get(pk=ref.id)
        held = boxes_held(campaign.pk, customer.pk)
        if campaign.per_customer_limit is not None and held + quantity > campaign.per_customer_limit:
            raise BoxLimitReached(detail={"limit": campaign.per_customer_limit})
        first = 1 + Draw.objects.filter(campaign=campaign, order=order).count()
        Draw.objects.bulk_create(
            [
                Draw(
                    merchant_id=customer.merchant_id,
                    campaign=campaign,
                    customer=customer,
                    order=order,
                    unit=first + i,
                )
                for i in range(quantity)
            ]
        )
