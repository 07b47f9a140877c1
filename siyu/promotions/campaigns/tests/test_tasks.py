"""The periodic tasks run their sweeps (the test settings run tasks inline)."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest

from siyu.promotions.campaigns import tasks
from siyu.promotions.campaigns.models import AssistRecord, SplitTeam
from siyu.promotions.campaigns.services import assist, split
from siyu.promotions.presale import tasks as presale_tasks

pytestmark = pytest.mark.django_db


def test_expiry_task_expires_records_and_teams(make_assist, make_split, customer, customer_login, now):
    assist.start_assist(customer=customer, campaign_id=make_assist(hours=1).pk, now=now)
    split.start_team(customer=customer, campaign_id=make_split(hours=1).pk, now=now)

    with mock.patch("django.utils.timezone.now", return_value=now + timedelta(hours=2)):
        result = tasks.expire_campaign_entries.enqueue()

    assert result.return_value == 2
    assert AssistRecord.objects.get().status == "expired"
    assert SplitTeam.objects.get().status == "expired"


def test_reward_and_presale_tasks_run():
    assert tasks.issue_pending_rewards.enqueue().return_value == 0
    assert presale_tasks.settle_presales.enqueue().return_value == 0
