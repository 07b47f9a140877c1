import pytest
from django.test import Client

from siyu.testing.wechat import serve_fake
from siyu.testing.wechat_oa import add_official_account, pushes_into


@pytest.fixture
def fake_wechat(settings):
    yield from serve_fake(settings)


@pytest.fixture
def oa(merchant, fake_wechat):
    return add_official_account(merchant, fake_wechat)


@pytest.fixture
def wechat_client():
    return Client()


@pytest.fixture
def sent(fake_wechat, wechat_client):
    """The pushes the sandbox sends, delivered into Siyu through the test client (and recorded)."""
    return pushes_into(fake_wechat, wechat_client)


@pytest.fixture
def console_as(make_staff):
    from siyu.testing.clients import log_in

    def make(role: str, **kw):
        staff = make_staff(role, **kw)
        return log_in(staff), staff

    return make
