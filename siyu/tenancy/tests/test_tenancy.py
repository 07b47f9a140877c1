import pytest
from django.test import Client

from siyu.core.errors import PermissionDenied
from siyu.tenancy.models import AuditEntry, Role
from siyu.tenancy.permissions import ROLE_PERMISSIONS, Perm, role_has
from siyu.tenancy.services import issue_staff_token, require, staff_for_token

pytestmark = pytest.mark.django_db


def test_every_role_has_a_permission_set():
    assert set(ROLE_PERMISSIONS) == set(Role.values)
    assert ROLE_PERMISSIONS[Role.OWNER] == frozenset(Perm)
    assert role_has(Role.OUTLET_MANAGER, Perm.PICKUP_VERIFY)
    assert role_has(Role.OUTLET_MANAGER, Perm.CUSTOMERS_VIEW)  # their guides' customers only
    assert not role_has(Role.OUTLET_MANAGER, Perm.CUSTOMERS_VIEW_PHONE)
    assert not role_has(Role.GUIDE, Perm.CUSTOMERS_ASSIGN_GUIDE)
    assert not role_has(Role.ANALYST, Perm.ORDERS_FULFIL)
    assert role_has(Role.GUIDE, Perm.CUSTOMERS_EDIT)
    assert not role_has(Role.SERVICE, Perm.CATALOG_EDIT)


def test_inactive_staff_can_do_nothing(make_staff):
    staff = make_staff(Role.OWNER)
    staff.is_active = False
    with pytest.raises(PermissionDenied):
        require(staff, Perm.CATALOG_VIEW)


def test_token_resolves_to_its_staff_only_while_active(make_staff):
    staff = make_staff(Role.OPERATOR)
    token = issue_staff_token(staff=staff)
    assert staff_for_token(token) == staff
    assert staff_for_token(token + "x") is None
    staff.is_active = False
    staff.save(update_fields=["is_active"])
    assert staff_for_token(token) is None


def test_session_login_reaches_the_admin_api(make_staff):
    staff = make_staff(Role.ANALYST)
    client = Client()
    assert client.get("/api/v1/admin/me").status_code == 401
    client.force_login(staff.user)
    me = client.get("/api/v1/admin/me")
    assert (me.status_code, me.json()["role"]) == (200, "analyst")


def test_creating_staff_is_audited(make_staff, owner, merchant):
    from siyu.tenancy.services import create_staff

    guide = create_staff(
        merchant=merchant,
        username="guide1",
        password="pw-123456",
        role=Role.GUIDE,
        display_name="小王",
        acting_staff=owner,
    )
    entry = AuditEntry.objects.get(action="staff.create", object_id=str(guide.pk))
    assert (entry.staff_id, entry.after) == (owner.pk, {"role": "guide", "username": "guide1", "outlets": []})


def test_taken_username_is_refused_unless_linking(merchant, owner):
    from siyu.core.errors import InvalidInput
    from siyu.tenancy.models import Staff
    from siyu.tenancy.services import create_staff
    from siyu.testing.factories import make_merchant

    other = make_merchant("other")
    with pytest.raises(InvalidInput):
        create_staff(
            merchant=other, username=owner.user.username, password="x" * 8, role=Role.OWNER, display_name="x"
        )
    assert Staff.objects.filter(merchant=other).count() == 0
    linked = create_staff(
        merchant=other,
        username=owner.user.username,
        password="ignored",
        role=Role.ANALYST,
        display_name="x",
        link_existing_user=True,
    )
    assert linked.user_id == owner.user_id and linked.user.check_password("pw-123456")


def test_no_django_admin_site_answers(owner):
    browser = Client()
    assert (
        browser.post(
            "/console/login/", {"username": owner.user.username, "password": "pw-123456"}
        ).status_code
        == 302
    )
    assert browser.get("/django-admin/").status_code == 404
    assert (
        browser.post(
            "/django-admin/login/", {"username": owner.user.username, "password": "pw-123456"}
        ).status_code
        == 404
    )
    assert not owner.user.is_superuser and not owner.user.is_staff


def test_a_platform_superuser_cannot_become_staff(merchant):
    from django.contrib.auth import get_user_model

    from siyu.core.errors import InvalidInput
    from siyu.tenancy.models import Staff
    from siyu.tenancy.services import create_staff

    get_user_model().objects.create_superuser(username="root", password="root-pw-123")
    with pytest.raises(InvalidInput) as exc:
        create_staff(
            merchant=merchant,
            username="root",
            password="ignored",
            role=Role.OWNER,
            display_name="root",
            link_existing_user=True,
        )
    assert exc.value.detail == {"username": "a platform account cannot be a merchant's staff"}
    assert Staff.objects.count() == 0
