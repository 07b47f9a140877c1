"""Real threads against PostgreSQL: one guide's simultaneous grants never pass the daily cap together."""

from __future__ import annotations

from collections import Counter

import pytest

from siyu.members.loyalty.models import PointsEntry
from siyu.members.loyalty.services import admin
from siyu.tenancy.models import Role
from siyu.testing.concurrency import postgres_only, run_together  # noqa: F401 - postgres_only is autouse
from siyu.testing.snapshots import balance

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_eight_simultaneous_grants_of_500_by_a_guide_give_exactly_the_daily_2000(
    program, make_staff, customer_login
):
    guide = make_staff(Role.GUIDE)
    customers = [customer_login(f"member-{i}")[0] for i in range(8)]

    results = run_together(
        8,
        lambda i: (
            admin.adjust_points(staff=guide, customer_id=customers[i].pk, delta=500, reason="到店礼").delta
        ),
    )

    assert Counter(results) == {500: 4, "points_grant_over_limit": 4}
    assert PointsEntry.objects.filter(staff=guide).count() == 4
    assert sum(balance(c) for c in customers) == 2_000
