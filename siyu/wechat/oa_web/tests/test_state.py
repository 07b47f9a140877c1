"""The OAuth state: single-use, signed over the pending login, expiring after ten minutes."""

from __future__ import annotations

import datetime as dt

import pytest

from siyu.testing.clock import at
from siyu.wechat.oa_web import state
from siyu.wechat.oa_web.errors import OAuthStateExpired, OAuthStateInvalid

NOW = dt.datetime(2028, 2, 29, 15, 59, tzinfo=dt.UTC)


def issue():
    return state.issue(
        shop="tea", app_id="wx0000000000000001", scope="snsapi_base", next_path="/shop/tea/me/", now=NOW
    )


def test_a_state_is_alphanumeric_and_short_enough_for_wechat():
    value, pending = issue()
    assert len(value) == 56 and value.isalnum() and value.isascii()
    assert state.nonce_of(value) == pending.nonce
    with at(NOW + dt.timedelta(minutes=9, seconds=59)):
        assert state.check(value, pending, shop="tea", app_id="wx0000000000000001") == pending


@pytest.mark.parametrize(
    "change",
    [
        {"next_path": "/shop/tea/orders/"},  # the return path was swapped
        {"scope": "snsapi_userinfo"},
        {"expires_at": (NOW + dt.timedelta(days=1)).isoformat()},
    ],
)
def test_an_edited_record_fails_the_mac(change):
    value, pending = issue()
    forged = state.PendingLogin(**{**pending.as_dict(), **change})
    with at(NOW), pytest.raises(OAuthStateInvalid):
        state.check(value, forged, shop="tea", app_id="wx0000000000000001")


def test_a_state_of_another_shop_account_or_with_an_edited_mac_is_refused():
    value, pending = issue()
    with at(NOW):
        with pytest.raises(OAuthStateInvalid):
            state.check(value, pending, shop="coffee", app_id="wx0000000000000001")
        with pytest.raises(OAuthStateInvalid):
            state.check(value, pending, shop="tea", app_id="wx0000000000000002")
        flipped = value[:-1] + ("a" if value[-1] != "a" else "b")
        with pytest.raises(OAuthStateInvalid):
            state.check(flipped, pending, shop="tea", app_id="wx0000000000000001")
        with pytest.raises(OAuthStateInvalid):
            state.check(value, None, shop="tea", app_id="wx0000000000000001")
    assert state.nonce_of("short") == ""
    assert state.nonce_of("é" * 56) == ""


def test_a_state_expires_after_ten_minutes():
    value, pending = issue()
    with at(NOW + dt.timedelta(minutes=10)), pytest.raises(OAuthStateExpired):
        state.check(value, pending, shop="tea", app_id="wx0000000000000001")
