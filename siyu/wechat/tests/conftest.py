import pytest

from siyu.testing.wechat import serve_fake


@pytest.fixture
def fake_wechat(settings):
    yield from serve_fake(settings)
