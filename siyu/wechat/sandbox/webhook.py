"""A fake webhook receiver: ``POST /hook/<name>`` checks Siyu's signature and keeps what came.

It verifies ``X-Siyu-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`` with the secret
it was told (``register_hook(app, name, secret)``, or a ``webhook`` account named ``name`` with the
secret ``signing_secret``), refuses a bad or stale one with 401, and delivers each new
``Idempotency-Key`` once to ``app.inbox`` (channel ``webhook``); a repeat is answered 200 and not
delivered again. ``app.state["hook_fail"][name] = n`` makes the next n requests answer 500 (retry tests).

State (``app.state``, under ``app.lock``): ``hook_secrets`` name -> secret; ``hook_requests`` every
request received (name, headers, body, status).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from siyu.wechat.sandbox.base import FakeRequest, FakeWeChat, InboxItem, json_response

TOLERANCE_SECONDS = 300


def register_hook(app: FakeWeChat, name: str, secret: str) -> str:
    """Tell the receiver ``name``'s secret; returns its path (``/hook/<name>``)."""
    with app.lock:
        app.state.setdefault("hook_secrets", {})[name] = secret
    return f"/hook/{name}"


def signature_ok(secret: str, header: str, body: bytes, now: float | None = None) -> bool:
    """Siyu's webhook signature check, as a receiver writes it (docs/reach-channels.md)."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        stamp = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - stamp) > TOLERANCE_SECONDS:
        return False
    expected = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts.get("v1", ""))


def install(app: FakeWeChat) -> None:
    hooks = app.service("/hook")

    @hooks.route("POST", "/{name}")
    def receive(request: FakeRequest):
        name = request.params["name"]
        with app.lock:
            secret = app.state.get("hook_secrets", {}).get(name)
        if secret is None:
            account = app.account("webhook", name)
            secret = account.secrets.get("signing_secret") if account else None
        status = 200
        key = request.headers.get("idempotency-key", "")
        if not secret or not signature_ok(secret, request.headers.get("x-siyu-signature", ""), request.body):
            status = 401
        with app.lock:
            failing = app.state.setdefault("hook_fail", {})
            if status == 200 and failing.get(name, 0) > 0:
                failing[name] -= 1
                status = 500
            seen = app.state.setdefault("hook_seen", set())
            fresh = status == 200 and (name, key) not in seen
            if fresh:
                seen.add((name, key))
            app.state.setdefault("hook_requests", []).append(
                {"name": name, "headers": dict(request.headers), "body": request.body, "status": status}
            )
        if status != 200:
            return json_response({"error": "bad signature" if status == 401 else "try again"}, status)
        if fresh:
            payload = json.loads(request.body or b"{}")
            customer = payload.get("customer") or {}
            app.deliver(
                InboxItem(
                    "webhook",
                    f"/hook/{name}",
                    str(payload.get("template", "")),
                    json.dumps(payload.get("payload", {}), ensure_ascii=False),
                    time.time(),
                    key,
                    {"customer": customer, "id": payload.get("id")},
                )
            )
        return json_response({"ok": True, "duplicate": not fresh})
