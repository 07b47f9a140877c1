"""How the sandbox process learns the credentials of Siyu's sandbox accounts: it reads them here.

Only accounts marked ``sandbox`` are handed over; a real account's secrets never leave Siyu.
"""

from __future__ import annotations

from django.db import close_old_connections

from siyu.wechat.models import WeChatAccount
from siyu.wechat.sandbox.base import FakeWeChat, SandboxAccount


class DatabaseAccounts:
    """The sandbox's account loader: sandbox accounts from Siyu's database, read when first asked for."""

    def __call__(self, kind: str, app_id: str) -> SandboxAccount | None:
        close_old_connections()
        row = WeChatAccount.objects.filter(kind=kind, app_id=app_id, sandbox=True, is_active=True).first()
        return _as_sandbox(row) if row else None

    def all_of(self, kind: str) -> list[SandboxAccount]:
        close_old_connections()
        return [
            _as_sandbox(row) for row in WeChatAccount.objects.filter(kind=kind, sandbox=True, is_active=True)
        ]


def _as_sandbox(row: WeChatAccount) -> SandboxAccount:
    return SandboxAccount(row.kind, row.app_id, row.secrets(), dict(row.config))


def register_sandbox_accounts(app: FakeWeChat) -> None:
    app.account_loader = DatabaseAccounts()
