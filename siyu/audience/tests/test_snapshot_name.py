"""Issue 11 item 22: a snapshot of a segment with a long name gets a default name that fits the column.

The default was the source's first 47 characters plus `` @ <time>`` (22): 69 characters in a
64-character column, which PostgreSQL refuses (a 500) for any source name over 42 characters.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from siyu.audience.models import Segment
from siyu.tenancy.services import issue_staff_token
from siyu.testing.clients import ApiClient

ADM = "/api/v1/admin"
FEMALE = {"field": "gender", "op": "eq", "value": "female"}


@pytest.mark.django_db
def test_the_default_snapshot_name_of_a_long_segment_name_fits_the_column(owner):
    api = ApiClient(issue_staff_token(staff=owner))
    long_name = "长" * 30 + "x" * 34  # 64 characters, the most a segment name may have
    made = api.post(f"{ADM}/segments", {"name": long_name, "rule": FEMALE})
    assert made.status_code == 201, made.content
    with time_machine.travel(datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC), tick=False):
        snap = api.post(f"{ADM}/segments/{made.json()['id']}/snapshot", {})
    assert snap.status_code == 201, snap.content
    expected = "长" * 30 + "x" * 12 + " @ 2026-03-04 13:06:07"  # Asia/Shanghai
    assert (snap.json()["name"], len(expected)) == (expected, 64)
    assert Segment.objects.get(pk=snap.json()["id"]).name == expected
