"""The fake official account over real HTTP: qrcode/create, showqrcode and user/info answer as
WeChat does (the formats ``siyu.wechat.oa`` relies on), and refuse as WeChat does."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

import pytest

from siyu.testing.wechat_oa import OA_APP_ID, act, add_official_account
from siyu.wechat import tokens
from siyu.wechat.sandbox.oa import read_ticket

pytestmark = pytest.mark.django_db


def _call(fake, method, path, token, payload=None, **query):
    url = f"{fake.base_url}/api{path}?{urllib.parse.urlencode({'access_token': token, **query})}"
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.headers.get("Content-Type"), response.read()


def test_qrcode_create_answers_like_wechat(merchant, fake_wechat):
    account = add_official_account(merchant, fake_wechat)
    token = tokens.access_token(account)
    create = "/cgi-bin/qrcode/create"

    _s, _t, body = _call(
        fake_wechat,
        "POST",
        create,
        token,
        {"expire_seconds": 604800, "action_name": "QR_SCENE", "action_info": {"scene": {"scene_id": 123}}},
    )
    temporary = json.loads(body)
    assert sorted(temporary) == ["expire_seconds", "ticket", "url"]
    assert temporary["expire_seconds"] == 604800 and temporary["url"].startswith("http://weixin.qq.com/q/")
    assert read_ticket(temporary["ticket"])["scene"] == "123"

    _s, _t, body = _call(
        fake_wechat,
        "POST",
        create,
        token,
        {"action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": {"scene_str": "s1"}}},
    )
    assert sorted(json.loads(body)) == ["ticket", "url"]

    refusals = [
        {"action_name": "QR_NOPE", "action_info": {"scene": {"scene_id": 1}}},
        {"action_name": "QR_LIMIT_SCENE", "action_info": {"scene": {"scene_id": 100001}}},
        {"action_name": "QR_STR_SCENE", "action_info": {"scene": {"scene_str": "x" * 65}}},
    ]
    for payload in refusals:
        assert json.loads(_call(fake_wechat, "POST", create, token, payload)[2])["errcode"] == 40053
    assert json.loads(_call(fake_wechat, "POST", create, "bad-token", refusals[0])[2])["errcode"] == 40001

    status, content_type, png = _call(
        fake_wechat, "GET", "/cgi-bin/showqrcode", "", ticket=temporary["ticket"]
    )
    assert (status, content_type, png[:8]) == (200, "image/png", b"\x89PNG\r\n\x1a\n")
    with pytest.raises(urllib.error.HTTPError):
        _call(fake_wechat, "GET", "/cgi-bin/showqrcode", "", ticket="nope")


def test_user_info_knows_the_users_who_followed(merchant, fake_wechat, sent):
    account = add_official_account(merchant, fake_wechat, unionid=True)
    act(fake_wechat, "o-info", "follow", app_id=OA_APP_ID)
    token = tokens.access_token(account)

    info = json.loads(
        _call(fake_wechat, "GET", "/cgi-bin/user/info", token, openid="o-info", lang="zh_CN")[2]
    )
    assert {k: info[k] for k in ("subscribe", "openid", "unionid", "subscribe_scene", "qr_scene_str")} == {
        "subscribe": 1,
        "openid": "o-info",
        "unionid": "u-o-info",
        "subscribe_scene": "ADD_SCENE_SEARCH",
        "qr_scene_str": "",
    }
    missing = json.loads(_call(fake_wechat, "GET", "/cgi-bin/user/info", token, openid="o-never")[2])
    assert missing == {"errcode": 40003, "errmsg": "invalid openid"}


def test_the_simulator_page_lists_accounts_and_refuses_an_unknown_ticket(merchant, fake_wechat, sent):
    add_official_account(merchant, fake_wechat)
    with urllib.request.urlopen(f"{fake_wechat.base_url}/ui/oa/", timeout=10) as response:
        page = response.read().decode()
    assert OA_APP_ID in page and "data-testid='scan'" in page
    assert act(fake_wechat, "o-1", "scan", "gQnot-a-ticket")["error"] == "unknown ticket"
    assert sent == []
