import pytest

from siyu.testing.reach_wechat import wechat_shop
from siyu.testing.wechat import serve_fake


@pytest.fixture
def fake_wechat(settings):
    yield from serve_fake(settings)


@pytest.fixture
def shop(merchant, fake_wechat):
    """The merchant on every WeChat channel, served by the sandbox (siyu/testing/reach_wechat.py)."""
    return wechat_shop(merchant, fake_wechat)
