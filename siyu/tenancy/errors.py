from django.utils.translation import gettext_lazy as _

from siyu.core.errors import SiyuError


class NotAuthenticated(SiyuError):
    """Raised when a request carries no valid staff or customer credentials."""

    code = "not_authenticated"
    status = 401
    message = _("Please log in.")


class OutletOutOfScope(SiyuError):
    """Raised when a staff member limited to some outlets acts on another outlet."""

    code = "outlet_out_of_scope"
    status = 403
    message = _("This outlet is outside your assigned outlets.")


class WrongPassword(SiyuError):
    """Raised when staff changing their password give a current password that is not theirs."""

    code = "wrong_password"
    status = 400
    message = _("The current password is not correct.")


class TooManyAttempts(SiyuError):
    """Raised while an account or an address is locked out after repeated wrong passwords or codes."""

    code = "too_many_attempts"
    status = 429
    message = _("Too many failed attempts. Please try again later.")
