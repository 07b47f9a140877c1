"""The sandbox frame over real HTTP: routing, token checks, method errors, and pushes to Siyu."""

import json
import urllib.error
import urllib.request

from siyu.wechat.msgcrypt import MessageCrypto, parse_xml
from siyu.wechat.sandbox.base import FakeWeChat, serve_in_thread

KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


def _get(url):
    try:
        with urllib.request.urlopen(url) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_tokens_unknown_apis_and_wrong_methods():
    app = FakeWeChat()
    app.register_account("official_account", "wxoa", {"app_secret": "s"})
    base, stop = serve_in_thread(app)
    try:
        status, body = _get(f"{base}/api/cgi-bin/token?grant_type=client_credential&appid=wxoa&secret=s")
        assert status == 200 and body["expires_in"] == 7200
        assert app.token_app_id("api", body["access_token"]) == "wxoa"
        assert _get(f"{base}/api/cgi-bin/token?grant_type=client_credential&appid=wxoa&secret=x")[1] == {
            "errcode": 40125,
            "errmsg": "invalid appsecret",
        }
        assert _get(f"{base}/api/cgi-bin/nothing")[0] == 404
        assert _get(f"{base}/api/cgi-bin/stable_token")[0] == 405
    finally:
        stop()


def test_push_wecom_encrypts_for_the_corp():
    received = {}
    siyu = FakeWeChat()
    hook = siyu.service("/wechat")

    @hook.route("POST", "/wecom/{corp}/callback")
    def callback(request):
        received.update(request.query, corp=request.params["corp"], body=request.body)
        from siyu.wechat.sandbox.base import FakeResponse

        return FakeResponse(200, b"success")

    siyu_base, stop_siyu = serve_in_thread(siyu)
    app = FakeWeChat(siyu_base)
    app.register_account(
        "wecom", "wwcorp", {"token": "tok", "encoding_aes_key": KEY}, {"agent_id": "1000002"}
    )
    try:
        assert app.push_wecom(
            "wwcorp", {"Event": "change_external_contact", "ChangeType": "add_external_contact"}
        ) == (
            200,
            b"success",
        )
    finally:
        stop_siyu()
    envelope = parse_xml(received["body"])
    crypto = MessageCrypto("tok", KEY, "wwcorp")
    inner = crypto.verify_and_decrypt(
        received["msg_signature"], received["timestamp"], received["nonce"], envelope["Encrypt"]
    )
    assert parse_xml(inner.encode()) == {
        "Event": "change_external_contact",
        "ChangeType": "add_external_contact",
    }
    assert received["corp"] == "wwcorp"
