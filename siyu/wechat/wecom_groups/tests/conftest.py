import pytest

from siyu.testing.wechat import serve_fake
from siyu.testing.wecom_groups import wecom_corp


@pytest.fixture
def fake_wechat(settings):
    settings.REDIS_URL = ""  # tokens in the database: each test starts with none
    yield from serve_fake(settings)


@pytest.fixture
def corp(merchant, fake_wechat):
    return wecom_corp(merchant, fake_wechat)
