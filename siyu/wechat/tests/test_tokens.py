"""Access tokens against the sandbox over real HTTP: cached, refreshed once, never stampeded."""

from datetime import timedelta

import pytest
from django.utils import timezone

from siyu.testing.wechat import add_account
from siyu.wechat import tokens
from siyu.wechat.errors import WeChatApiError, WeChatNotConfigured, WeChatRetryable
from siyu.wechat.models import AccessToken, AccountKind
from siyu.wechat.sandbox.base import json_response

TOKEN_PATH = ("/api", "/cgi-bin/token")


@pytest.fixture
def oa(merchant, fake_wechat):
    return add_account(
        merchant, AccountKind.OFFICIAL_ACCOUNT, "wxoa1", {"app_secret": "s3cret"}, fake=fake_wechat
    )


@pytest.fixture
def echo(fake_wechat):
    """A token-checked API on the sandbox that answers with the app id its token names."""
    service = fake_wechat.service("/api")

    @service.route("GET", "/cgi-bin/echo")
    def _echo(request):
        app_id, refusal = fake_wechat.check_token("api", request)
        return refusal or json_response({"errcode": 0, "app_id": app_id})

    @service.route("GET", "/cgi-bin/busy")
    def _busy(request):
        return json_response({"errcode": 45009, "errmsg": "reach max api daily quota limit"})

    return fake_wechat


def test_token_is_fetched_once_and_reused(oa, fake_wechat):
    first = tokens.access_token(oa)
    assert tokens.access_token(oa) == first
    assert fake_wechat.calls[TOKEN_PATH] == 1
    row = AccessToken.objects.get(account=oa)
    assert row.merchant_id == oa.merchant_id
    assert row.token == first


def test_an_expiring_token_is_refreshed(oa, fake_wechat):
    first = tokens.access_token(oa)
    AccessToken.objects.filter(account=oa).update(expires_at=timezone.now() + timedelta(seconds=60))
    second = tokens.access_token(oa)
    assert second != first
    assert fake_wechat.calls[TOKEN_PATH] == 2


def test_a_rejected_token_is_refreshed_and_the_call_retried_once(oa, echo):
    assert tokens.call_api(oa, "GET", "/cgi-bin/echo") == {"errcode": 0, "app_id": "wxoa1"}
    echo.revoke_tokens()  # say another system fetched a new token: ours now gets 40001
    assert tokens.call_api(oa, "GET", "/cgi-bin/echo") == {"errcode": 0, "app_id": "wxoa1"}
    assert echo.calls[TOKEN_PATH] == 2
    assert echo.calls[("/api", "/cgi-bin/echo")] == 3


def test_rate_limits_are_retryable_and_bad_secrets_are_not(oa, echo, merchant):
    with pytest.raises(WeChatRetryable) as caught:
        tokens.call_api(oa, "GET", "/cgi-bin/busy")
    assert caught.value.errcode == 45009
    oa.set_secrets({"app_secret": "wrong"})
    oa.save()
    with pytest.raises(WeChatApiError) as refused:
        tokens.access_token(oa, force_refresh=True)
    assert refused.value.errcode == 40125
    assert not isinstance(refused.value, WeChatRetryable)


def test_wecom_tokens_are_per_secret(merchant, fake_wechat):
    corp = add_account(
        merchant,
        AccountKind.WECOM,
        "wwcorp",
        {"agent_secret": "a", "contact_secret": "c"},
        config={"agent_id": "1000002"},
        fake=fake_wechat,
    )
    agent, contact = tokens.access_token(corp, "agent"), tokens.access_token(corp, "contact")
    assert agent != contact
    assert fake_wechat.calls[("/qyapi", "/cgi-bin/gettoken")] == 2
    pay = add_account(merchant, AccountKind.WECHAT_PAY, "1900000001", {"apiv3_key": "k" * 32})
    with pytest.raises(WeChatNotConfigured):
        tokens.access_token(pay)


def test_redis_holds_the_token_when_configured(oa, fake_wechat, settings):
    import redis

    settings.REDIS_URL = "redis://127.0.0.1:6379/9"
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("no Redis")
    client.delete(tokens._redis_key(oa, "default"))
    first = tokens.access_token(oa)
    assert tokens.access_token(oa) == first
    assert tokens.access_token(oa, stale=first) != first
    assert fake_wechat.calls[TOKEN_PATH] == 2
    assert not AccessToken.objects.filter(account=oa).exists()
    client.delete(tokens._redis_key(oa, "default"))
