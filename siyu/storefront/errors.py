from django.utils.translation import gettext_lazy as _

from siyu.core.errors import SiyuError


class H5LoginUnavailable(SiyuError):
    """Raised when the H5 sandbox login is used for a shop that logs customers in through WeChat."""

    code = "h5_login_unavailable"
    status = 403
    message = _("This shop signs customers in through its WeChat mini-program only.")


class NicknameInvalid(SiyuError):
    """Raised when the H5 login form's nickname is empty or too long."""

    code = "nickname_invalid"
    status = 400
    message = _("Please enter a nickname of 1 to 32 characters.")


class CheckoutFormInvalid(SiyuError):
    """Raised when the checkout page's lines or choices cannot be read (edited or stale form)."""

    code = "checkout_form_invalid"
    status = 400
    message = _("The checkout form is invalid. Please go back to the cart and try again.")
