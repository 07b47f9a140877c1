"""Races of 微信登录 on PostgreSQL with real threads: the same WeChat user finishing the login in
several browsers at once is one customer; one browser's return fired twice at once logs in once."""

from __future__ import annotations

from collections import Counter
from http.cookies import SimpleCookie

import pytest
from django.test import Client

from siyu.members.models import Customer, CustomerIdentity, IdentityKind
from siyu.testing import oa_web
from siyu.testing.concurrency import postgres_only, run_together  # noqa: F401 - postgres_only is autouse
from siyu.wechat.sandbox import oa_web as fake_oa_web

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def fake(settings):
    with oa_web.running_fake() as running:
        settings.SIYU_WECHAT_BASES = running.bases()
        yield running


def started(client: Client) -> str:
    """The return URL WeChat sends ``client`` back to after xiaoming allows the login."""
    location = client.get("/shop/tea/login/wechat/?next=/shop/tea/me/")["Location"]
    return oa_web.local_path(oa_web.authorize(location, user="xiaoming"))


def test_one_wechat_user_in_six_browsers_at_once_is_one_customer(merchant, fake):
    oa_web.make_oa_account(merchant, fake)
    browsers = [Client() for _ in range(6)]
    returns = [started(c) for c in browsers]

    results = run_together(6, lambda i: browsers[i].get(returns[i]).status_code)

    assert results == [302] * 6
    customer = Customer.objects.get(merchant=merchant)
    openid = fake_oa_web.openid_for(oa_web.OA_APP_ID, "xiaoming")
    assert CustomerIdentity.objects.filter(kind=IdentityKind.OA_OPENID, value=openid).count() == 1
    assert CustomerIdentity.objects.filter(customer=customer).count() == 2  # the openid and the unionid


def test_one_return_fired_twice_at_once_is_refused_once(merchant, fake):
    oa_web.make_oa_account(merchant, fake)
    client = Client()
    url = started(client)
    twin = Client()
    twin.cookies = SimpleCookie(client.cookies)  # the same browser session, sending twice
    # The code works once at WeChat, so whichever copy comes second is refused (its state or its
    # code), and one customer is made.
    results = run_together(2, lambda i: (client, twin)[i].get(url).status_code)
    assert Counter(results)[302] == 1 and Counter(results)[400] == 1
    assert Customer.objects.filter(merchant=merchant).count() == 1
