"""What the playbooks' services share: loading a campaign of the caller's merchant, the time window,
status changes with their audit row, and who counts as a new customer."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from django.db import models

from siyu.core.errors import InvalidInput, InvalidTransition, NotFound
from siyu.members.models import Customer
from siyu.promotions.campaigns.errors import CampaignNotRunning, NewCustomersOnly
from siyu.promotions.campaigns.models import CampaignStatus
from siyu.promotions.campaigns.models.common import Campaign
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import record_audit, require, snapshot

C = TypeVar("C", bound=Campaign)

MAX_CAMPAIGN_DAYS = 366
ACTIONS = {"pause": CampaignStatus.PAUSED, "resume": CampaignStatus.ACTIVE, "end": CampaignStatus.ENDED}


def get_campaign(model: type[C], *, merchant_id: int, campaign_id: int, lock: bool = False, **filters) -> C:
    """One campaign of ``merchant_id``, or NotFound (also for another merchant's id)."""
    qs = model.objects.for_merchant(merchant_id).filter(pk=campaign_id, **filters)
    if lock:
        qs = qs.select_for_update()
    found = cast("C | None", qs.first())
    if found is None:
        raise NotFound(detail={"campaign_id": campaign_id})
    return found


def running(model: type[C], *, merchant_id: int, campaign_id: int, now: datetime, **filters) -> C:
    """A campaign the customer may act on now; NotFound for another shop's, 409 when not running."""
    found = get_campaign(model, merchant_id=merchant_id, campaign_id=campaign_id, **filters)
    if not found.is_running(now):
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


def set_status(model: type[C], *, staff: Staff, campaign_id: int, action: str, audit: str) -> C:
    """Pause, resume or end a campaign (compare-and-set on its status), with an audit row.
    Call inside the caller's transaction."""
    require(staff, Perm.PROMOTIONS_EDIT)
    if action not in ACTIONS:
        raise InvalidInput(detail={"action": action})
    campaign = get_campaign(model, merchant_id=staff.merchant_id, campaign_id=campaign_id)
    before = campaign.status
    model.machine.advance(campaign, ACTIONS[action])
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action=f"{audit}.{action}",
        obj=campaign,
        before={"status": before},
        after={"status": campaign.status},
    )
    return campaign


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
    if campaign.status == CampaignStatus.ENDED:
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
