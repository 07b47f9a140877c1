from django.utils.translation import gettext_lazy as _

from siyu.core.errors import SiyuError


class LoginFailed(SiyuError):
    """Raised when the mini-program login code cannot be exchanged for an openid."""

    code = "login_failed"
    status = 401
    message = _("Login failed: the login code is invalid or expired.")


class LoginProviderUnavailable(SiyuError):
    """Raised when WeChat's login service cannot be reached or is busy; the client may retry."""

    code = "login_provider_unavailable"
    status = 503
    message = _("The login service is busy. Please try again.")


class PhoneInUse(SiyuError):
    """Raised when a phone number is already bound to another customer of the merchant."""

    code = "phone_in_use"
    status = 409
    message = _("This phone number is bound to another account.")


class CustomerBlocked(SiyuError):
    """Raised when a blocked customer tries to log in or buy."""

    code = "customer_blocked"
    status = 403
    message = _("This account has been blocked.")


class NotAGuide(SiyuError):
    """Raised when a customer is bound to someone who is not an active shopping guide of the merchant."""

    code = "not_a_guide"
    status = 400
    message = _("Choose an active shopping guide of this shop.")
