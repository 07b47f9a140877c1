"""Repeated wrong guesses lock the account and the address out for the cool-off, right password or not.

Driven through every entry point: the admin API's token endpoint, the console login, the shop API's
login and coupon-code redemption, the storefront's login and redeem form. The clock is set (axes
reads it through its own import of ``now``); the limits are the defaults in siyu/settings.py.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from siyu.members.services import login_with_code
from siyu.promotions.models import Coupon
from siyu.promotions.services import coupons as coupon_services
from siyu.tenancy.models import AuditEntry, Role
from siyu.testing.clients import PASSWORD

pytestmark = pytest.mark.django_db

T0 = datetime(2028, 2, 29, 15, 50, tzinfo=UTC)  # 23:50 in Shanghai, the last day of February
HOME, AWAY = "198.51.100.7", "203.0.113.9"


@pytest.fixture
def clock(monkeypatch):
    now = [T0]
    monkeypatch.setattr(timezone, "now", lambda: now[0])
    monkeypatch.setattr("axes.handlers.proxy.now", lambda: now[0])
    return now


def _post_json(path: str, body: dict, ip: str = HOME, token: str = "", language: str = "en"):
    headers = {"Accept-Language": language}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    client = Client(REMOTE_ADDR=ip)
    return client.post(path, json.dumps(body), content_type="application/json", headers=headers)


def _token(staff_or_name, password: str, ip: str = HOME, language: str = "en"):
    username = staff_or_name if isinstance(staff_or_name, str) else staff_or_name.user.username
    return _post_json(
        "/api/v1/admin/auth/token", {"username": username, "password": password}, ip=ip, language=language
    )


def _refused_as_locked(response, retry_after: int) -> None:
    assert response.status_code == 429, response.content[:300]
    assert response["Retry-After"] == str(retry_after)


# Staff: the admin API's token endpoint and the console login ---------------------------------------


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(owner, make_staff, clock):
    other = make_staff(Role.OPERATOR)
    answers = [_token(owner, f"guess-{i}").status_code for i in range(4)]
    fifth = _token(owner, "guess-5")

    assert answers == [401, 401, 401, 401]
    _refused_as_locked(fifth, 900)
    assert fifth.json() == {
        "code": "too_many_attempts",
        "message": "Too many failed attempts. Please try again in 15 minutes.",
        "detail": {"retry_after": 900},
    }
    clock[0] = T0 + timedelta(minutes=5)
    _refused_as_locked(_token(owner, PASSWORD), 600)  # the right password, while locked
    _refused_as_locked(_token(owner, PASSWORD, ip=AWAY), 600)  # from anywhere: the account is locked
    assert _token(other, PASSWORD).status_code == 201  # another account from the same address
    clock[0] = T0 + timedelta(minutes=15)
    assert _token(owner, PASSWORD).status_code == 201


def test_the_lock_message_is_in_the_callers_language(owner, clock):
    for i in range(4):
        _token(owner, f"guess-{i}")

    response = _token(owner, "guess-5", language="zh-hans")

    assert response.status_code == 429
    assert response.json()["message"] == "尝试失败次数过多，请 15 分钟后再试。"


def test_a_lockout_is_audited_for_the_merchant(owner, merchant, clock):
    for i in range(5):
        _token(owner, f"guess-{i}")

    entry = AuditEntry.objects.get(action="staff.locked_out")
    assert (entry.merchant_id, entry.staff_id, entry.object_id) == (merchant.pk, None, str(owner.pk))
    assert entry.after == {"address": HOME, "until": "2028-02-29T16:05:00+00:00"}


def test_twenty_failures_from_one_address_lock_the_address_for_every_account(make_staff, clock):
    staff = [make_staff(Role.GUIDE) for _ in range(6)]
    answers = [_token(s, f"guess-{i}").status_code for s in staff[:5] for i in range(4)]

    assert answers == [401] * 19 + [429]
    _refused_as_locked(_token(staff[5], PASSWORD), 900)  # never failed, but from the locked address
    assert _token(staff[5], PASSWORD, ip=AWAY).status_code == 201
    assert _token(staff[0], PASSWORD, ip=AWAY).status_code == 201  # 4 failures: under its own limit
    clock[0] = T0 + timedelta(minutes=15)
    assert _token(staff[5], PASSWORD).status_code == 201


def test_an_unknown_username_counts_against_the_address(make_staff, clock):
    answers = [_token(f"nobody{i}", "x").status_code for i in range(20)]

    assert answers == [401] * 19 + [429]


def test_the_console_login_locks_too_and_shares_the_count(owner, clock):
    console = Client(REMOTE_ADDR=HOME, headers={"Accept-Language": "en"})
    for i in range(3):
        _token(owner, f"guess-{i}")
    wrong = console.post("/console/login/", {"username": owner.user.username, "password": "guess-3"})
    locked = console.post("/console/login/", {"username": owner.user.username, "password": "guess-4"})
    right = console.post("/console/login/", {"username": owner.user.username, "password": PASSWORD})

    assert wrong.status_code == 401
    _refused_as_locked(locked, 900)
    assert b'data-code="too_many_attempts"' in locked.content
    _refused_as_locked(right, 900)
    assert "_auth_user_id" not in console.session
    clock[0] = T0 + timedelta(minutes=15)
    assert (
        console.post("/console/login/", {"username": owner.user.username, "password": PASSWORD}).status_code
        == 302
    )


def test_successful_logins_never_lock(owner, clock):
    answers = [_token(owner, PASSWORD).status_code for _ in range(30)]

    assert answers == [201] * 30


# Customers: the shop API's login and the storefront login ---------------------------------------


def test_twenty_failed_login_codes_lock_the_address_out_of_the_shop(merchant, clock):
    answers = [
        _post_json("/api/v1/shop/tea/auth/login", {"code": f"invalid-{i}"}).status_code for i in range(20)
    ]

    assert answers == [401] * 19 + [429]
    _refused_as_locked(_post_json("/api/v1/shop/tea/auth/login", {"code": "alice"}), 900)
    assert _post_json("/api/v1/shop/tea/auth/login", {"code": "alice"}, ip=AWAY).status_code == 200
    storefront = Client(REMOTE_ADDR=HOME).post("/shop/tea/login/", {"nickname": "alice"})
    _refused_as_locked(storefront, 900)
    clock[0] = T0 + timedelta(minutes=15)
    assert _post_json("/api/v1/shop/tea/auth/login", {"code": "alice"}).status_code == 200


def test_the_storefront_login_counts_failed_codes(merchant, clock):
    browser = Client(REMOTE_ADDR=HOME)
    answers = [browser.post("/shop/tea/login/", {"nickname": f"invalid-{i}"}).status_code for i in range(20)]

    assert answers == [401] * 19 + [429]
    assert browser.get("/shop/tea/login/").status_code == 200  # the page still shows
    locked = browser.post("/shop/tea/login/", {"nickname": "alice"})
    _refused_as_locked(locked, 900)
    assert b'data-code="too_many_attempts"' in locked.content
    clock[0] = T0 + timedelta(minutes=15)
    assert browser.post("/shop/tea/login/", {"nickname": "alice"}).status_code == 302


# Coupon codes: the shop API and the storefront redeem form -------------------------------------------


@pytest.fixture
def code(owner) -> str:
    template = coupon_services.create_template(
        staff=owner,
        title="Tea",
        kind="amount",
        amount=2000,
        threshold=10000,
        validity="after_claim",
        valid_days=7,
        claimable=False,
        code_mode="shared",
    )
    coupon_services.create_codes(staff=owner, template_id=template.pk, code="TEA2028")
    return "TEA2028"


def test_ten_wrong_coupon_codes_lock_the_customer_but_not_others(merchant, code, clock):
    alice = login_with_code(merchant=merchant, code="alice").token
    bob = login_with_code(merchant=merchant, code="bob").token
    url = "/api/v1/shop/tea/coupons/redeem-code"

    answers = [_post_json(url, {"code": f"GUESS{i}"}, token=alice).status_code for i in range(10)]

    assert answers == [404] * 9 + [429]
    _refused_as_locked(_post_json(url, {"code": code}, token=alice), 900)
    _refused_as_locked(_post_json(url, {"code": code}, token=alice, ip=AWAY), 900)
    assert Coupon.objects.count() == 0
    assert _post_json(url, {"code": code}, token=bob).status_code == 200  # same address, another customer
    clock[0] = T0 + timedelta(minutes=15)
    assert _post_json(url, {"code": code}, token=alice).status_code == 200
    assert Coupon.objects.count() == 2


def test_thirty_wrong_coupon_codes_from_one_address_lock_it(merchant, code, clock):
    tokens = [login_with_code(merchant=merchant, code=f"shopper{i}").token for i in range(4)]
    url = "/api/v1/shop/tea/coupons/redeem-code"

    answers = [
        _post_json(url, {"code": f"GUESS{i}"}, token=t).status_code for t in tokens[:3] for i in range(9)
    ]
    answers += [_post_json(url, {"code": f"GUESS{i}"}, token=tokens[3]).status_code for i in range(3)]

    assert answers == [404] * 29 + [429]
    _refused_as_locked(_post_json(url, {"code": code}, token=tokens[3]), 900)
    assert _post_json(url, {"code": code}, token=tokens[3], ip=AWAY).status_code == 200


def test_the_storefront_redeem_form_counts_wrong_codes(merchant, code, clock):
    browser = Client(REMOTE_ADDR=HOME)
    assert browser.post("/shop/tea/login/", {"nickname": "alice"}).status_code == 302

    answers = [
        browser.post("/shop/tea/coupons/redeem/", {"code": f"GUESS{i}"}).status_code for i in range(10)
    ]

    assert answers == [404] * 9 + [429]
    locked = browser.post("/shop/tea/coupons/redeem/", {"code": code})
    _refused_as_locked(locked, 900)
    assert Coupon.objects.count() == 0
    clock[0] = T0 + timedelta(minutes=15)
    assert browser.post("/shop/tea/coupons/redeem/", {"code": code}).status_code == 302
    assert Coupon.objects.count() == 1
