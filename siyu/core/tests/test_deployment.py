"""Deployed as-is, Siyu must not be forgeable: the published key and the sandbox cashier stay in dev and demo.

The start-up refusal and ``siyu check --deploy`` run in a subprocess with the production settings
module and a chosen environment, as a server would be started.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings

from siyu.core.errors import InvalidInput
from siyu.orders.gateways.sandbox import SandboxGateway
from siyu.orders.models import OrderStatus, Payment, PaymentStatus
from siyu.orders.services import payments
from siyu.testing.flows import place

ROOT = Path(__file__).resolve().parents[3]
STRONG_KEY = "k3Jq8v0Xw2mZr9TtY6pLs4HdN1cBf7GaE5uQoIiVxWzRyUeKjMnPb"  # 53 characters, not published
# What docs/deployment.md asks a production server for.
PRODUCTION = {
    "SIYU_SECRET_KEY": STRONG_KEY,
    "SIYU_ALLOWED_HOSTS": "shop.example.com",
    "SIYU_HTTPS": "1",
    "SIYU_PROXIES": "1",
}


def _run(code_or_args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    # Only what the chosen settings need: nothing of this run's own (browser tests set DJANGO_* flags).
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SIYU_", "DJANGO_")) and k not in ("DATABASE_URL", "REDIS_URL")
    }
    clean.update(
        DJANGO_SETTINGS_MODULE="siyu.settings",
        SIYU_VAR_DIR=str(tmp_path),
        PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p),
        **env,
    )
    return subprocess.run(
        [sys.executable, *code_or_args], env=clean, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )


def _start_server(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """Load the WSGI application as granian or runserver would."""
    return _run(["-c", "import siyu.wsgi, siyu.asgi"], tmp_path, **env)


def test_the_server_refuses_to_start_with_the_published_key(tmp_path):
    started = _start_server(tmp_path)

    assert started.returncode == 1
    assert "django.core.exceptions.ImproperlyConfigured: SIYU_SECRET_KEY is not set" in started.stderr


@pytest.mark.parametrize(
    "env",
    [{"SIYU_DEBUG": "1"}, {"SIYU_DEMO": "1"}, {"SIYU_SECRET_KEY": STRONG_KEY}],
    ids=["debug", "demo", "own-key"],
)
def test_debug_demo_or_an_own_key_start(env, tmp_path):
    started = _start_server(tmp_path, **env)

    assert started.returncode == 0, started.stderr
    assert "ImproperlyConfigured" not in started.stderr


def test_siyu_demo_runs_in_demo_mode(monkeypatch):
    from siyu import cli

    seen: list[str | None] = []
    monkeypatch.delenv("SIYU_DEMO", raising=False)
    monkeypatch.setattr(
        "django.core.management.execute_from_command_line",
        lambda argv: seen.append(os.environ.get("SIYU_DEMO")),
    )
    cli.main(["check"])
    cli.main(["demo", "--no-serve"])

    assert seen == [None, "1"]


def test_check_deploy_passes_with_the_production_settings(tmp_path):
    checked = _run(["-m", "siyu.cli", "check", "--deploy", "--fail-level", "WARNING"], tmp_path, **PRODUCTION)

    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.strip() == "System check identified no issues (0 silenced)."


def test_check_deploy_names_the_published_key_and_the_sandbox(tmp_path):
    checked = _run(["-m", "siyu.cli", "check", "--deploy"], tmp_path, SIYU_DEMO="1")

    assert checked.returncode == 1
    assert "(siyu.E001) SIYU_SECRET_KEY is not set" in checked.stderr
    assert "(siyu.W001) The sandbox payment gateway is on" in checked.stderr


@pytest.mark.django_db
def test_with_the_sandbox_off_nothing_pays_through_it(customer, address, sku):
    order = place(customer, [(sku.pk, 1)], address=address)
    payment = payments.start_payment(customer=customer, order_id=order.pk, gateway="sandbox").payment
    body, headers = SandboxGateway().build_notification(payment_number=payment.number, amount=payment.amount)
    browser = Client()

    with override_settings(SIYU_SANDBOX_PAY=False):
        cashier = browser.get(f"/sandbox-pay/{payment.number}/")
        cashier_pay = browser.post(f"/sandbox-pay/{payment.number}/")
        notified = browser.post(
            "/api/v1/payments/sandbox/notify", body, content_type="application/json", headers=headers
        )
        with pytest.raises(InvalidInput) as refused:
            payments.start_payment(customer=customer, order_id=order.pk, gateway="sandbox")

    assert (cashier.status_code, cashier_pay.status_code) == (404, 404)
    assert (notified.status_code, notified.json()["detail"]) == (400, {"gateway": "sandbox"})
    assert refused.value.detail == {"gateway": "sandbox"}
    order.refresh_from_db()
    payment.refresh_from_db()
    assert (order.status, payment.status) == (OrderStatus.PENDING_PAYMENT, PaymentStatus.PENDING)
    assert Payment.objects.filter(order=order).count() == 1
