"""Two staff opening outlets with the same code at the same instant: one wins, the other is told why."""

from __future__ import annotations

from collections import Counter

import pytest

from siyu.tenancy.models import AuditEntry, Outlet
from siyu.tenancy.services import issue_staff_token
from siyu.testing.clients import ApiClient
from siyu.testing.concurrency import postgres_only, run_together  # noqa: F401 - postgres_only is autouse

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_simultaneous_outlets_with_one_code_make_one_outlet_and_a_clean_refusal(owner):
    token = issue_staff_token(staff=owner)

    def open_outlet(i: int) -> object:
        response = ApiClient(token).post("/api/v1/admin/outlets", {"code": "SH9", "name": f"Store {i}"})
        return (response.status_code, response.json()["code"] if response.status_code != 201 else "")

    results = run_together(6, open_outlet)

    assert Counter(results) == {(201, ""): 1, (400, "invalid_input"): 5}
    assert Outlet.objects.filter(code="SH9").count() == 1
    assert AuditEntry.objects.filter(action="outlet.create").count() == 1
