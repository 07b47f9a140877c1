"""Refusals and failures of the WeChat carriers."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from siyu.core.errors import SiyuError


class WeChatNotConfigured(SiyuError):
    """Raised when a merchant has no active WeChat account of the kind a use case needs."""

    code = "wechat_not_configured"
    status = 409
    message = _("This WeChat account is not set up yet. Ask the owner to add it under Settings.")


class WeChatApiError(SiyuError):
    """Raised when WeChat answers a call with a non-zero errcode."""

    code = "wechat_api_error"
    status = 502
    message = _("WeChat refused the request.")

    def __init__(self, errcode: int = 0, errmsg: str = "", *, detail=None) -> None:
        self.errcode = errcode
        self.errmsg = errmsg
        super().__init__(detail=detail if detail is not None else {"errcode": errcode, "errmsg": errmsg})


class WeChatRetryable(WeChatApiError):
    """Raised when WeChat is busy, rate-limits the call (45009 and kin) or cannot be reached: retry later."""

    code = "wechat_retry_later"
    status = 503
    message = _("WeChat is busy. Please try again in a moment.")


class WeChatOutcomeUnknown(WeChatRetryable):
    """Raised when the request may have reached WeChat but no answer came back (a read timeout, a
    connection dropped after sending, an unreadable answer). Safe to retry for reads and token
    fetches; a send must not be retried blindly (siyu/reach treats it as a send in doubt)."""

    code = "wechat_outcome_unknown"


class SignatureInvalid(SiyuError):
    """Raised when a WeChat push's signature does not match the account's token."""

    code = "wechat_signature_invalid"
    status = 403
    message = _("The WeChat signature is invalid.")


class DecryptError(SiyuError):
    """Raised when an encrypted WeChat push cannot be decrypted or names another account."""

    code = "wechat_decrypt_failed"
    status = 400
    message = _("The WeChat message could not be decrypted.")


class AccountInvalid(SiyuError):
    """Raised when account settings cannot be saved as given (missing id, malformed key, taken app id)."""

    code = "wechat_account_invalid"
    status = 400
    message = _("The WeChat account settings are not valid.")
