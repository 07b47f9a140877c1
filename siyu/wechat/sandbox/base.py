"""The sandbox's frame: a small WSGI router, shared state, the token endpoints and pushes to Siyu.

Each fake service (``pay``, ``oa``, ``wecom``, ...) is a module with ``install(app)`` that adds its
routes under a host prefix (``/api`` = api.weixin.qq.com, ``/open``, ``/qyapi``, ``/mch``) and its
pages under ``/ui/``. State is in memory, guarded by ``app.lock``; a restart forgets it, as a
sandbox may.
"""

from __future__ import annotations

import hashlib
import html
import json
import secrets
import socketserver
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from siyu.wechat.msgcrypt import MessageCrypto, plain_signature, to_xml

STATUS_TEXT = {
    200: "OK",
    204: "No Content",
    302: "Found",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    500: "Internal Server Error",
}


@dataclass
class FakeRequest:
    method: str
    path: str
    query: dict[str, str]
    body: bytes
    headers: dict[str, str]  # lower-case names
    params: dict[str, str] = field(default_factory=dict)  # from the route pattern

    def json(self) -> Any:
        return json.loads(self.body or b"{}")

    def form(self) -> dict[str, str]:
        return {k: v[-1] for k, v in urllib.parse.parse_qs(self.body.decode()).items()}


@dataclass
class FakeResponse:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def json_response(obj: Any, status: int = 200) -> FakeResponse:
    body = json.dumps(obj, ensure_ascii=False).encode()
    return FakeResponse(status, body, {"Content-Type": "application/json; charset=utf-8"})


def xml_response(text: str, status: int = 200) -> FakeResponse:
    return FakeResponse(status, text.encode(), {"Content-Type": "application/xml; charset=utf-8"})


def html_response(text: str, status: int = 200) -> FakeResponse:
    return FakeResponse(status, text.encode(), {"Content-Type": "text/html; charset=utf-8"})


def redirect(url: str) -> FakeResponse:
    return FakeResponse(302, b"", {"Location": url})


def page(title: str, body: str) -> str:
    """A sandbox page: plain, phone-width, clearly not WeChat."""
    return (
        "<!doctype html><html lang='zh-hans'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>{html.escape(title)} · 微信沙箱 WeChat sandbox</title><style>"
        "body{font-family:system-ui,'Noto Sans CJK SC',sans-serif;max-width:640px;margin:0 auto;"
        "padding:16px;background:#f2f2f2;color:#222}header{background:#07c160;color:#fff;"
        "padding:10px 14px;border-radius:8px;margin-bottom:14px}header small{opacity:.85}"
        ".card{background:#fff;border-radius:8px;padding:14px;margin-bottom:12px}"
        "button,.btn{background:#07c160;color:#fff;border:0;border-radius:6px;padding:8px 14px;"
        "font-size:15px;cursor:pointer;text-decoration:none;display:inline-block}"
        "button.secondary{background:#ddd;color:#222}input,select,textarea{font-size:15px;padding:6px;"
        "width:100%;box-sizing:border-box;margin:4px 0 10px}table{width:100%;border-collapse:collapse}"
        "td,th{border-bottom:1px solid #eee;padding:6px;text-align:left;font-size:14px}"
        "</style></head><body><header><b>微信沙箱</b> <small>WeChat sandbox · no real WeChat, no "
        f"real money</small></header><h2>{html.escape(title)}</h2>{body}</body></html>"
    )


Handler = Callable[[FakeRequest], FakeResponse]


class FakeService:
    """Routes of one fake host or page group: ``@service.route("GET", "/cgi-bin/token")``.

    A pattern segment in braces (``/v3/pay/transactions/out-trade-no/{number}``) matches one path
    segment and lands in ``request.params``.
    """

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix.rstrip("/")
        self.routes: list[tuple[str, list[str], Handler]] = []

    def route(self, method: str, pattern: str) -> Callable[[Handler], Handler]:
        def decorate(handler: Handler) -> Handler:
            self.routes.append((method.upper(), (self.prefix + pattern).strip("/").split("/"), handler))
            return handler

        return decorate

    def match(self, method: str, path: str) -> tuple[Handler, dict[str, str]] | bool | None:
        """(handler, params) for a match; False when the path matches under another method."""
        parts = path.strip("/").split("/")
        other_method = False
        for route_method, pattern, handler in self.routes:
            if len(pattern) != len(parts):
                continue
            params: dict[str, str] = {}
            for want, got in zip(pattern, parts, strict=True):
                if want.startswith("{") and want.endswith("}"):
                    params[want[1:-1]] = urllib.parse.unquote(got)
                elif want != got:
                    break
            else:
                if route_method == method:
                    return handler, params
                other_method = True
        return False if other_method else None


@dataclass
class InboxItem:
    """One message a fake provider accepted for a simulated customer: what the sandbox inbox shows.

    ``channel`` is Siyu's channel key (subscribe_message, official_account, wecom, wecom_group, sms,
    email, webhook); ``to`` the address the provider was given (openid, phone, email, external_userid,
    chat id, URL); ``provider_id`` the id the fake answered with.
    """

    channel: str
    to: str
    title: str
    body: str
    at: float
    provider_id: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class SandboxAccount:
    kind: str
    app_id: str
    secrets: dict[str, str]
    config: dict[str, Any]


class FakeWeChat:
    """The composed sandbox: every installed fake service, the shared state, and the WSGI entry."""

    TOKEN_SECONDS = 7200

    def __init__(self, siyu_url: str = "http://127.0.0.1:8000") -> None:
        self.siyu_url = siyu_url.rstrip("/")
        self.lock = threading.RLock()
        self.state: dict[str, Any] = {}
        self.accounts: dict[tuple[str, str], SandboxAccount] = {}
        self.calls: Counter[tuple[str, str]] = Counter()  # (host prefix, path) -> upstream calls
        self.tokens: dict[str, tuple[str, str, float]] = {}  # token -> (service, app id, expires at)
        self.services: list[FakeService] = []
        self.ui_links: list[tuple[str, str]] = []
        # Every message a fake provider accepted, oldest first (siyu/wechat/sandbox/inbox.py shows them).
        self.inbox: list[InboxItem] = []
        # Nicknames for inbox addresses (openid, phone, email...), when the serving process can tell.
        self.address_names: Callable[[list[str]], dict[str, str]] | None = None
        self.token_seconds = self.TOKEN_SECONDS
        # Called with (kind, app id) for an account the sandbox has not been told of: the demo's
        # process reads Siyu's sandbox accounts from the database (siyu/wechat/sandbox_accounts.py).
        self.account_loader: Callable[[str, str], SandboxAccount | None] | None = None
        self._install_tokens()
        home = self.service("")
        home.route("GET", "/")(self._index)

    # --- composition --------------------------------------------------------------------------

    def service(self, prefix: str) -> FakeService:
        service = FakeService(prefix)
        self.services.append(service)
        return service

    def deliver(self, item: InboxItem) -> None:
        with self.lock:
            self.inbox.append(item)

    def add_ui_link(self, title: str, path: str) -> None:
        self.ui_links.append((title, path))

    def register_account(
        self, kind: str, app_id: str, secrets: dict[str, str], config: dict[str, Any] | None = None
    ) -> SandboxAccount:
        """Tell the sandbox the credentials of an account it plays WeChat for."""
        account = SandboxAccount(kind, app_id, dict(secrets), dict(config or {}))
        with self.lock:
            self.accounts[(kind, app_id)] = account
        return account

    def account(self, kind: str, app_id: str) -> SandboxAccount | None:
        with self.lock:
            found = self.accounts.get((kind, app_id))
        if found is None and self.account_loader is not None:
            found = self.account_loader(kind, app_id)
            if found is not None:
                with self.lock:
                    self.accounts[(kind, app_id)] = found
        return found

    def accounts_of(self, kind: str) -> list[SandboxAccount]:
        """The accounts of ``kind`` the sandbox knows (and, through the loader, can find)."""
        loader: Any = self.account_loader
        if loader is not None and hasattr(loader, "all_of"):
            for account in loader.all_of(kind):
                with self.lock:
                    self.accounts.setdefault((account.kind, account.app_id), account)
        with self.lock:
            return [a for (k, _), a in self.accounts.items() if k == kind]

    # --- tokens ---------------------------------------------------------------------------------

    def issue_token(self, service: str, app_id: str) -> dict[str, Any]:
        token = secrets.token_urlsafe(48)
        with self.lock:
            self.tokens[token] = (service, app_id, time.time() + self.token_seconds)
        return {"access_token": token, "expires_in": self.token_seconds}

    def token_app_id(self, service: str, token: str) -> str | None:
        """The app id a live token was issued to, or None (WeChat's 40001/42001)."""
        with self.lock:
            held = self.tokens.get(token)
        if held is None or held[0] != service or held[2] < time.time():
            return None
        return held[1]

    def check_token(self, service: str, request: FakeRequest) -> tuple[str | None, FakeResponse | None]:
        """(app id, None) for a request with a live access_token; (None, the errcode answer) otherwise."""
        token = request.query.get("access_token", "")
        app_id = self.token_app_id(service, token)
        if app_id is not None:
            return app_id, None
        with self.lock:
            known = token in self.tokens
        errcode, errmsg = (42001, "access_token expired") if known else (40001, "invalid credential")
        return None, json_response({"errcode": errcode, "errmsg": errmsg})

    def revoke_tokens(self, service: str | None = None) -> None:
        """Forget every live token (of one service): the next call gets 40001, as after a refetch."""
        with self.lock:
            for token in [t for t, held in self.tokens.items() if service is None or held[0] == service]:
                del self.tokens[token]

    def _install_tokens(self) -> None:
        api = self.service("/api")
        qyapi = self.service("/qyapi")

        def app_token(request: FakeRequest, appid: str, secret: str) -> FakeResponse:
            account = self.account("official_account", appid) or self.account("mini_program", appid)
            if account is None:
                return json_response({"errcode": 40013, "errmsg": "invalid appid"})
            if account.secrets.get("app_secret") != secret:
                return json_response({"errcode": 40125, "errmsg": "invalid appsecret"})
            return json_response(self.issue_token("api", appid))

        @api.route("GET", "/cgi-bin/token")
        def token(request: FakeRequest) -> FakeResponse:
            if request.query.get("grant_type") != "client_credential":
                return json_response({"errcode": 40002, "errmsg": "invalid grant_type"})
            return app_token(request, request.query.get("appid", ""), request.query.get("secret", ""))

        @api.route("POST", "/cgi-bin/stable_token")
        def stable_token(request: FakeRequest) -> FakeResponse:
            data = request.json()
            return app_token(request, str(data.get("appid", "")), str(data.get("secret", "")))

        @qyapi.route("GET", "/cgi-bin/gettoken")
        def gettoken(request: FakeRequest) -> FakeResponse:
            corp = self.account("wecom", request.query.get("corpid", ""))
            if corp is None:
                return json_response({"errcode": 40013, "errmsg": "invalid corpid"})
            secret = request.query.get("corpsecret", "")
            if secret not in {corp.secrets.get("agent_secret"), corp.secrets.get("contact_secret")}:
                return json_response({"errcode": 40001, "errmsg": "invalid credential"})
            return json_response(self.issue_token("qyapi", corp.app_id))

    # --- pushes to Siyu ------------------------------------------------------------------------

    def post(self, url: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        """POST to Siyu and return (status, body), whatever the status."""
        request = urllib.request.Request(url, data=body, method="POST", headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def push_oa(self, app_id: str, fields: dict[str, Any]) -> tuple[int, bytes]:
        """Push an official-account event/message to Siyu's callback, signed (and encrypted in safe mode)."""
        account = self.account("official_account", app_id)
        if account is None:
            raise KeyError(f"no sandbox official account {app_id}")
        timestamp, nonce = str(int(time.time())), secrets.token_hex(5)
        token = account.secrets.get("token", "")
        query = {
            "signature": plain_signature(token, timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
        }
        xml = to_xml(fields)
        aes_key = account.secrets.get("encoding_aes_key", "")
        if aes_key:
            crypto = MessageCrypto(token, aes_key, app_id)
            encrypted, signature = crypto.encrypt(xml, nonce=nonce, timestamp=timestamp)
            query.update({"encrypt_type": "aes", "msg_signature": signature})
            openid = str(fields.get("FromUserName", ""))
            if openid:
                query["openid"] = openid
            xml = to_xml({"ToUserName": fields.get("ToUserName", ""), "Encrypt": encrypted})
        url = f"{self.siyu_url}/wechat/oa/{app_id}/callback?{urllib.parse.urlencode(query)}"
        return self.post(url, xml.encode(), {"Content-Type": "text/xml"})

    def push_wecom(self, corp_id: str, fields: dict[str, Any]) -> tuple[int, bytes]:
        """Push a WeCom callback to Siyu, encrypted and signed with the corp's token and key."""
        account = self.account("wecom", corp_id)
        if account is None:
            raise KeyError(f"no sandbox WeCom corp {corp_id}")
        timestamp, nonce = str(int(time.time())), secrets.token_hex(5)
        crypto = MessageCrypto(account.secrets["token"], account.secrets["encoding_aes_key"], corp_id)
        encrypted, signature = crypto.encrypt(to_xml(fields), nonce=nonce, timestamp=timestamp)
        agent_id = str(account.config.get("agent_id", ""))
        xml = to_xml({"ToUserName": corp_id, "AgentID": agent_id, "Encrypt": encrypted})
        query = urllib.parse.urlencode({"msg_signature": signature, "timestamp": timestamp, "nonce": nonce})
        return self.post(
            f"{self.siyu_url}/wechat/wecom/{corp_id}/callback?{query}",
            xml.encode(),
            {"Content-Type": "text/xml"},
        )

    # --- WSGI ------------------------------------------------------------------------------------

    def _index(self, request: FakeRequest) -> FakeResponse:
        links = "".join(
            f"<p><a class='btn' href='{html.escape(path)}'>{html.escape(title)}</a></p>"
            for title, path in self.ui_links
        )
        body = f"<div class='card'><p>Siyu: {html.escape(self.siyu_url)}</p>{links or '<p>—</p>'}</div>"
        return html_response(page("微信沙箱 WeChat sandbox", body))

    def handle(self, request: FakeRequest) -> FakeResponse:
        wrong_method = False
        for service in self.services:
            found = service.match(request.method, request.path)
            if found is False:
                wrong_method = True
            elif isinstance(found, tuple):
                handler, params = found
                request.params = params
                with self.lock:
                    self.calls[(service.prefix, request.path[len(service.prefix) :])] += 1
                return handler(request)
        if wrong_method:
            return json_response({"errcode": 43001, "errmsg": "require another method"}, 405)
        return json_response({"errcode": 404, "errmsg": "no such API in the sandbox"}, 404)

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        query = {
            k: v[-1]
            for k, v in urllib.parse.parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True).items()
        }
        request = FakeRequest(
            method=environ["REQUEST_METHOD"].upper(),
            path=environ.get("PATH_INFO", "/") or "/",
            query=query,
            body=environ["wsgi.input"].read(length) if length else b"",
            headers=headers,
        )
        try:
            response = self.handle(request)
        except Exception as exc:  # a fake must answer, like WeChat does, rather than drop the line
            response = json_response({"errcode": -1, "errmsg": f"system error: {exc}"}, 500)
        status = f"{response.status} {STATUS_TEXT.get(response.status, 'Status')}"
        start_response(status, [*response.headers.items(), ("Content-Length", str(len(response.body)))])
        return [response.body]


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


class _ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return None


def serve(app: FakeWeChat, host: str, port: int) -> _ThreadingServer:
    return make_server(host, port, app, server_class=_ThreadingServer, handler_class=_QuietHandler)


def serve_in_thread(app: FakeWeChat) -> tuple[str, Callable[[], None]]:
    """Serve ``app`` over real HTTP on a free port of 127.0.0.1: (base URL, stop)."""
    server = serve(app, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()

    return f"http://127.0.0.1:{server.server_port}", stop
