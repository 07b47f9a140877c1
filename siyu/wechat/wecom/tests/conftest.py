from pathlib import Path

import pytest

from siyu.testing.wechat import serve_fake
from siyu.testing.wecom import build_wecom_world, push


@pytest.fixture
def fake_wechat(settings):
    yield from serve_fake(settings)


@pytest.fixture
def world(merchant, fake_wechat):
    return build_wecom_world(merchant, fake_wechat)


@pytest.fixture
def send(client, django_capture_on_commit_callbacks):
    """Push fields to the WeCom callback as WeCom does, running what the push queued for after its
    commit (the welcome message), as a real commit would."""

    def send_push(fields, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return push(client, fields, **kwargs)

    return send_push


@pytest.fixture
def vendor_static(settings):
    """Serve siyu/static/ (htmx, ECharts) in the live server, as the console's browser tests do."""
    static = Path(settings.BASE_DIR) / "static"
    if static not in [Path(d) for d in settings.STATICFILES_DIRS]:
        settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, static]
    yield
