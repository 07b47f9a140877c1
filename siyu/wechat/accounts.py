"""Finding a merchant's WeChat accounts."""

from __future__ import annotations

from siyu.tenancy.models import Merchant
from siyu.wechat.errors import WeChatNotConfigured
from siyu.wechat.models import AccountKind, WeChatAccount


def account_for(merchant: Merchant | int, kind: str) -> WeChatAccount | None:
    """The merchant's active account of ``kind``, or None."""
    return WeChatAccount.objects.for_merchant(merchant).filter(kind=kind, is_active=True).first()


def require_account(merchant: Merchant | int, kind: str) -> WeChatAccount:
    """The merchant's active account of ``kind``; refused with ``WeChatNotConfigured`` when missing."""
    account = account_for(merchant, kind)
    if account is None:
        raise WeChatNotConfigured(detail={"kind": kind})
    return account


def account_by_app_id(kind: str, app_id: str) -> WeChatAccount | None:
    """The active account a callback URL names by its app id (corp id, mchid), with its merchant."""
    return (
        WeChatAccount.objects.select_related("merchant")
        .filter(kind=kind, app_id=app_id, is_active=True, merchant__is_active=True)
        .first()
    )


def mini_program_ready(merchant: Merchant | int) -> bool:
    """Whether the merchant's mini-program account can log customers in (appid and secret set)."""
    account = account_for(merchant, AccountKind.MINI_PROGRAM)
    return account is not None and account.has_secret("app_secret")
