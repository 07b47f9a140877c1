"""Mini-program login: the sandbox adapter, and the WeChat adapter against a local code2session server."""

from __future__ import annotations

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from siyu.members.errors import LoginFailed, LoginProviderUnavailable
from siyu.members.login import SandboxLoginAdapter, WeChatLoginAdapter
from siyu.members.models import Customer, CustomerIdentity
from siyu.testing.clients import ApiClient
from siyu.testing.factories import make_merchant
from siyu.testing.wechat import add_account

APP_ID, SECRET = "wx1234567890abcdef", "s3cr3t"
CODES = {
    "good-code": {
        "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
        "session_key": "tiihtNczf5v6AKRyjwEUhQ==",
        "unionid": "oGZUI0egBJY1zhBYw2KhdUfwVJJE",
    },
    "no-union": {"openid": "oAnother", "session_key": "k=="},
    "bad-code": {"errcode": 40029, "errmsg": "invalid code, rid: 6543"},
    "busy": {"errcode": -1, "errmsg": "system error"},
    "rate": {"errcode": 45011, "errmsg": "api minute-quota reach limit"},
}


class FakeWeChat(BaseHTTPRequestHandler):
    """Speaks WeChat's jscode2session: GET with the four params; JSON back, HTTP 200 even on errors."""

    requests: list[dict] = []

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        FakeWeChat.requests.append({"path": url.path, **query})
        if url.path != "/sns/jscode2session" or query.get("grant_type") != "authorization_code":
            body = {"errcode": 40013, "errmsg": "invalid request"}
        elif query.get("appid") != APP_ID or query.get("secret") != SECRET:
            body = {"errcode": 40125, "errmsg": "invalid appsecret"}
        else:
            body = CODES.get(query.get("js_code", ""), {"errcode": 40163, "errmsg": "code been used"})
        payload = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")  # WeChat really answers text/plain
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def wechat_server():
    FakeWeChat.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeWeChat)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_wechat_adapter_sends_the_real_request_format(wechat_server):
    session = WeChatLoginAdapter(APP_ID, SECRET, base_url=wechat_server).code_to_session("good-code")
    assert session.openid == "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
    assert session.unionid == "oGZUI0egBJY1zhBYw2KhdUfwVJJE"
    assert FakeWeChat.requests == [
        {
            "path": "/sns/jscode2session",
            "appid": APP_ID,
            "secret": SECRET,
            "js_code": "good-code",
            "grant_type": "authorization_code",
        }
    ]


@pytest.mark.parametrize(
    ("code", "error", "errcode"),
    [
        ("bad-code", LoginFailed, 40029),
        ("used", LoginFailed, 40163),
        ("busy", LoginProviderUnavailable, -1),
        ("rate", LoginProviderUnavailable, 45011),
    ],
)
def test_wechat_adapter_maps_errcodes(wechat_server, code, error, errcode):
    with pytest.raises(error) as info:
        WeChatLoginAdapter(APP_ID, SECRET, base_url=wechat_server).code_to_session(code)
    assert info.value.detail["errcode"] == errcode


def test_wechat_adapter_unreachable_is_retryable():
    with pytest.raises(LoginProviderUnavailable):
        WeChatLoginAdapter(APP_ID, SECRET, base_url="http://127.0.0.1:9", timeout=1).code_to_session("x")


def test_sandbox_adapter_is_stable_per_code():
    a = SandboxLoginAdapter("app").code_to_session("alice")
    assert a == SandboxLoginAdapter("app").code_to_session("alice")
    assert a.openid != SandboxLoginAdapter("app").code_to_session("bob").openid
    with pytest.raises(LoginFailed):
        SandboxLoginAdapter("app").code_to_session("invalid-code")


@pytest.mark.django_db
def test_login_through_api_with_wechat_adapter(wechat_server, settings):
    settings.SIYU_WECHAT_BASES = {**settings.SIYU_WECHAT_BASES, "api": wechat_server}
    merchant = make_merchant("brand", login_adapter="wechat")
    add_account(merchant, "mini_program", APP_ID, {"app_secret": SECRET})
    api = ApiClient()

    first = api.post("/api/v1/shop/brand/auth/login", {"code": "good-code", "source": "moments"})
    again = api.post("/api/v1/shop/brand/auth/login", {"code": "good-code"})

    assert first.status_code == 200, first.content
    assert first.json()["is_new"] is True and again.json()["is_new"] is False
    assert first.json()["customer_id"] == again.json()["customer_id"]
    customer = Customer.objects.get(merchant=merchant)
    assert customer.first_touch_source == "moments"
    assert sorted(CustomerIdentity.objects.filter(customer=customer).values_list("kind", "value")) == [
        ("mp_openid", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"),
        ("unionid", "oGZUI0egBJY1zhBYw2KhdUfwVJJE"),
    ]
    me = ApiClient(first.json()["token"]).get("/api/v1/shop/brand/me")
    assert me.status_code == 200 and me.json()["id"] == customer.pk


@pytest.mark.django_db
def test_failed_login_creates_nothing(wechat_server, settings):
    settings.SIYU_WECHAT_BASES = {**settings.SIYU_WECHAT_BASES, "api": wechat_server}
    add_account(
        make_merchant("brand", login_adapter="wechat"), "mini_program", APP_ID, {"app_secret": SECRET}
    )
    response = ApiClient(language="zh-hans").post("/api/v1/shop/brand/auth/login", {"code": "bad-code"})
    assert response.status_code == 401
    assert response.json()["code"] == "login_failed"
    assert response.json()["message"] == "登录失败：登录凭证无效或已过期。"
    busy = ApiClient().post("/api/v1/shop/brand/auth/login", {"code": "busy"})
    assert (busy.status_code, busy.json()["code"]) == (503, "login_provider_unavailable")
    assert Customer.objects.count() == 0


@pytest.mark.django_db
def test_unionid_joins_known_customer(merchant):
    from siyu.members.login import WxSession
    from siyu.members.models import IdentityKind
    from siyu.members.services import _upsert_wx_customer, login_official_account

    known = login_official_account(merchant=merchant, oa_openid="oa-openid-1", unionid="union-1").customer
    same, created = _upsert_wx_customer(
        merchant, IdentityKind.MP_OPENID, "mp-openid-1", "union-1", "ads", "", None
    )
    assert (same.pk, created) == (known.pk, False)
    assert sorted(same.identities.values_list("kind", flat=True)) == ["mp_openid", "oa_openid", "unionid"]
    assert known.first_touch_source == "article"
    assert WxSession("a", "b") == WxSession("a", "b", None)


@pytest.mark.django_db
def test_phone_binding_is_unique_per_merchant(customer_login):
    from siyu.members.errors import PhoneInUse
    from siyu.members.services import bind_phone

    alice, _ = customer_login("alice")
    bob, _ = customer_login("bob")
    bind_phone(customer=alice, phone="13900000001")
    with pytest.raises(PhoneInUse):
        bind_phone(customer=bob, phone="13900000001")
    bob.refresh_from_db()
    assert bob.phone is None
    other_merchant = make_merchant("other")
    carol, _ = customer_login("carol", m=other_merchant)
    bind_phone(customer=carol, phone="13900000001")  # another merchant's customers are separate
    assert carol.phone == "13900000001"


@pytest.mark.django_db
def test_profile_none_clears_and_offset_times_are_refused(customer):
    from datetime import UTC, time

    from siyu.core.errors import InvalidInput
    from siyu.members.services import update_profile

    update_profile(customer=customer, nickname="阿狸", gender="female", city="杭州")
    update_profile(customer=customer, nickname=None, gender=None, city=None)
    customer.refresh_from_db()
    assert (customer.nickname, customer.gender, customer.city) == ("", "unknown", "")
    with pytest.raises(InvalidInput):
        update_profile(customer=customer, quiet_hours_start=time(22, 0, tzinfo=UTC))
    customer.refresh_from_db()
    assert customer.quiet_hours_start is None


@pytest.mark.django_db
def test_wechat_login_without_a_mini_program_account_is_refused(settings):
    make_merchant("brand", login_adapter="wechat")
    response = ApiClient().post("/api/v1/shop/brand/auth/login", {"code": "good-code"})
    assert (response.status_code, response.json()["code"]) == (409, "wechat_not_configured")
    assert Customer.objects.count() == 0
