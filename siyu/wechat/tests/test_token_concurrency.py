"""20 callers finding the token missing at the same instant make one upstream call (PostgreSQL)."""

import pytest

from siyu.testing.concurrency import postgres_only, run_together  # noqa: F401 - postgres_only is autouse
from siyu.testing.wechat import add_account
from siyu.wechat import tokens
from siyu.wechat.models import AccountKind

pytestmark = pytest.mark.django_db(transaction=True)


def test_twenty_simultaneous_refreshes_make_one_upstream_call(merchant, fake_wechat):
    oa = add_account(merchant, AccountKind.OFFICIAL_ACCOUNT, "wxoa1", {"app_secret": "s"}, fake=fake_wechat)
    results = run_together(20, lambda i: tokens.access_token(oa))
    assert len(set(results)) == 1
    assert fake_wechat.calls[("/api", "/cgi-bin/token")] == 1


def test_twenty_callers_told_the_token_is_stale_replace_it_once(merchant, fake_wechat):
    oa = add_account(merchant, AccountKind.OFFICIAL_ACCOUNT, "wxoa1", {"app_secret": "s"}, fake=fake_wechat)
    stale = tokens.access_token(oa)
    results = run_together(20, lambda i: tokens.access_token(oa, stale=stale))
    assert len(set(results)) == 1
    assert results[0] != stale
    assert fake_wechat.calls[("/api", "/cgi-bin/token")] == 2


def test_twenty_refreshes_through_redis_make_one_upstream_call(merchant, fake_wechat, settings):
    import redis

    settings.REDIS_URL = "redis://127.0.0.1:6379/9"
    client = redis.Redis.from_url(settings.REDIS_URL)
    oa = add_account(merchant, AccountKind.OFFICIAL_ACCOUNT, "wxoa2", {"app_secret": "s"}, fake=fake_wechat)
    client.delete(tokens._redis_key(oa, "default"))
    results = run_together(20, lambda i: tokens.access_token(oa))
    assert len(set(results)) == 1
    assert fake_wechat.calls[("/api", "/cgi-bin/token")] == 1
    client.delete(tokens._redis_key(oa, "default"))
