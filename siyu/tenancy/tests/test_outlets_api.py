"""The admin API's outlet routes write through the tenancy services: scope, validation, audit."""

from __future__ import annotations

import pytest

from siyu.tenancy.models import AuditEntry, Outlet, Role
from siyu.tenancy.services import issue_staff_token
from siyu.testing.clients import ApiClient

pytestmark = pytest.mark.django_db

HOURS = {"mon": [["09:00", "21:00"]], "sun": []}


def test_an_outlet_is_opened_and_audited(staff_api, owner, merchant):
    response = staff_api.post(
        "/api/v1/admin/outlets", {"code": " SH2 ", "name": "Jing'an", "city": "上海", "opening_hours": HOURS}
    )

    assert response.status_code == 201, response.content
    outlet = Outlet.objects.get(pk=response.json()["id"])
    assert (outlet.merchant_id, outlet.code, outlet.city, outlet.opening_hours) == (
        merchant.pk,
        "SH2",
        "上海",
        HOURS,
    )
    audit = AuditEntry.objects.get(action="outlet.create")
    assert (audit.staff_id, audit.object_id, audit.after["code"]) == (owner.pk, str(outlet.pk), "SH2")


def test_a_taken_code_is_refused_with_its_field(staff_api, outlet):
    response = staff_api.post("/api/v1/admin/outlets", {"code": outlet.code, "name": "Again"})

    assert response.status_code == 400
    assert (response.json()["code"], response.json()["detail"]) == ("invalid_input", {"code": "taken"})
    assert Outlet.objects.count() == 1


def test_staff_limited_to_one_outlet_cannot_change_another(make_staff, merchant, outlet):
    other = Outlet.objects.create(merchant=merchant, code="SH02", name="Pudong")
    operator = make_staff(Role.OPERATOR, outlets=[outlet])
    api = ApiClient(issue_staff_token(staff=operator))

    refused = api.patch(f"/api/v1/admin/outlets/{other.pk}", {"name": "Mine now", "is_active": False})
    allowed = api.patch(f"/api/v1/admin/outlets/{outlet.pk}", {"phone": "021-1"})

    assert refused.status_code == 403
    assert refused.json()["code"] == "outlet_out_of_scope"
    other.refresh_from_db()
    assert (other.name, other.is_active) == ("Pudong", True)
    assert allowed.status_code == 200 and allowed.json()["phone"] == "021-1"
    assert list(AuditEntry.objects.filter(action="outlet.update").values_list("object_id", flat=True)) == [
        str(outlet.pk)
    ]


def test_bad_opening_hours_are_refused(staff_api, outlet):
    response = staff_api.patch(
        f"/api/v1/admin/outlets/{outlet.pk}", {"opening_hours": {"mon": [["21:00", "09:00"]]}}
    )

    assert response.status_code == 400
    assert list(response.json()["detail"]) == ["opening_hours"]
    outlet.refresh_from_db()
    assert outlet.opening_hours == {}
