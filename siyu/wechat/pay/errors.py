"""Refusals of the WeChat Pay v3 gateway (callbacks, API answers, configuration)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from siyu.core.errors import SiyuError
from siyu.orders.errors import GatewayError


class PayNotConfigured(SiyuError):
    """Raised when the merchant's WeChat Pay account lacks a key, serial or platform key."""

    code = "wechat_pay_not_configured"
    status = 409
    message = _("WeChat Pay is not fully configured for this shop.")


class PayApiError(GatewayError):
    """Raised when WeChat Pay answers an API call with an error status, or cannot be reached."""

    code = "wechat_pay_error"
    message = _("WeChat Pay refused or did not answer the request. Please try again.")

    @property
    def wx_code(self) -> str:
        return str((self.detail or {}).get("code", ""))


class PayResponseUnverified(GatewayError):
    """Raised when an answer from WeChat Pay does not carry the platform's valid signature."""

    code = "wechat_pay_unverified"
    message = _("The answer from WeChat Pay could not be verified.")


class PayerUnknown(SiyuError):
    """Raised when a WeChat Pay JSAPI payment is started for a customer with no WeChat openid."""

    code = "wechat_payer_unknown"
    status = 409
    message = _("Please open the shop in WeChat to pay with WeChat Pay.")


class NotificationUnverified(SiyuError):
    """Raised when a WeChat Pay callback's signature, serial or timestamp does not check out."""

    code = "signature_invalid"
    status = 401
    message = _("The notification's signature is invalid.")


class NotificationUndecryptable(SiyuError):
    """Raised when a verified callback's resource does not decrypt with the APIv3 key."""

    code = "decrypt_failed"
    status = 400
    message = _("The notification could not be decrypted.")


class NotificationMismatch(SiyuError):
    """Raised when a callback names another merchant number or appid than the payment's account."""

    code = "notification_mismatch"
    status = 409
    message = _("The notification does not match this shop's payment.")
