"""Refusals of the presale (预售 / 定金膨胀) playbook."""

from django.utils.translation import gettext_lazy as _

from siyu.core.errors import SiyuError


class DepositWindowClosed(SiyuError):
    """Raised when a deposit is ordered outside its window, or while the presale is paused or ended."""

    code = "deposit_window_closed"
    status = 409
    message = _("Deposits for this presale are not being taken now.")


class BalanceWindowClosed(SiyuError):
    """Raised when a balance is ordered outside the final-payment window."""

    code = "balance_window_closed"
    status = 409
    message = _("The balance of this presale cannot be paid now.")


class PresaleSoldOut(SiyuError):
    """Raised when a deposit asks for more units than the presale has left."""

    code = "presale_sold_out"
    status = 409
    message = _("This presale is sold out.")


class PresaleLimitReached(SiyuError):
    """Raised when a deposit would take a customer past the presale's per-customer limit."""

    code = "presale_limit_reached"
    status = 409
    message = _("You have reached the limit for this presale.")


class BookingNotPayable(SiyuError):
    """Raised when a balance is ordered for a booking whose deposit is unpaid or that is already settled."""

    code = "booking_not_payable"
    status = 409
    message = _("This booking has no balance to pay.")


class DepositNotRefundable(SiyuError):
    """Raised when a deposit is asked back that is non-refundable or already part of a balance order."""

    code = "deposit_not_refundable"
    status = 409
    message = _("This deposit cannot be refunded.")
