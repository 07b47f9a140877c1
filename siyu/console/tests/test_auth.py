"""Console login, logout, CSRF, the merchant switch, and where each role starts."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from siyu.console.access import SESSION_MERCHANT
from siyu.tenancy.models import Role, Staff
from siyu.tenancy.services import create_staff
from siyu.testing.clients import PASSWORD, log_in
from siyu.testing.factories import make_merchant

pytestmark = pytest.mark.django_db


def test_the_login_page_is_chinese_by_default_and_english_on_request(db):
    chinese = Client().get("/console/login/", headers={"Accept-Language": "zh-CN"})
    english = Client().get("/console/login/", headers={"Accept-Language": "en"})
    plain = Client().get("/console/login/")

    assert chinese.status_code == english.status_code == plain.status_code == 200
    assert '<html lang="zh-hans">' in chinese.content.decode()
    assert '<html lang="zh-hans">' in plain.content.decode()
    assert '<html lang="en">' in english.content.decode()


def test_a_page_without_a_login_redirects_to_the_login_with_next(db):
    response = Client().get("/console/orders/?status=paid")

    assert response.status_code == 302
    assert response["Location"] == "/console/login/?next=/console/orders/%3Fstatus%3Dpaid"


def test_staff_log_in_and_land_on_the_first_page_their_role_opens(owner):
    client = Client()
    response = client.post(
        "/console/login/?next=/console/orders/",
        {"username": owner.user.username, "password": PASSWORD, "next": "/console/orders/"},
    )

    assert response.status_code == 302 and response["Location"] == "/console/orders/"
    assert client.session[SESSION_MERCHANT] == owner.merchant_id
    assert client.get("/console/")["Location"] == "/console/overview/"
    # The login page sends a logged-in user on.
    assert client.get("/console/login/")["Location"] == "/console/"


@pytest.mark.parametrize(
    ("role", "home"),
    [
        (Role.OWNER, "/console/overview/"),
        (Role.ANALYST, "/console/overview/"),
        (Role.GUIDE, "/console/products/"),
        (Role.SERVICE, "/console/products/"),
        (Role.OUTLET_MANAGER, "/console/products/"),
    ],
)
def test_each_role_starts_where_its_permissions_allow(role, home, console_as):
    client, _staff = console_as(role)
    assert client.get("/console/")["Location"] == home


def test_an_offsite_next_is_ignored(owner):
    response = Client().post(
        "/console/login/",
        {"username": owner.user.username, "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == "/console/"


def test_a_wrong_password_is_refused_and_logs_nobody_in(owner):
    client = Client()
    response = client.post("/console/login/", {"username": owner.user.username, "password": "nope-nope"})

    assert response.status_code == 401
    assert 'data-testid="error"' in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/console/orders/").status_code == 302


def test_a_user_who_is_not_staff_anywhere_is_refused(db):
    get_user_model().objects.create_user(username="visitor", password=PASSWORD)
    client = Client()

    response = client.post("/console/login/", {"username": "visitor", "password": PASSWORD})

    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_deactivated_staff_lose_the_console_at_once(owner):
    client = log_in(owner)
    Staff.objects.filter(pk=owner.pk).update(is_active=False)

    response = client.get("/console/orders/")

    assert response.status_code == 302 and response["Location"].startswith("/console/login/")


def test_logout_is_a_post_and_ends_the_session(owner):
    client = log_in(owner)
    assert client.get("/console/logout/").status_code == 405
    assert client.get("/console/orders/").status_code == 200

    response = client.post("/console/logout/")

    assert response["Location"] == "/console/login/"
    assert client.get("/console/orders/").status_code == 302


def test_posts_need_the_csrf_token(owner, paid_order):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner.user)

    response = client.post(
        f"/console/orders/{paid_order.pk}/ship/", {"carrier": "SF", "tracking_number": "SF1234567890123"}
    )

    assert response.status_code == 403
    paid_order.refresh_from_db()
    assert paid_order.status == "paid"


def test_a_person_working_for_two_merchants_switches_between_them(owner, merchant):
    other = make_merchant("coffee", name="Coffee")
    create_staff(
        merchant=other,
        username=owner.user.username,
        password="ignored",
        role=Role.ANALYST,
        display_name="Analyst",
        link_existing_user=True,
    )
    client = log_in(owner)
    page = client.get("/console/orders/").content.decode()
    assert 'name="merchant_id"' in page and "Coffee" in page

    client.post("/console/merchant/switch/", {"merchant_id": other.pk})

    assert client.session[SESSION_MERCHANT] == other.pk
    assert client.get("/console/orders/").status_code == 200
    # The analyst role at Coffee manages no staff; the owner role at Tea did.
    assert client.get("/console/settings/staff/").status_code == 403


def test_switching_to_a_merchant_one_does_not_work_for_is_404_and_changes_nothing(owner):
    stranger = make_merchant("stranger")
    client = log_in(owner)

    response = client.post("/console/merchant/switch/", {"merchant_id": stranger.pk})

    assert response.status_code == 404
    assert client.session[SESSION_MERCHANT] == owner.merchant_id
