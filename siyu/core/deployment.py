"""What a deployment must configure before it serves anyone (docs/deployment.md).

The repository ships a SECRET_KEY so that ``siyu demo`` and a developer's ``SIYU_DEBUG=1`` need no
setup. Anyone can read it, so anyone could sign sessions and (through the sandbox gateway, whose
secret falls back to it) payment callbacks. ``refuse_insecure_start`` stops the server from starting
with it unless in debug or demo mode; ``siyu check --deploy`` reports the same and the sandbox gateway.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.core.checks import Warning as CheckWarning
from django.core.exceptions import ImproperlyConfigured

INSECURE_SECRET_KEY = "siyu-insecure-demo-key-change-me-in-production"

SECRET_KEY_PROBLEM = (
    "SIYU_SECRET_KEY is not set, so Siyu would sign sessions and sandbox payment callbacks with the key "
    "published in its repository. Set SIYU_SECRET_KEY to a long random value (for example the output of "
    "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`); see docs/deployment.md. "
    "SIYU_DEBUG=1 (development) and `siyu demo` (SIYU_DEMO=1) may run without it."
)


def insecure_secret_key() -> bool:
    return settings.SECRET_KEY == INSECURE_SECRET_KEY


def refuse_insecure_start() -> None:
    """Raise ImproperlyConfigured when a server would start with the published key outside debug or demo."""
    if insecure_secret_key() and not (settings.DEBUG or settings.SIYU_DEMO):
        raise ImproperlyConfigured(SECRET_KEY_PROBLEM)


@register(Tags.security, deploy=True)
def check_deployment(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """``siyu check --deploy``: the published key, and a sandbox that lets anyone pay with no money."""
    problems: list[CheckMessage] = []
    if insecure_secret_key():
        problems.append(Error(SECRET_KEY_PROBLEM, id="siyu.E001"))
    if settings.SIYU_SANDBOX_PAY:
        problems.append(
            CheckWarning(
                "The sandbox payment gateway is on (SIYU_SANDBOX_PAY): its cashier page lets anyone mark "
                "an order paid without paying.",
                hint="Unset SIYU_SANDBOX_PAY and SIYU_DEMO in production.",
                id="siyu.W001",
            )
        )
    return problems
