"""The demo merchant's WeChat accounts, all played by the built-in sandbox (``siyu wechat_sandbox``)."""

from __future__ import annotations

import secrets

from siyu.tenancy.models import Merchant
from siyu.wechat.accounts import account_for
from siyu.wechat.models import AccountKind, WeChatAccount
from siyu.wechat.pay import protocol

# --- pay ---------------------------------------------------------------------------------------

DEMO_MCHID = "1900009191"
DEMO_PAY_APP_ID = "wxd930ea5d5a258f4f"  # the appid that pays when the demo has no official account


def ensure_demo_wechat_pay(merchant: Merchant) -> WeChatAccount:
    """The demo's sandbox WeChat Pay merchant (made once, keys generated here), so the demo storefront
    pays through WeChat Pay v3 against the sandbox.

    A real account gets its platform public key from WeChat; here the demo makes the platform keypair
    too and hands the private half to the sandbox as ``sandbox_platform_private_key`` (the sandbox
    only ever reads accounts marked ``sandbox``), so WeChat's signatures verify across restarts.
    """
    existing = account_for(merchant, AccountKind.WECHAT_PAY)
    if existing is not None:
        return existing
    oa = account_for(merchant, AccountKind.OFFICIAL_ACCOUNT)
    merchant_private, _merchant_public = protocol.generate_keypair()
    platform_private, platform_public = protocol.generate_keypair()
    account = WeChatAccount(
        merchant=merchant,
        kind=AccountKind.WECHAT_PAY,
        app_id=DEMO_MCHID,
        name="演示商户 Demo merchant",
        config={
            "serial_no": secrets.token_hex(20).upper(),
            "app_id": oa.app_id if oa is not None else DEMO_PAY_APP_ID,
            "platform_public_key_id": "PUB_KEY_ID_" + secrets.token_hex(12).upper(),
        },
        sandbox=True,
        is_active=True,
    )
    account.set_secrets(
        {
            "private_key": merchant_private,
            "apiv3_key": secrets.token_hex(16),
            "platform_public_key": platform_public,
            "sandbox_platform_private_key": platform_private,
        }
    )
    account.save()
    return account
