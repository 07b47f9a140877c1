"""Payment gateways behind one interface.

``get_gateway(name, merchant=...)`` returns the named one; ``default_gateway(merchant)`` names the one
a storefront or API payment uses when the client does not choose: the merchant's active WeChat Pay
account if it has one, else the sandbox (where settings allow it).
"""

from __future__ import annotations

from django.conf import settings

from siyu.core.errors import InvalidInput
from siyu.orders.gateways.base import PaymentGateway
from siyu.orders.gateways.sandbox import SandboxGateway
from siyu.tenancy.models import Merchant

WECHATPAY = "wechatpay"


def _wechat_pay_account(merchant: Merchant | int | None):
    if merchant is None:
        return None
    # Imported here: the wechat app builds on orders (its pay callbacks record payments).
    from siyu.wechat.accounts import account_for
    from siyu.wechat.models import AccountKind

    if isinstance(merchant, int):
        merchant = Merchant.objects.get(pk=merchant)
    return account_for(merchant, AccountKind.WECHAT_PAY)


def get_gateway(name: str, *, merchant: Merchant | int | None = None) -> PaymentGateway:
    """The gateway called ``name`` for ``merchant``; an unknown or switched-off one is refused."""
    if name == WECHATPAY:
        account = _wechat_pay_account(merchant)
        if account is not None:
            from siyu.orders.gateways.wechatpay import WeChatPayGateway

            return WeChatPayGateway(account)
        raise InvalidInput(detail={"gateway": name})
    if name == SandboxGateway.name and settings.SIYU_SANDBOX_PAY:
        return SandboxGateway()
    raise InvalidInput(detail={"gateway": name})


def default_gateway(merchant: Merchant | int) -> str:
    """The gateway a payment uses when the client names none."""
    return WECHATPAY if _wechat_pay_account(merchant) is not None else SandboxGateway.name


def gateway_names(merchant: Merchant | int | None = None) -> list[str]:
    names = [SandboxGateway.name] if settings.SIYU_SANDBOX_PAY else []
    if _wechat_pay_account(merchant) is not None:
        names.append(WECHATPAY)
    return sorted(names)
