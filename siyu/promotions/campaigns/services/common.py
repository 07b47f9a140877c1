"""What the campaigns' services share: a running campaign of the customer's merchant, the time
window, the edit with its audit row, and who counts as a new customer (status verbs:
``siyu.promotions.kit.services``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from django.db import models

from siyu.core.errors import InvalidInput, InvalidTransition, NotFound
from siyu.members.models import Customer
from siyu.promotions.campaigns.errors import CampaignNotRunning, NewCustomersOnly
from siyu.promotions.campaigns.models.common import Campaign
from siyu.promotions.kit.models import ActivityStatus
from siyu.tenancy.models import Staff
from siyu.tenancy.services import record_audit, snapshot

C = TypeVar("C", bound=Campaign)

MAX_CAMPAIGN_DAYS = 366


def running(model: type[C], *, merchant_id: int, campaign_id: int, now: datetime, **filters: Any) -> C:
    """A campaign the customer may act on now; NotFound for another shop's, 409 when not running."""
    found = cast("C", model.objects.for_merchant(merchant_id).filter(**filters).get_owned(campaign_id))
    if not found.is_live(now):
        raise CampaignNotRunning(detail={"campaign_id": campaign_id, "status": found.status})
    return found


def check_window(starts_at: datetime, ends_at: datetime) -> None:
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise InvalidInput(detail={"starts_at": "times need a timezone"})
    if ends_at <= starts_at:
        raise InvalidInput(detail={"ends_at": "must be after starts_at"})
    if ends_at - starts_at > timedelta(days=MAX_CAMPAIGN_DAYS):
        raise InvalidInput(detail={"ends_at": f"a campaign lasts at most {MAX_CAMPAIGN_DAYS} days"})


def check_coupon_template(merchant_id: int, template_id: int | None, reward_kind: str) -> None:
    """A coupon reward names a coupon template of the same merchant; a points reward names none."""
    if reward_kind != "coupon":
        if template_id is not None:
            raise InvalidInput(detail={"coupon_template_id": "only coupon rewards take a template"})
        return
    if template_id is None:
        return  # the reward is recorded with its value and issued once a template is chosen
    from siyu.promotions.models import CouponTemplate

    if not CouponTemplate.objects.for_merchant(merchant_id).filter(pk=template_id).exists():
        raise NotFound(detail={"coupon_template_id": template_id})


def apply_changes(
    campaign: models.Model, *, staff: Staff, changes: dict[str, Any], editable: set[str], audit: str
) -> None:
    """Write the edited fields (already checked by the caller) and the audit row."""
    unknown = set(changes) - editable
    if unknown:
        raise InvalidInput(detail={"not_editable": sorted(unknown)})
    fields = sorted(changes)
    before = snapshot(campaign, fields)
    for name, value in changes.items():
        setattr(campaign, name, value)
    if fields:
        campaign.save(update_fields=[*fields, "updated_at"])
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action=f"{audit}.update",
        obj=campaign,
        before=before,
        after=snapshot(campaign, fields),
    )


def require_editable(campaign: Campaign) -> None:
    """An ended campaign is history: it is not edited any more."""
    if campaign.status == ActivityStatus.ENDED:
        raise InvalidTransition(detail={"from": campaign.status, "to": "edited"})


def is_new_customer(customer: Customer) -> bool:
    """A new customer has never paid an order at this merchant."""
    from siyu.orders.models import Order

    return not Order.objects.filter(
        merchant_id=customer.merchant_id, customer=customer, paid_at__isnull=False
    ).exists()


def require_new_customer(customer: Customer) -> None:
    if not is_new_customer(customer):
        raise NewCustomersOnly(detail={"customer_id": customer.pk})
