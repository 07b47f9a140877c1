"""The sandbox answers web OAuth and the menu APIs as WeChat does, errcodes included (real HTTP)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from siyu.testing import oa_web
from siyu.testing.oa_web import OA_APP_ID, OA_SECRET
from siyu.wechat.models import AccountKind
from siyu.wechat.sandbox import oa_web as fake_oa_web

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake():
    with oa_web.running_fake() as running:
        running.app.register_account(AccountKind.OFFICIAL_ACCOUNT, OA_APP_ID, {"app_secret": OA_SECRET}, {})
        yield running


def get(fake, path: str, **query: str) -> tuple[int, str]:
    status, _headers, body = oa_web.http_request(f"{fake.base}{path}?{urlencode(query)}")
    return status, body.decode()


def get_json(fake, path: str, **query: str) -> dict:
    status, body = get(fake, path, **query)
    assert status == 200
    return json.loads(body)


def post_json(fake, path: str, payload, **query: str) -> dict:
    body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
    status, _headers, answer = oa_web.http_request(f"{fake.base}{path}?{urlencode(query)}", "POST", body)
    assert status == 200
    return json.loads(answer)


def exchange(fake, code: str, **overrides: str) -> dict:
    query = {"appid": OA_APP_ID, "secret": OA_SECRET, "code": code, "grant_type": "authorization_code"}
    return get_json(fake, "/api/sns/oauth2/access_token", **{**query, **overrides})


def test_the_authorisation_page_checks_the_link(fake):
    good = {
        "appid": OA_APP_ID,
        "redirect_uri": "http://shop.example.com/wechat/oa/x/oauth/",
        "response_type": "code",
        "scope": "snsapi_base",
        "state": "abc123",
    }
    status, page = get(fake, "/open/connect/oauth2/authorize", **good)
    assert status == 200 and 'data-testid="oauth-user-xiaoming"' in page and "小明" in page
    for change, code in [
        ({"appid": "wxnobody"}, "10003"),
        ({"redirect_uri": "javascript:x"}, "10003"),
        ({"response_type": "token"}, "10004"),
        ({"scope": "snsapi_login"}, "10005"),
        ({"state": "a-b"}, "10006"),
    ]:
        status, page = get(fake, "/open/connect/oauth2/authorize", **{**good, **change})
        assert status == 400 and f'data-testid="oauth-error">{code} ' in page


def test_the_code_exchange(fake):
    code = fake_oa_web.issue_code(fake.app, OA_APP_ID, "xiaoming", "snsapi_base")
    assert exchange(fake, code, secret="wrong") == {"errcode": 40125, "errmsg": "invalid appsecret"}
    assert exchange(fake, code, appid="wxnobody") == {"errcode": 40013, "errmsg": "invalid appid"}
    assert exchange(fake, code, grant_type="client_credential") == {
        "errcode": 40002,
        "errmsg": "invalid grant_type",
    }
    answer = exchange(fake, code)
    assert sorted(answer) == ["access_token", "expires_in", "openid", "refresh_token", "scope", "unionid"]
    assert (answer["openid"], answer["scope"], answer["expires_in"]) == (
        fake_oa_web.openid_for(OA_APP_ID, "xiaoming"),
        "snsapi_base",
        7200,
    )
    assert exchange(fake, code) == {"errcode": 40163, "errmsg": "code been used"}
    assert exchange(fake, "never-issued") == {"errcode": 40029, "errmsg": "invalid code"}


def test_userinfo_needs_the_userinfo_scope_and_the_tokens_own_openid(fake):
    base = exchange(fake, fake_oa_web.issue_code(fake.app, OA_APP_ID, "xiaoming", "snsapi_base"))
    query = {"access_token": base["access_token"], "openid": base["openid"], "lang": "zh_CN"}
    assert get_json(fake, "/api/sns/userinfo", **query) == {"errcode": 48001, "errmsg": "api unauthorized"}

    full = exchange(fake, fake_oa_web.issue_code(fake.app, OA_APP_ID, "lihua", "snsapi_userinfo"))
    query = {"access_token": full["access_token"], "openid": full["openid"], "lang": "zh_CN"}
    assert get_json(fake, "/api/sns/userinfo", **query) == {
        "openid": fake_oa_web.openid_for(OA_APP_ID, "lihua"),
        "nickname": "李华",
        "sex": 0,
        "province": "",
        "city": "",
        "country": "",
        "headimgurl": f"{fake.base}/ui/oa/avatar/lihua.svg",
        "privilege": [],
        "unionid": fake_oa_web.default_unionid("lihua"),
    }
    assert get_json(fake, "/api/sns/userinfo", **{**query, "openid": base["openid"]})["errcode"] == 40003
    assert get_json(fake, "/api/sns/userinfo", **{**query, "access_token": "x"})["errcode"] == 40001


def test_menu_create_get_and_delete(fake):
    token = fake.app.issue_token("api", OA_APP_ID)["access_token"]
    assert get_json(fake, "/api/cgi-bin/menu/get", access_token=token) == {
        "errcode": 46003,
        "errmsg": "menu no exist",
    }
    bad = [
        ({"button": []}, 40016),
        ({"button": [{"type": "click", "name": "一二三四五六", "key": "K"}]}, 40018),
        ({"button": [{"type": "click", "name": "菜单", "key": ""}]}, 40019),
        ({"button": [{"type": "scancode_push", "name": "扫码", "key": "K"}]}, 40017),
        (
            {"button": [{"name": "更多", "sub_button": [{"type": "click", "name": "字" * 21, "key": "K"}]}]},
            40025,
        ),
        ({"button": [{"name": "更多", "sub_button": [{"type": "view", "name": "链接", "url": ""}]}]}, 40027),
        (
            {"button": [{"name": "更多", "sub_button": [{"type": "click", "name": "x", "key": "K"}] * 6}]},
            40023,
        ),
    ]
    for menu, errcode in bad:
        assert post_json(fake, "/api/cgi-bin/menu/create", menu, access_token=token)["errcode"] == errcode
    assert post_json(fake, "/api/cgi-bin/menu/create", b"{not json", access_token=token)["errcode"] == 47001
    assert post_json(fake, "/api/cgi-bin/menu/create", {"button": []}, access_token="x")["errcode"] == 40001

    menu = {
        "button": [
            {"type": "click", "name": "联系", "key": "C"},
            {
                "name": "更多",
                "sub_button": [{"type": "view", "name": "商城", "url": "https://shop.example.com/"}],
            },
        ]
    }
    assert post_json(fake, "/api/cgi-bin/menu/create", menu, access_token=token) == {
        "errcode": 0,
        "errmsg": "ok",
    }
    assert get_json(fake, "/api/cgi-bin/menu/get", access_token=token) == {
        "menu": {
            "button": [
                {"type": "click", "name": "联系", "key": "C", "sub_button": []},
                {
                    "name": "更多",
                    "sub_button": [
                        {"type": "view", "name": "商城", "url": "https://shop.example.com/", "sub_button": []}
                    ],
                },
            ]
        }
    }
    status, page = get(fake, "/ui/oa/menu")
    assert status == 200 and page.count('data-testid="menu-button"') == 2 and "商城" in page
    assert get_json(fake, "/api/cgi-bin/menu/delete", access_token=token) == {"errcode": 0, "errmsg": "ok"}
    assert get_json(fake, "/api/cgi-bin/menu/get", access_token=token)["errcode"] == 46003
    assert 'data-testid="no-menu"' in get(fake, "/ui/oa/menu")[1]
