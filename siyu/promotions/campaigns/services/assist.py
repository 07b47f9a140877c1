"""好友助力: staff create and run assist campaigns; customers start records and help each other.

A record's count grows by one conditional UPDATE (``assists_count < assists_needed``), so twenty
friends helping at once never push it past the goal: the help that reaches it unlocks the reward,
the ones after it are refused and leave nothing behind.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from siyu.core.errors import InvalidInput
from siyu.members.models import Customer
from siyu.promotions.campaigns.errors import (
    AssistAlreadyHelped,
    AssistAlreadyStarted,
    AssistClosed,
    AssistSelfHelp,
    CampaignNotRunning,
    CampaignRewardsGone,
)
from siyu.promotions.campaigns.models import (
    AssistCampaign,
    AssistHelp,
    AssistRecord,
    AssistStatus,
    RewardKind,
    RewardSource,
)
from siyu.promotions.campaigns.services.common import (
    apply_changes,
    check_coupon_template,
    check_window,
    require_editable,
    require_new_customer,
    running,
)
from siyu.promotions.campaigns.services.rewards import grant_reward
from siyu.promotions.kit.models import ActivityStatus
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import record_audit, require, snapshot

EDITABLE = {"name", "starts_at", "ends_at", "assists_needed", "hours", "new_helpers_only", "reward_stock"}
FIELDS = [*sorted(EDITABLE), "reward_kind", "reward_value", "coupon_template_id", "status"]


def _check_numbers(*, assists_needed: int, hours: int, reward_stock: int | None) -> None:
    if not 1 <= assists_needed <= 100:
        raise InvalidInput(detail={"assists_needed": "between 1 and 100"})
    if not 1 <= hours <= 720:
        raise InvalidInput(detail={"hours": "between 1 and 720"})
    if reward_stock is not None and reward_stock < 1:
        raise InvalidInput(detail={"reward_stock": "at least 1, or none for unlimited"})


@transaction.atomic
def create_assist(
    *,
    staff: Staff,
    name: str,
    starts_at: datetime,
    ends_at: datetime,
    assists_needed: int,
    hours: int,
    reward_kind: str,
    reward_value: int,
    coupon_template_id: int | None = None,
    new_helpers_only: bool = False,
    reward_stock: int | None = None,
) -> AssistCampaign:
    require(staff, Perm.PROMOTIONS_EDIT)
    check_window(starts_at, ends_at)
    _check_numbers(assists_needed=assists_needed, hours=hours, reward_stock=reward_stock)
    if reward_kind not in RewardKind.values:
        raise InvalidInput(detail={"reward_kind": reward_kind})
    if reward_value < 1:
        raise InvalidInput(detail={"reward_value": "at least 1"})
    check_coupon_template(staff.merchant_id, coupon_template_id, reward_kind)
    campaign = AssistCampaign.objects.create(
        merchant_id=staff.merchant_id,
        name=name.strip()[:64],
        starts_at=starts_at,
        ends_at=ends_at,
        assists_needed=assists_needed,
        hours=hours,
        reward_kind=reward_kind,
        reward_value=reward_value,
        coupon_template_id=coupon_template_id,
        new_helpers_only=new_helpers_only,
        reward_stock=reward_stock,
    )
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="assist.create",
        obj=campaign,
        after=snapshot(campaign, FIELDS),
    )
    return campaign


@transaction.atomic
def update_assist(
    *, staff: Staff, campaign_id: int, changes: dict[str, Any], now: datetime | None = None
) -> AssistCampaign:
    """Edit a campaign. A new goal or duration applies to records started afterwards."""
    require(staff, Perm.PROMOTIONS_EDIT)
    now = now or timezone.now()
    campaign = AssistCampaign.objects.for_merchant(staff.merchant_id).get_owned(campaign_id, lock=True)
    require_editable(campaign)
    if "starts_at" in changes and changes["starts_at"] != campaign.starts_at and campaign.starts_at <= now:
        raise InvalidInput(detail={"starts_at": "the campaign has started"})
    check_window(changes.get("starts_at", campaign.starts_at), changes.get("ends_at", campaign.ends_at))
    stock = changes.get("reward_stock", campaign.reward_stock)
    _check_numbers(
        assists_needed=changes.get("assists_needed", campaign.assists_needed),
        hours=changes.get("hours", campaign.hours),
        reward_stock=stock,
    )
    if stock is not None and stock < campaign.records_started:
        raise InvalidInput(detail={"reward_stock": f"at least the {campaign.records_started} already taken"})
    apply_changes(campaign, staff=staff, changes=changes, editable=EDITABLE, audit="assist")
    return campaign


@transaction.atomic
def start_assist(*, customer: Customer, campaign_id: int, now: datetime | None = None) -> AssistRecord:
    """The customer starts collecting helps; the reward is set aside for them until the record expires."""
    now = now or timezone.now()
    campaign = running(AssistCampaign, merchant_id=customer.merchant_id, campaign_id=campaign_id, now=now)
    live = AssistRecord.objects.filter(
        campaign=campaign, initiator=customer, status__in=[AssistStatus.ONGOING, AssistStatus.UNLOCKED]
    ).first()
    if live is not None:
        if live.status == AssistStatus.ONGOING and live.expires_at <= now:
            expire_record(record_id=live.pk, campaign_id=campaign.pk)  # lapsed, not swept yet
        else:
            raise AssistAlreadyStarted(detail={"record_id": live.pk})
    taken = (
        AssistCampaign.objects.filter(pk=campaign.pk, status=ActivityStatus.ACTIVE)
        .filter(Q(reward_stock__isnull=True) | Q(records_started__lt=F("reward_stock")))
        .update(records_started=F("records_started") + 1)
    )
    if taken != 1:
        raise CampaignRewardsGone(detail={"campaign_id": campaign.pk})
    try:
        with transaction.atomic():
            return AssistRecord.objects.create(
                merchant_id=customer.merchant_id,
                campaign=campaign,
                initiator=customer,
                assists_needed=campaign.assists_needed,
                expires_at=min(now + timedelta(hours=campaign.hours), campaign.ends_at),
            )
    except IntegrityError:
        raise AssistAlreadyStarted(detail={"campaign_id": campaign.pk}) from None  # a concurrent start won


def get_record(*, merchant_id: int, record_id: int) -> AssistRecord:
    return (
        AssistRecord.objects.for_merchant(merchant_id)
        .select_related("campaign", "initiator")
        .get_owned(record_id)
    )


@transaction.atomic
def help_assist(*, helper: Customer, record_id: int, now: datetime | None = None) -> AssistRecord:
    """Count one help from ``helper``; the help that reaches the goal unlocks the initiator's reward."""
    now = now or timezone.now()
    record = get_record(merchant_id=helper.merchant_id, record_id=record_id)
    campaign = record.campaign
    if record.initiator_id == helper.pk:
        raise AssistSelfHelp()
    if not campaign.is_live(now):
        raise CampaignNotRunning(detail={"campaign_id": campaign.pk, "status": campaign.status})
    if record.status != AssistStatus.ONGOING or record.expires_at <= now:
        raise AssistClosed(detail={"status": record.status})
    if campaign.new_helpers_only:
        require_new_customer(helper)
    try:
        with transaction.atomic():
            AssistHelp.objects.create(merchant_id=helper.merchant_id, record=record, helper=helper)
    except IntegrityError:
        raise AssistAlreadyHelped() from None
    counted = AssistRecord.objects.filter(
        pk=record.pk,
        status=AssistStatus.ONGOING,
        expires_at__gt=now,
        assists_count__lt=F("assists_needed"),
    ).update(assists_count=F("assists_count") + 1)
    if counted != 1:
        raise AssistClosed(
            detail={"record_id": record.pk}
        )  # filled or expired meanwhile: the help rolls back
    record.refresh_from_db(fields=["assists_count", "status"])  # this transaction holds the row now
    if record.assists_count == record.assists_needed:
        AssistRecord.machine.advance(record, AssistStatus.UNLOCKED, stamp="unlocked_at")
        grant_reward(
            customer=record.initiator,
            source=RewardSource.ASSIST,
            source_id=record.pk,
            kind=campaign.reward_kind,
            amount=campaign.reward_value,
            coupon_template_id=campaign.coupon_template_id,
        )
    return record


def expire_assists(*, now: datetime | None = None, batch: int = 500) -> int:
    """Expire records past their deadline (or whose campaign ended) and give their reward back to
    the campaign's stock. Safe to run on many workers: each record moves by compare-and-set."""
    now = now or timezone.now()
    due = AssistRecord.objects.filter(status=AssistStatus.ONGOING).filter(
        Q(expires_at__lte=now) | Q(campaign__status=ActivityStatus.ENDED)
    )
    expired = 0
    for pk, campaign_id in due.values_list("pk", "campaign_id")[:batch]:
        with transaction.atomic():
            expired += expire_record(record_id=pk, campaign_id=campaign_id)
    return expired


def expire_record(*, record_id: int, campaign_id: int) -> bool:
    """Move one ongoing record to expired (compare-and-set) and give its reward back to the stock."""
    if not AssistRecord.objects.filter(pk=record_id, status=AssistStatus.ONGOING).update(
        status=AssistStatus.EXPIRED
    ):
        return False
    AssistCampaign.objects.filter(pk=campaign_id).update(records_started=F("records_started") - 1)
    return True
