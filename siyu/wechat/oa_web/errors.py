"""Refusals of the official account's web login and custom menu."""

from django.utils.translation import gettext_lazy as _

from siyu.core.errors import SiyuError


class WeChatLoginUnavailable(SiyuError):
    """Raised when WeChat login is asked of a shop with no active official account."""

    code = "wechat_login_unavailable"
    status = 404
    message = _("This shop does not offer WeChat login.")


class OAuthStateInvalid(SiyuError):
    """Raised when the OAuth return's state is missing, forged, already used or from another browser."""

    code = "oauth_state_invalid"
    status = 400
    message = _("This WeChat login link is invalid or was already used. Please log in again.")


class OAuthStateExpired(SiyuError):
    """Raised when the OAuth return comes after the state's lifetime (ten minutes)."""

    code = "oauth_state_expired"
    status = 400
    message = _("This WeChat login took too long. Please log in again.")


class OAuthDenied(SiyuError):
    """Raised when the visitor declined the authorisation (WeChat returns no code)."""

    code = "oauth_denied"
    status = 403
    message = _("You did not allow the WeChat login.")


class OAuthCodeInvalid(SiyuError):
    """Raised when WeChat refuses the code: invalid or expired (40029) or already used (40163)."""

    code = "oauth_code_invalid"
    status = 400
    message = _(
        "WeChat did not accept this login (the code is invalid, expired or used). Please log in again."
    )


class OAuthSnapshotUser(SiyuError):
    """Raised when WeChat says the visitor is on a page's snapshot (朋友圈快照页,
    ``is_snapshotuser``): the openid is a stand-in that names nobody, so nobody is logged in."""

    code = "oauth_snapshot_user"
    status = 403
    message = _("Open the full page in WeChat (tap “Use the full service”) to log in.")


class OAuthFailed(SiyuError):
    """Raised when WeChat answers the code exchange or the user-info call with another error."""

    code = "oauth_failed"
    status = 502
    message = _("WeChat login failed. Please try again later.")


class MenuInvalid(SiyuError):
    """Raised when a custom menu breaks WeChat's limits; the detail lists each problem."""

    code = "wechat_menu_invalid"
    status = 400
    message = _("The menu is not valid. Please correct the marked buttons.")


class MenuPublishFailed(SiyuError):
    """Raised when WeChat refuses ``menu/create`` or ``menu/delete``; the detail has its errcode."""

    code = "wechat_menu_publish_failed"
    status = 502
    message = _("WeChat refused the menu.")
