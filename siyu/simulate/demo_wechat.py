"""The demo merchant's WeChat accounts, all played by the built-in WeChat sandbox.

``ensure_demo_wechat`` runs on every ``siyu demo`` (a demo database from before WeChat gets its
accounts too) and changes nothing that is already there. Each carrier keeps its own section below.
"""

from __future__ import annotations

import hashlib

from siyu.tenancy.models import Merchant
from siyu.wechat.models import AccountKind, WeChatAccount
from siyu.wechat.pay import protocol


def _demo_value(merchant: Merchant, name: str, length: int) -> str:
    """A stable, merchant-specific value for a sandbox credential (the sandbox reads it from the database)."""
    return hashlib.sha256(f"siyu-demo:{merchant.slug}:{name}".encode()).hexdigest()[:length]


def ensure_sandbox_account(
    merchant: Merchant, kind: str, app_id: str, *, name: str, config: dict, secrets: dict[str, str]
) -> WeChatAccount:
    """The merchant's sandbox account of ``kind``, created once with these values."""
    account = WeChatAccount.objects.for_merchant(merchant).filter(kind=kind).first()
    if account is not None:
        return account
    account = WeChatAccount(
        merchant=merchant, kind=kind, app_id=app_id, name=name, config=config, sandbox=True
    )
    account.set_secrets(secrets)
    account.save()
    return account


# --- mini-program ------------------------------------------------------------------------------


def ensure_demo_mini_program(merchant: Merchant) -> WeChatAccount:
    return ensure_sandbox_account(
        merchant,
        AccountKind.MINI_PROGRAM,
        "wx" + _demo_value(merchant, "mp", 16),
        name="山野茶铺小程序",
        config={},
        secrets={"app_secret": _demo_value(merchant, "mp-secret", 32)},
    )


# --- pay ---------------------------------------------------------------------------------------

DEMO_MCHID = "1900009191"


def ensure_demo_wechat_pay(merchant: Merchant) -> WeChatAccount:
    """The demo's sandbox WeChat Pay merchant (made once, keys generated here), so the demo storefront
    pays through WeChat Pay v3 against the sandbox. It pays for the demo mini-program's appid (the H5
    login gives customers that openid), else the official account's.

    A real account gets its platform public key from WeChat; here the demo makes the platform keypair
    too and hands the private half to the sandbox as ``sandbox_platform_private_key`` (the sandbox
    only ever reads accounts marked ``sandbox``), so WeChat's signatures verify across restarts.
    """
    existing = WeChatAccount.objects.for_merchant(merchant).filter(kind=AccountKind.WECHAT_PAY).first()
    if existing is not None:
        return existing
    payer_app = (
        WeChatAccount.objects.for_merchant(merchant)
        .filter(kind__in=[AccountKind.MINI_PROGRAM, AccountKind.OFFICIAL_ACCOUNT])
        .order_by("kind")  # mini_program before official_account
        .values_list("app_id", flat=True)
        .first()
    )
    merchant_private, _merchant_public = protocol.generate_keypair()
    platform_private, platform_public = protocol.generate_keypair()
    return ensure_sandbox_account(
        merchant,
        AccountKind.WECHAT_PAY,
        DEMO_MCHID,
        name="山野茶铺 微信支付",
        config={
            "serial_no": _demo_value(merchant, "pay-serial", 40).upper(),
            "app_id": payer_app or "wx" + _demo_value(merchant, "mp", 16),
            "platform_public_key_id": "PUB_KEY_ID_" + _demo_value(merchant, "pay-platform", 24).upper(),
        },
        secrets={
            "private_key": merchant_private,
            "apiv3_key": _demo_value(merchant, "apiv3", 32),
            "platform_public_key": platform_public,
            "sandbox_platform_private_key": platform_private,
        },
    )


def ensure_demo_wechat(merchant: Merchant) -> None:
    """Every WeChat account and carrier set-up of the demo, each section idempotent."""
    ensure_demo_mini_program(merchant)
    ensure_demo_wechat_pay(merchant)
