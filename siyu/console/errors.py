"""Refusals of the console itself (the domains' services raise their own)."""

from django.utils.translation import gettext_lazy as _

from siyu.core.errors import SiyuError


class NoConsoleAccess(SiyuError):
    """Raised when a user who logs in is not active staff at any active merchant, or has no page."""

    code = "no_console_access"
    status = 403
    message = _("This account has no access to the console.")


class LoginFailed(SiyuError):
    """Raised when a console login names no user with that password."""

    code = "login_failed"
    status = 401
    message = _("The username or password is incorrect.")
