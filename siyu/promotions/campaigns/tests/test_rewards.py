"""Coupon rewards are issued through the coupon service when a template of that value exists."""

from __future__ import annotations

import pytest

from siyu.promotions.campaigns.models import CampaignReward
from siyu.promotions.campaigns.services import assist, rewards
from siyu.promotions.models import Coupon
from siyu.promotions.services.coupons import create_template, update_template

pytestmark = pytest.mark.django_db


@pytest.fixture
def template(owner):
    return create_template(
        staff=owner,
        title="¥5 off",
        kind="amount",
        amount=500,
        validity="after_claim",
        valid_days=7,
        total_quantity=1,
    )


def test_unlocking_issues_the_templates_coupon(make_assist, template, customer, customer_login, now):
    campaign = make_assist(
        assists_needed=1, reward_kind="coupon", reward_value=500, coupon_template_id=template.pk
    )
    record = assist.start_assist(customer=customer, campaign_id=campaign.pk, now=now)

    assist.help_assist(helper=customer_login("bob")[0], record_id=record.pk, now=now)

    reward = CampaignReward.objects.get()
    coupon = Coupon.objects.get()
    assert (reward.status, reward.coupon_id) == ("issued", coupon.pk)
    assert (coupon.customer_id, coupon.template_id, coupon.source) == (customer.pk, template.pk, "assist")


def test_a_sold_out_template_leaves_the_reward_pending_until_restocked(
    make_assist, template, owner, customer, customer_login, now
):
    campaign = make_assist(
        assists_needed=1, reward_kind="coupon", reward_value=500, coupon_template_id=template.pk
    )
    for name in ("first", "second"):
        initiator = customer_login(name)[0]
        record = assist.start_assist(customer=initiator, campaign_id=campaign.pk, now=now)
        assist.help_assist(helper=customer, record_id=record.pk, now=now)

    assert sorted(CampaignReward.objects.values_list("status", flat=True)) == ["issued", "pending"]
    assert Coupon.objects.count() == 1
    update_template(staff=owner, template_id=template.pk, total_quantity=2)

    assert rewards.issue_pending_rewards() == 1
    assert rewards.issue_pending_rewards() == 0
    assert list(CampaignReward.objects.values_list("status", flat=True)) == ["issued", "issued"]
    assert Coupon.objects.count() == 2


def test_a_coupon_of_another_value_stays_pending(make_assist, template, customer, customer_login, now):
    campaign = make_assist(
        assists_needed=1, reward_kind="coupon", reward_value=800, coupon_template_id=template.pk
    )
    record = assist.start_assist(customer=customer, campaign_id=campaign.pk, now=now)
    assist.help_assist(helper=customer_login("bob")[0], record_id=record.pk, now=now)

    assert CampaignReward.objects.get().status == "pending"
    assert Coupon.objects.count() == 0


def test_another_merchants_template_is_refused(make_assist, window):
    from siyu.core.errors import NotFound
    from siyu.tenancy.services import create_staff
    from siyu.testing.factories import make_merchant

    other = make_merchant("other")
    their = create_template(
        staff=create_staff(
            merchant=other, username="o", password="pw-123456", role="owner", display_name="o"
        ),
        title="x",
        kind="amount",
        amount=500,
        validity="after_claim",
        valid_days=7,
    )
    with pytest.raises(NotFound):
        make_assist(reward_kind="coupon", reward_value=500, coupon_template_id=their.pk)
