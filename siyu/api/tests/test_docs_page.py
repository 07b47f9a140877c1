"""The API documentation page (``/api/v1/docs``) works offline: every file it loads is our own.

The machines that run Siyu's tests and many shops' intranets have no internet, so a page that
loaded Swagger UI from a CDN, or that asked validator.swagger.io for a badge, would be blank or
broken there, and would tell a third party where the shop's API lives.
"""

from __future__ import annotations

import json
import re
import urllib.request

import pytest

pytestmark = pytest.mark.django_db

ASSET = re.compile(r"""(?:src|href)="([^"]+)\"""")


def test_the_docs_page_references_no_remote_asset(client):
    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    html = response.content.decode()
    assets = ASSET.findall(html)
    assert assets == [
        "/static/ninja/swagger-ui.css",
        "/static/ninja/favicon.svg",
        "/static/ninja/favicon.png",
        "/static/ninja/swagger-ui-bundle.js",
        "/static/ninja/swagger-ui-init.js",
    ]
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", html)


def test_the_docs_page_asks_no_online_validator(client):
    html = client.get("/api/v1/docs").content.decode()

    settings_json = re.search(r'id="swagger-settings">(.*?)</script>', html, re.S)
    assert settings_json is not None
    assert json.loads(settings_json.group(1)) == {
        "layout": "BaseLayout",
        "deepLinking": True,
        "url": "/api/v1/openapi.json",
        "validatorUrl": None,
    }


@pytest.mark.django_db(transaction=True)
def test_the_live_server_serves_every_file_the_docs_page_loads(live_server):
    with urllib.request.urlopen(f"{live_server.url}/api/v1/docs", timeout=30) as response:
        html = response.read().decode()
    sizes = {}
    for asset in ASSET.findall(html):
        with urllib.request.urlopen(f"{live_server.url}{asset}", timeout=30) as response:
            assert response.status == 200
            sizes[asset] = len(response.read())

    assert len(sizes) == 5
    assert sizes["/static/ninja/swagger-ui-bundle.js"] > 100_000
    with urllib.request.urlopen(f"{live_server.url}/api/v1/openapi.json", timeout=30) as response:
        assert json.loads(response.read())["info"]["title"] == "Siyu API"
