"""Outlets, the merchant's settings and staff changes: permission, validation, audit, one transaction."""

from __future__ import annotations

import pytest

from siyu.core.errors import InvalidInput, NotFound, PermissionDenied
from siyu.tenancy.models import AuditEntry, Merchant, Outlet, Role, Staff
from siyu.tenancy.services import create_outlet, update_merchant, update_outlet, update_staff
from siyu.testing.factories import make_merchant
from siyu.testing.wechat import add_account

pytestmark = pytest.mark.django_db

HOURS = {"mon": [["09:00", "21:00"]], "sun": []}


def test_create_and_update_an_outlet_with_its_audit(owner, merchant):
    outlet = create_outlet(staff=owner, code=" SH2 ", name="Jing'an", city="上海", opening_hours=HOURS)

    assert (outlet.code, outlet.name, outlet.merchant_id, outlet.opening_hours) == (
        "SH2",
        "Jing'an",
        merchant.pk,
        HOURS,
    )
    updated = update_outlet(staff=owner, outlet_id=outlet.pk, supports_pickup=False, phone="021-1")
    assert (updated.supports_pickup, updated.phone) == (False, "021-1")
    audit = AuditEntry.objects.get(action="outlet.update")
    assert (audit.before["supports_pickup"], audit.after["supports_pickup"], audit.staff_id) == (
        True,
        False,
        owner.pk,
    )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"code": "", "name": "X"}, "code"),
        ({"code": "A", "name": " "}, "name"),
        ({"code": "A", "name": "X", "opening_hours": {"moon": []}}, "opening_hours"),
        ({"code": "A", "name": "X", "opening_hours": {"mon": [["10:00", "09:00"]]}}, "opening_hours"),
        ({"code": "A", "name": "X", "opening_hours": {"mon": [["9:00", "10:00"]]}}, "opening_hours"),
        ({"code": "A", "name": "X", "latitude": 91}, "latitude"),
        ({"code": "A", "name": "X", "colour": "red"}, "unknown"),
    ],
)
def test_an_invalid_outlet_is_refused_and_not_saved(fields, field, owner):
    with pytest.raises(InvalidInput) as exc:
        create_outlet(staff=owner, **fields)
    assert field in exc.value.detail
    assert Outlet.objects.count() == 0 and not AuditEntry.objects.filter(action="outlet.create").exists()


def test_outlet_codes_are_unique_per_merchant_and_ids_are_scoped(owner, outlet, make_staff):
    with pytest.raises(InvalidInput):
        create_outlet(staff=owner, code=outlet.code, name="Again")
    other = make_merchant("other")
    theirs = Outlet.objects.create(merchant=other, code=outlet.code, name="Theirs")
    with pytest.raises(NotFound):
        update_outlet(staff=owner, outlet_id=theirs.pk, name="Mine now")
    with pytest.raises(PermissionDenied):
        create_outlet(staff=make_staff(Role.ANALYST), code="Z", name="Z")
    assert Outlet.objects.get(pk=theirs.pk).name == "Theirs"


def test_update_merchant_validates_every_field_and_logs_no_secret(owner, merchant):
    with pytest.raises(InvalidInput) as no_mini_program:
        update_merchant(staff=owner, login_adapter="wechat")
    assert list(no_mini_program.value.detail) == ["login_adapter"]
    add_account(merchant, "mini_program", "wx0123456789abcdef", {"app_secret": "s3cret"})
    update_merchant(
        staff=owner,
        name="Tea Co",
        login_adapter="wechat",
        shipping_fee=0,
    )

    merchant.refresh_from_db()
    assert (merchant.name, merchant.login_adapter, merchant.shipping_fee) == ("Tea Co", "wechat", 0)
    audit = AuditEntry.objects.get(action="merchant.update")
    assert audit.after["login_adapter"] == "wechat"
    for bad in ({"timezone": "Nowhere"}, {"payment_timeout_minutes": 0}, {"name": ""}, {"slug": "x"}):
        with pytest.raises(InvalidInput):
            update_merchant(staff=owner, **bad)
    assert Merchant.objects.get(pk=merchant.pk).name == "Tea Co"


def test_update_staff_keeps_an_active_owner_and_scopes_outlets(owner, make_staff, outlet):
    clerk = make_staff(Role.GUIDE)
    update_staff(staff=owner, staff_id=clerk.pk, role=Role.OUTLET_MANAGER, outlet_ids=[outlet.pk])
    clerk.refresh_from_db()
    assert (clerk.role, list(clerk.outlets.all())) == ("outlet_manager", [outlet])

    with pytest.raises(InvalidInput):
        update_staff(staff=owner, staff_id=owner.pk, is_active=False)
    foreign = Outlet.objects.create(merchant=make_merchant("x"), code="X", name="X")
    with pytest.raises(NotFound):
        update_staff(staff=owner, staff_id=clerk.pk, outlet_ids=[foreign.pk])
    second = make_staff(Role.OWNER)
    update_staff(staff=second, staff_id=owner.pk, role=Role.OPERATOR)
    with pytest.raises(PermissionDenied):
        update_staff(staff=Staff.objects.get(pk=owner.pk), staff_id=second.pk, is_active=False)
    assert Staff.objects.get(pk=second.pk).is_active is True
