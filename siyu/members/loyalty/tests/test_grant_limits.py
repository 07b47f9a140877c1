"""Staff grant points within their role's limits: per adjustment and per day, in the merchant's day.

A guide's grant above the cap is refused and changes nothing; an operator or the owner can do it.
Driven through the admin API with the clock set (the merchant's day starts at 16:00 UTC).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.utils import timezone

from siyu.members.loyalty.models import PointsEntry
from siyu.tenancy.models import AuditEntry, Role
from siyu.tenancy.services import issue_staff_token
from siyu.testing.clients import ApiClient
from siyu.testing.snapshots import balance

pytestmark = pytest.mark.django_db

# 23:30 on 1 March in Shanghai; the merchant's next day begins 30 minutes later.
LATE_EVENING = datetime(2028, 3, 1, 15, 30, tzinfo=UTC)
NEXT_MORNING = datetime(2028, 3, 1, 16, 0, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch):
    now = [LATE_EVENING]
    monkeypatch.setattr(timezone, "now", lambda: now[0])
    return now


@pytest.fixture
def api_for(make_staff, clock):
    def make(role: str) -> ApiClient:
        return ApiClient(issue_staff_token(staff=make_staff(role)))

    return make


def _grant(api: ApiClient, customer, delta: int, reason: str = "门店补录"):
    return api.post(
        f"/api/v1/admin/loyalty/members/{customer.pk}/points-adjustments", {"delta": delta, "reason": reason}
    )


def test_a_guide_cannot_grant_more_than_the_cap_in_one_adjustment(api_for, program, customer):
    guide = api_for(Role.GUIDE)

    refused = _grant(guide, customer, 10_000_000)
    just_over = _grant(guide, customer, 501)

    for response in (refused, just_over):
        assert response.status_code == 403
        assert response.json()["code"] == "points_grant_over_limit"
        assert response.json()["detail"]["per"] == "adjustment"
        assert response.json()["detail"]["limit"] == 500
    assert just_over.json()["message"] == (
        "Your role may grant at most 500 points in one adjustment. Ask an operator or the owner."
    )
    assert balance(customer) == 0
    assert not PointsEntry.objects.exists() and not AuditEntry.objects.filter(action="points.adjust").exists()
    assert _grant(guide, customer, 500).status_code == 201
    assert balance(customer) == 500


def test_a_guide_grants_at_most_the_daily_cap_in_the_merchants_day(api_for, program, customer, clock):
    guide = api_for(Role.GUIDE)
    for _ in range(4):
        assert _grant(guide, customer, 500).status_code == 201

    refused = _grant(guide, customer, 1)

    assert refused.status_code == 403
    assert refused.json()["detail"] == {"delta": 1, "per": "day", "limit": 2_000, "granted_today": 2_000}
    assert balance(customer) == 2_000
    # Taking points away is not a grant: bounded by the balance only.
    assert _grant(guide, customer, -600, reason="录错了").status_code == 201
    assert _grant(guide, customer, 1).status_code == 403
    clock[0] = NEXT_MORNING
    assert _grant(guide, customer, 500).status_code == 201
    assert balance(customer) == 1_900


def test_an_operator_and_the_owner_grant_what_a_guide_may_not(api_for, program, customer):
    operator, owner = api_for(Role.OPERATOR), api_for(Role.OWNER)

    assert _grant(operator, customer, 20_000).status_code == 201
    assert _grant(operator, customer, 20_001).json()["detail"]["limit"] == 20_000
    assert _grant(owner, customer, 1_000_000).status_code == 201
    assert balance(customer) == 1_020_000
    audits = AuditEntry.objects.filter(action="points.adjust").order_by("id")
    assert [a.after["delta"] for a in audits] == [20_000, 1_000_000]


def test_a_replayed_grant_answers_as_before_even_at_the_cap(api_for, program, customer):
    guide = api_for(Role.GUIDE)
    url = f"/api/v1/admin/loyalty/members/{customer.pk}/points-adjustments"
    for i in range(4):
        key = {"Idempotency-Key": f"grant-{i}"}
        assert guide.post(url, {"delta": 500, "reason": "x"}, headers=key).status_code == 201

    again = guide.post(url, {"delta": 500, "reason": "x"}, headers={"Idempotency-Key": "grant-3"})

    assert (again.status_code, again.json()["points_balance"]) == (200, 2_000)
