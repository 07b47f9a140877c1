"""好友助力 through its services: goals, once per helper, new-customer helpers, expiry, stock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from siyu.core.errors import PermissionDenied
from siyu.promotions.campaigns.errors import (
    AssistAlreadyHelped,
    AssistAlreadyStarted,
    AssistClosed,
    AssistSelfHelp,
    CampaignNotRunning,
    CampaignRewardsGone,
    NewCustomersOnly,
)
from siyu.promotions.campaigns.models import AssistCampaign, AssistHelp, AssistRecord, CampaignReward
from siyu.promotions.campaigns.playbook import ASSISTS
from siyu.promotions.campaigns.services import assist
from siyu.promotions.kit.services import set_status
from siyu.tenancy.models import AuditEntry, Role
from siyu.testing.flows import pay, place

pytestmark = pytest.mark.django_db


def _friends(customer_login, n: int, prefix: str = "friend"):
    return [customer_login(f"{prefix}-{i}")[0] for i in range(n)]


def test_three_helps_unlock_the_reward_once(make_assist, customer, customer_login, now):
    campaign = make_assist()
    record = assist.start_assist(customer=customer, campaign_id=campaign.pk, now=now)
    assert record.expires_at == now + timedelta(hours=24)
    friends = _friends(customer_login, 4)

    for i, friend in enumerate(friends[:3], start=1):
        record = assist.help_assist(helper=friend, record_id=record.pk, now=now)
        assert record.assists_count == i

    assert record.status == "unlocked" and record.unlocked_at is not None
    reward = CampaignReward.objects.get()
    assert (
        reward.customer_id,
        reward.source,
        reward.source_id,
        reward.kind,
        reward.amount,
        reward.status,
    ) == (
        customer.pk,
        "assist",
        record.pk,
        "points",
        500,
        "pending",
    )
    with pytest.raises(AssistClosed):
        assist.help_assist(helper=friends[3], record_id=record.pk, now=now)
    assert AssistHelp.objects.count() == 3
    assert AssistRecord.objects.get().assists_count == 3


def test_a_helper_helps_a_record_once_and_never_their_own(make_assist, customer, customer_login, now):
    record = assist.start_assist(customer=customer, campaign_id=make_assist().pk, now=now)
    friend = customer_login("bob")[0]
    assist.help_assist(helper=friend, record_id=record.pk, now=now)

    with pytest.raises(AssistAlreadyHelped):
        assist.help_assist(helper=friend, record_id=record.pk, now=now)
    with pytest.raises(AssistSelfHelp):
        assist.help_assist(helper=customer, record_id=record.pk, now=now)
    assert AssistRecord.objects.get().assists_count == 1
    assert AssistHelp.objects.count() == 1


def test_new_customers_only_refuses_a_helper_who_has_paid(
    make_assist, customer, customer_login, sku, now, address
):
    from siyu.members.services import save_address

    record = assist.start_assist(
        customer=customer, campaign_id=make_assist(new_helpers_only=True).pk, now=now
    )
    old = customer_login("old-buyer")[0]
    addr = save_address(customer=old, recipient="r", phone="13800000000", province="p", city="c", detail="d")
    pay(old, place(old, [(sku.pk, 1)], address=addr))
    new = customer_login("newcomer")[0]

    with pytest.raises(NewCustomersOnly):
        assist.help_assist(helper=old, record_id=record.pk, now=now)
    assist.help_assist(helper=new, record_id=record.pk, now=now)
    assert list(AssistHelp.objects.values_list("helper_id", flat=True)) == [new.pk]


def test_another_merchants_customer_cannot_see_or_help(make_assist, customer, customer_login, now):
    from siyu.testing.factories import make_merchant

    record = assist.start_assist(customer=customer, campaign_id=make_assist().pk, now=now)
    stranger = customer_login("eve", m=make_merchant("other"))[0]
    from siyu.core.errors import NotFound

    with pytest.raises(NotFound):
        assist.help_assist(helper=stranger, record_id=record.pk, now=now)
    assert AssistHelp.objects.count() == 0


def test_one_live_record_per_customer_and_restart_after_expiry(make_assist, customer, now):
    campaign = make_assist(hours=2)
    record = assist.start_assist(customer=customer, campaign_id=campaign.pk, now=now)
    with pytest.raises(AssistAlreadyStarted):
        assist.start_assist(customer=customer, campaign_id=campaign.pk, now=now + timedelta(hours=1))

    again = assist.start_assist(customer=customer, campaign_id=campaign.pk, now=now + timedelta(hours=3))

    assert again.pk != record.pk
    assert AssistRecord.objects.get(pk=record.pk).status == "expired"
    assert AssistCampaign.objects.get().records_started == 1


def test_expired_record_refuses_helps_and_sweep_returns_its_stock(make_assist, customer, customer_login, now):
    campaign = make_assist(hours=1, reward_stock=1)
    record = assist.start_assist(customer=customer, campaign_id=campaign.pk, now=now)
    friend = customer_login("late")[0]
    with pytest.raises(CampaignRewardsGone):
        assist.start_assist(customer=friend, campaign_id=campaign.pk, now=now)
    with pytest.raises(AssistClosed):
        assist.help_assist(helper=friend, record_id=record.pk, now=now + timedelta(hours=2))

    assert assist.expire_assists(now=now + timedelta(hours=2)) == 1
    assert assist.expire_assists(now=now + timedelta(hours=2)) == 0
    assert AssistRecord.objects.get().status == "expired"
    assert AssistCampaign.objects.get().records_started == 0
    assert assist.start_assist(customer=friend, campaign_id=campaign.pk, now=now + timedelta(hours=2))


def test_record_deadline_is_capped_by_the_campaign_end(make_assist, customer, now):
    campaign = make_assist(hours=72, ends_at=now + timedelta(hours=5))
    record = assist.start_assist(customer=customer, campaign_id=campaign.pk, now=now)
    assert record.expires_at == campaign.ends_at


def test_paused_campaign_refuses_starts_and_helps(make_assist, owner, customer, customer_login, now):
    campaign = make_assist()
    record = assist.start_assist(customer=customer, campaign_id=campaign.pk, now=now)
    set_status(ASSISTS, "pause", staff=owner, activity_id=campaign.pk)

    with pytest.raises(CampaignNotRunning):
        assist.help_assist(helper=customer_login("x")[0], record_id=record.pk, now=now)
    with pytest.raises(CampaignNotRunning):
        assist.start_assist(customer=customer_login("y")[0], campaign_id=campaign.pk, now=now)
    assert AssistHelp.objects.count() == 0
    assert list(
        AuditEntry.objects.filter(action__startswith="assist.")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == [
        "assist.create",
        "assist.pause",
    ]


def test_not_started_campaign_refuses(make_assist, customer, now):
    campaign = make_assist(starts_at=now + timedelta(hours=1))
    with pytest.raises(CampaignNotRunning):
        assist.start_assist(customer=customer, campaign_id=campaign.pk, now=now)
    assert AssistRecord.objects.count() == 0


def test_edits_apply_to_new_records_and_keep_stock_above_taken(
    make_assist, owner, customer, customer_login, now
):
    from siyu.core.errors import InvalidInput

    campaign = make_assist(reward_stock=5)
    first = assist.start_assist(customer=customer, campaign_id=campaign.pk, now=now)
    assist.start_assist(customer=customer_login("b")[0], campaign_id=campaign.pk, now=now)

    assist.update_assist(staff=owner, campaign_id=campaign.pk, changes={"assists_needed": 5}, now=now)
    with pytest.raises(InvalidInput):
        assist.update_assist(staff=owner, campaign_id=campaign.pk, changes={"reward_stock": 1}, now=now)
    with pytest.raises(InvalidInput):
        assist.update_assist(staff=owner, campaign_id=campaign.pk, changes={"starts_at": now}, now=now)
    later = assist.start_assist(customer=customer_login("c")[0], campaign_id=campaign.pk, now=now)

    assert (AssistRecord.objects.get(pk=first.pk).assists_needed, later.assists_needed) == (3, 5)
    assert AssistCampaign.objects.get().reward_stock == 5


def test_staff_without_edit_permission_cannot_create(make_staff, window):
    guide = make_staff(Role.GUIDE)
    with pytest.raises(PermissionDenied):
        assist.create_assist(
            staff=guide, name="x", assists_needed=2, hours=1, reward_kind="points", reward_value=1, **window
        )
    assert AssistCampaign.objects.count() == 0
