"""微信登录 on the H5 storefront, end to end: Siyu redirects to the sandbox's authorisation page
over real HTTP, the page sends the browser back with a code, Siyu exchanges it with the fake and
logs the customer in. Every refusal is the login error page and changes nothing."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from siyu.members import services as members
from siyu.members.models import Customer, CustomerIdentity, IdentityKind
from siyu.testing import oa_web
from siyu.testing.clock import at
from siyu.testing.factories import log_in_customer
from siyu.testing.snapshots import changed, tenant_rows
from siyu.wechat.models import WeChatAccount
from siyu.wechat.sandbox import oa_web as fake_oa_web

pytestmark = pytest.mark.django_db

APP = oa_web.OA_APP_ID
RETURN = f"http://testserver/wechat/oa/{APP}/oauth/"


@pytest.fixture
def fake(settings):
    with oa_web.running_fake() as running:
        settings.SIYU_WECHAT_BASES = running.bases()
        yield running


@pytest.fixture
def account(merchant, fake):
    return oa_web.make_oa_account(merchant, fake)


def start(client: Client, next_path: str = "/shop/tea/orders/") -> str:
    response = client.get(f"/shop/tea/login/wechat/?next={quote(next_path)}")
    assert response.status_code == 302
    return response["Location"]


def identities(customer: Customer) -> dict[str, str]:
    return dict(CustomerIdentity.objects.filter(customer=customer).values_list("kind", "value"))


def test_the_login_page_offers_wechat_login_only_with_an_official_account(client, merchant, fake):
    page = client.get("/shop/tea/login/?next=/shop/tea/orders/").content.decode()
    assert 'data-testid="wechat-login"' not in page
    response = client.get("/shop/tea/login/wechat/")
    assert response.status_code == 404
    assert 'data-code="wechat_login_unavailable"' in response.content.decode()

    oa_web.make_oa_account(merchant, fake)
    page = client.get("/shop/tea/login/?next=/shop/tea/orders/").content.decode()
    assert 'href="/shop/tea/login/wechat/?next=/shop/tea/orders/"' in page
    assert 'data-testid="login-form"' in page  # the existing login stays


def test_silent_base_login_registers_the_follower_and_returns_to_the_page(client, merchant, account, fake):
    location = start(client)
    match = re.fullmatch(
        re.escape(
            f"{fake.base}/open/connect/oauth2/authorize?appid={APP}&redirect_uri={quote(RETURN, safe='')}"
        )
        + r"&response_type=code&scope=snsapi_base&state=([A-Za-z0-9]{56})#wechat_redirect",
        location,
    )
    assert match, location
    back = oa_web.authorize(location, user="xiaoming")
    query = parse_qs(urlsplit(back).query)
    assert back.startswith(RETURN) and query["state"] == [match.group(1)] and len(query["code"][0]) == 32

    response = client.get(oa_web.local_path(back))
    assert response.status_code == 302 and response["Location"] == "/shop/tea/orders/"
    customer = Customer.objects.get(merchant=merchant)
    assert identities(customer) == {
        IdentityKind.OA_OPENID: fake_oa_web.openid_for(APP, "xiaoming"),
        IdentityKind.UNIONID: fake_oa_web.default_unionid("xiaoming"),
    }
    assert customer.nickname == "" and customer.first_touch_source == "h5"
    assert client.get("/shop/tea/me/").status_code == 200  # logged in


def test_userinfo_login_fills_nickname_and_avatar(client, merchant, fake):
    oa_web.make_oa_account(merchant, fake, userinfo=True)
    location = start(client)
    assert "&scope=snsapi_userinfo&" in location
    response = client.get(oa_web.local_path(oa_web.authorize(location, user="lihua")))
    assert response.status_code == 302
    customer = Customer.objects.get(merchant=merchant)
    assert (customer.nickname, customer.avatar_url) == ("李华", f"{fake.base}/ui/oa/avatar/lihua.svg")

    # Next time the shop's own profile stays: WeChat's nickname fills only a blank one.
    customer.nickname = "华华"
    customer.save(update_fields=["nickname"])
    client.post("/shop/tea/logout/")
    client.get(oa_web.local_path(oa_web.authorize(start(client), user="lihua")))
    customer.refresh_from_db()
    assert customer.nickname == "华华" and Customer.objects.filter(merchant=merchant).count() == 1


def test_a_mini_program_customer_is_matched_by_unionid(client, merchant, account, fake):
    mp_customer, _token = log_in_customer(merchant, "alice")
    unionid = identities(mp_customer)[IdentityKind.UNIONID]
    fake_oa_web.add_user(fake.app, "alice", "Alice", unionid=unionid)

    response = client.get(oa_web.local_path(oa_web.authorize(start(client), user="alice")))
    assert response.status_code == 302
    assert list(Customer.objects.filter(merchant=merchant)) == [mp_customer]
    assert identities(mp_customer)[IdentityKind.OA_OPENID] == fake_oa_web.openid_for(APP, "alice")
    assert client.get("/shop/tea/me/").status_code == 200


def test_the_landing_source_and_sharer_are_kept(client, merchant, account, fake):
    client.get("/shop/tea/?source=article")
    client.get(oa_web.local_path(oa_web.authorize(start(client), user="wangfang")))
    reader = Customer.objects.get(identities__value=fake_oa_web.openid_for(APP, "wangfang"))
    assert reader.first_touch_source == "article" and reader.referrer_id is None

    sharer, _token = log_in_customer(merchant, "sharer")
    friend = Client()
    friend.get(f"/shop/tea/?sharer={sharer.pk}&source=moments")
    friend.get(oa_web.local_path(oa_web.authorize(start(friend), user="lihua")))
    referred = Customer.objects.get(identities__value=fake_oa_web.openid_for(APP, "lihua"))
    assert (referred.first_touch_source, referred.referrer_id) == ("moments", sharer.pk)


def refused(client: Client, url: str, merchant, status: int, code: str) -> None:
    before = tenant_rows(merchant)
    response = client.get(url)
    assert response.status_code == status, response.content[:600]
    page = response.content.decode()
    assert f'data-code="{code}"' in page and 'data-testid="login-again"' in page
    assert changed(before, tenant_rows(merchant)) == []
    assert client.get("/shop/tea/me/").status_code == 302  # still not logged in


def test_a_used_forged_or_foreign_state_is_refused(client, merchant, account, fake):
    back = oa_web.authorize(start(client))
    state = parse_qs(urlsplit(back).query)["state"][0]
    code = parse_qs(urlsplit(back).query)["code"][0]

    other = Client()  # another browser: the state's record is not in its session (login CSRF)
    refused(other, oa_web.local_path(back), merchant, 400, "oauth_state_invalid")
    forged = state[:-1] + ("A" if state[-1] != "A" else "B")
    refused(
        client, f"/wechat/oa/{APP}/oauth/?code={code}&state={forged}", merchant, 400, "oauth_state_invalid"
    )
    # The forged try used the state up: the genuine return no longer works either.
    refused(client, oa_web.local_path(back), merchant, 400, "oauth_state_invalid")
    refused(client, f"/wechat/oa/{APP}/oauth/?code={code}", merchant, 400, "oauth_state_invalid")


def test_a_state_works_once(client, merchant, account, fake):
    back = oa_web.authorize(start(client))
    assert client.get(oa_web.local_path(back)).status_code == 302
    client.post("/shop/tea/logout/")
    refused(client, oa_web.local_path(back), merchant, 400, "oauth_state_invalid")


def test_an_expired_state_is_refused(client, merchant, account, fake):
    now = timezone.now()
    with at(now):
        location = start(client)
    back = oa_web.authorize(location)
    with at(now + dt.timedelta(minutes=10, seconds=1)):
        refused(client, oa_web.local_path(back), merchant, 400, "oauth_state_expired")


def test_codes_wechat_refuses_are_refused(client, merchant, account, fake):
    back = oa_web.authorize(start(client))
    code = parse_qs(urlsplit(back).query)["code"][0]
    assert client.get(oa_web.local_path(back)).status_code == 302
    client.post("/shop/tea/logout/")

    # A fresh state with the code already exchanged: WeChat's 40163.
    state = parse_qs(urlsplit(start(client).split("#")[0]).query)["state"][0]
    refused(client, f"/wechat/oa/{APP}/oauth/?code={code}&state={state}", merchant, 400, "oauth_code_invalid")
    # A code WeChat never gave: 40029.
    state = parse_qs(urlsplit(start(client).split("#")[0]).query)["state"][0]
    refused(client, f"/wechat/oa/{APP}/oauth/?code=bogus&state={state}", merchant, 400, "oauth_code_invalid")


def test_declining_the_authorisation_logs_nobody_in(client, merchant, fake):
    oa_web.make_oa_account(merchant, fake, userinfo=True)
    back = oa_web.authorize(start(client), decision="deny")
    assert "code=" not in back
    refused(client, oa_web.local_path(back), merchant, 403, "oauth_denied")


def test_an_unknown_account_is_not_found(client, merchant, account):
    assert client.get("/wechat/oa/wxnobody/oauth/?code=x&state=y").status_code == 404


def test_the_return_path_stays_in_the_shop(client, merchant, account, fake):
    location = start(client, next_path="https://evil.example.net/")
    response = client.get(oa_web.local_path(oa_web.authorize(location)))
    assert response["Location"] == "/shop/tea/me/"


def test_a_visitor_on_a_moments_snapshot_is_not_logged_in(client, merchant, account, fake):
    fake_oa_web.add_user(fake.app, "snap", "快照", snapshot=True)
    back = oa_web.authorize(start(client), user="snap")
    refused(client, oa_web.local_path(back), merchant, 403, "oauth_snapshot_user")


def test_a_follower_of_the_simulator_logs_in_as_the_customer_the_follow_made(client, merchant, fake):
    # The follower simulator (sandbox/oa.py) keeps its followers under (appid, openid); the
    # authorisation page offers them with that openid, so following and web login meet.
    oa_web.make_oa_account(merchant, fake)
    account = WeChatAccount.objects.get(merchant=merchant)
    account.config = {**account.config, "unionid": True}
    account.save(update_fields=["config"])
    fake.app.register_account("official_account", APP, {"app_secret": oa_web.OA_SECRET}, account.config)
    with fake.app.lock:
        fake.app.state.setdefault("oa_users", {})[(APP, "o-sandbox-5f3a")] = {"subscribed": True}
    follower = members.login_official_account(merchant=merchant, oa_openid="o-sandbox-5f3a").customer

    response = client.get(oa_web.local_path(oa_web.authorize(start(client), user="follower:o-sandbox-5f3a")))
    assert response.status_code == 302
    assert list(Customer.objects.filter(merchant=merchant)) == [follower]
    assert identities(follower) == {
        IdentityKind.OA_OPENID: "o-sandbox-5f3a",
        IdentityKind.UNIONID: "u-o-sandbox-5f3a",
    }
