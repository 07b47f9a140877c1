"""Staff API tokens expire, die with a password change, and can be listed and revoked by their owner."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from siyu.tenancy.models import AuditEntry, Role, StaffToken
from siyu.tenancy.services import create_staff, issue_staff_token
from siyu.testing.clients import PASSWORD, ApiClient
from siyu.testing.factories import make_merchant

pytestmark = pytest.mark.django_db

T0 = datetime(2028, 2, 28, 15, 59, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch):
    now = [T0]
    monkeypatch.setattr(timezone, "now", lambda: now[0])
    return now


def _log_in(staff, password: str = PASSWORD) -> ApiClient:
    response = ApiClient().post(
        "/api/v1/admin/auth/token", {"username": staff.user.username, "password": password}
    )
    assert response.status_code == 201, response.content
    return ApiClient(response.json()["token"])


def test_a_token_expires_after_the_configured_days(owner, clock):
    response = ApiClient().post(
        "/api/v1/admin/auth/token", {"username": owner.user.username, "password": PASSWORD}
    )
    api = ApiClient(response.json()["token"])

    assert response.json()["expires_at"] == "2028-03-29T15:59:00Z"  # 30 days, through 29 February
    clock[0] = T0 + timedelta(days=30) - timedelta(seconds=1)
    assert api.get("/api/v1/admin/me").status_code == 200
    clock[0] = T0 + timedelta(days=30)
    assert api.get("/api/v1/admin/me").status_code == 401


@override_settings(SIYU_STAFF_TOKEN_DAYS=2)
def test_the_lifetime_is_a_setting(owner, clock):
    api = _log_in(owner)

    clock[0] = T0 + timedelta(days=2)
    assert api.get("/api/v1/admin/me").status_code == 401


def test_changing_the_password_revokes_every_token_of_the_person(owner, merchant):
    other_merchant = make_merchant("other")
    elsewhere = create_staff(
        merchant=other_merchant,
        username=owner.user.username,
        password="ignored",
        role=Role.ANALYST,
        display_name="x",
        link_existing_user=True,
    )
    laptop, phone = _log_in(owner), _log_in(owner)
    at_other = ApiClient(issue_staff_token(staff=elsewhere))

    changed = phone.post(
        "/api/v1/admin/auth/password", {"old_password": PASSWORD, "new_password": "n3w-secret-pw"}
    )

    assert changed.status_code == 201, changed.content
    for old in (laptop, phone, at_other):
        assert old.get("/api/v1/admin/me").status_code == 401
    assert ApiClient(changed.json()["token"]).get("/api/v1/admin/me").status_code == 200
    assert StaffToken.objects.count() == 1
    audit = AuditEntry.objects.get(action="staff.password")
    assert (audit.staff_id, audit.after) == (owner.pk, {"tokens_revoked": 3})
    refused = ApiClient().post(
        "/api/v1/admin/auth/token", {"username": owner.user.username, "password": PASSWORD}
    )
    assert refused.status_code == 401
    assert _log_in(owner, "n3w-secret-pw").get("/api/v1/admin/me").status_code == 200


def test_a_wrong_current_password_changes_nothing(owner):
    api = _log_in(owner)

    wrong = api.post(
        "/api/v1/admin/auth/password", {"old_password": "guess-1234", "new_password": "n3w-secret-pw"}
    )
    short = api.post("/api/v1/admin/auth/password", {"old_password": PASSWORD, "new_password": "short"})

    assert (wrong.status_code, wrong.json()["code"]) == (400, "wrong_password")
    assert short.status_code == 422
    assert api.get("/api/v1/admin/me").status_code == 200
    owner.user.refresh_from_db()
    assert owner.user.check_password(PASSWORD)
    assert not AuditEntry.objects.filter(action="staff.password").exists()


def test_a_password_changed_anywhere_else_kills_the_tokens(owner):
    api = _log_in(owner)

    owner.user.set_password("changed-by-siyu-changepassword")  # what `siyu changepassword` does
    owner.user.save()

    assert api.get("/api/v1/admin/me").status_code == 401


def test_staff_list_and_revoke_their_own_tokens(owner, make_staff, clock):
    laptop = _log_in(owner)
    clock[0] = T0 + timedelta(hours=1)
    phone = _log_in(owner)
    colleague = make_staff(Role.OPERATOR)
    theirs = ApiClient(issue_staff_token(staff=colleague))
    theirs_id = StaffToken.objects.get(staff=colleague).pk

    listed = phone.get("/api/v1/admin/auth/tokens").json()

    assert [(t["name"], t["created_at"], t["current"]) for t in listed] == [
        ("api-login", "2028-02-28T16:59:00Z", True),
        ("api-login", "2028-02-28T15:59:00Z", False),
    ]
    revoked = phone.delete(f"/api/v1/admin/auth/tokens/{listed[1]['id']}")
    assert revoked.status_code == 204
    assert laptop.get("/api/v1/admin/me").status_code == 401
    assert [t["id"] for t in phone.get("/api/v1/admin/auth/tokens").json()] == [listed[0]["id"]]
    audit = AuditEntry.objects.get(action="token.revoke")
    assert (audit.staff_id, audit.object_id) == (owner.pk, str(listed[1]["id"]))

    not_mine = phone.delete(f"/api/v1/admin/auth/tokens/{theirs_id}")
    assert not_mine.status_code == 404
    assert theirs.get("/api/v1/admin/me").status_code == 200
