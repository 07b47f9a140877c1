"""好友瓜分 through its services: teams fill exactly, shares are seeded and exact, expiry frees members."""

from __future__ import annotations

from datetime import timedelta

import pytest

from siyu.promotions.campaigns.drawing import derive_seed, split_amounts
from siyu.promotions.campaigns.errors import CampaignRewardsGone, TeamAlreadyJoined, TeamClosed
from siyu.promotions.campaigns.models import CampaignReward, SplitCampaign, SplitMember, SplitTeam
from siyu.promotions.campaigns.services import split

pytestmark = pytest.mark.django_db


def test_the_kth_member_fills_the_team_and_the_pool_is_split_exactly(
    make_split, customer, customer_login, now
):
    campaign = make_split()
    team = split.start_team(customer=customer, campaign_id=campaign.pk, now=now)
    bob, carol = customer_login("bob")[0], customer_login("carol")[0]
    assert split.join_team(customer=bob, team_id=team.pk, now=now).status == "forming"

    team = split.join_team(customer=carol, team_id=team.pk, now=now)

    assert (team.status, team.member_count) == ("filled", 3)
    assert team.seed == derive_seed(campaign.secret, f"team:{team.pk}")
    shares = list(
        SplitMember.objects.filter(team=team).order_by("position").values_list("customer_id", "share")
    )
    expected = split_amounts(team.seed, 10_000, 3, 100)
    assert shares == list(zip([customer.pk, bob.pk, carol.pk], expected, strict=True))
    assert sum(s for _, s in shares) == 10_000
    rewards = CampaignReward.objects.order_by("source_id").values_list(
        "customer_id", "source", "kind", "amount"
    )
    assert list(rewards) == [(c, "split", "points", s) for c, s in shares]


def test_a_full_team_refuses_more_members(make_split, customer, customer_login, now):
    team = split.start_team(customer=customer, campaign_id=make_split(team_size=2).pk, now=now)
    split.join_team(customer=customer_login("bob")[0], team_id=team.pk, now=now)
    late = customer_login("late")[0]

    with pytest.raises(TeamClosed):
        split.join_team(customer=late, team_id=team.pk, now=now)
    assert SplitTeam.objects.get().member_count == 2
    assert SplitMember.objects.filter(customer=late).count() == 0


def test_one_live_team_per_customer_per_campaign(make_split, customer, customer_login, now):
    campaign = make_split()
    first = split.start_team(customer=customer, campaign_id=campaign.pk, now=now)
    other = split.start_team(customer=customer_login("bob")[0], campaign_id=campaign.pk, now=now)

    with pytest.raises(TeamAlreadyJoined):
        split.join_team(customer=customer, team_id=other.pk, now=now)
    with pytest.raises(TeamAlreadyJoined):
        split.start_team(customer=customer, campaign_id=campaign.pk, now=now)
    with pytest.raises(TeamAlreadyJoined):
        split.join_team(customer=customer, team_id=first.pk, now=now)
    assert SplitTeam.objects.get(pk=other.pk).member_count == 1
    assert SplitTeam.objects.count() == 2
    assert SplitCampaign.objects.get().teams_started == 2


def test_expired_team_frees_its_members_and_its_pool(make_split, customer, customer_login, now):
    campaign = make_split(hours=1, team_stock=1)
    team = split.start_team(customer=customer, campaign_id=campaign.pk, now=now)
    bob = customer_login("bob")[0]
    with pytest.raises(CampaignRewardsGone):
        split.start_team(customer=bob, campaign_id=campaign.pk, now=now)
    with pytest.raises(TeamClosed):
        split.join_team(customer=bob, team_id=team.pk, now=now + timedelta(hours=2))

    assert split.expire_teams(now=now + timedelta(hours=2)) == 1
    assert SplitTeam.objects.get().status == "expired"
    assert SplitCampaign.objects.get().teams_started == 0
    again = split.start_team(customer=customer, campaign_id=campaign.pk, now=now + timedelta(hours=2))
    assert again.pk != team.pk and CampaignReward.objects.count() == 0


def test_team_settings_are_fixed_when_it_opens(make_split, owner, customer, customer_login, now):
    campaign = make_split(team_size=2, pool_amount=1000, min_share=10)
    team = split.start_team(customer=customer, campaign_id=campaign.pk, now=now)
    split.update_split(
        staff=owner, campaign_id=campaign.pk, changes={"team_size": 4, "pool_amount": 9000}, now=now
    )

    team = split.join_team(customer=customer_login("bob")[0], team_id=team.pk, now=now)

    assert team.status == "filled"
    assert sum(SplitMember.objects.filter(team=team).values_list("share", flat=True)) == 1000


def test_pool_must_cover_every_minimum(owner, window):
    from siyu.core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        split.create_split(
            staff=owner,
            name="x",
            team_size=5,
            pool_amount=499,
            min_share=100,
            hours=1,
            reward_kind="points",
            **window,
        )
    assert SplitCampaign.objects.count() == 0
