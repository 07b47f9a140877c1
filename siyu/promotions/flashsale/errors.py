"""Why a flash sale request is refused."""

from django.utils.translation import gettext_lazy as _

from siyu.core.errors import SiyuError


class FlashSaleNotFound(SiyuError):
    """Raised when a flash sale (or the SKU in it) does not exist, belongs to another merchant, or is
    not published."""

    code = "flash_sale_not_found"
    status = 404
    message = _("This flash sale does not exist.")


class FlashSaleNotStarted(SiyuError):
    """Raised when a customer tries to buy before the sale's start time."""

    code = "flash_sale_not_started"
    status = 409
    message = _("This flash sale has not started yet.")


class FlashSaleEnded(SiyuError):
    """Raised when a customer tries to buy after the sale's end time or once staff ended it."""

    code = "flash_sale_ended"
    status = 409
    message = _("This flash sale has ended.")


class FlashSalePaused(SiyuError):
    """Raised when a customer tries to buy while staff have paused the sale."""

    code = "flash_sale_paused"
    status = 409
    message = _("This flash sale is paused.")


class FlashSaleSoldOut(SiyuError):
    """Raised when the item's quota has fewer units left than the customer asked for."""

    code = "flash_sale_sold_out"
    status = 409
    message = _("Sold out.")


class FlashSaleLimitReached(SiyuError):
    """Raised when the units asked for would take the customer past the sale's per-customer limit."""

    code = "flash_sale_limit_reached"
    status = 409
    message = _("You have reached the purchase limit for this item.")


class FlashSaleConflict(SiyuError):
    """Raised when a SKU of the sale is already in another published activity whose time overlaps."""

    code = "flash_sale_conflict"
    status = 409
    message = _("A product in this flash sale is already in another activity at that time.")


class FlashSaleLocked(SiyuError):
    """Raised when staff change what a started sale cannot change (its start, prices or SKUs) or
    lower a quota below the units already taken."""

    code = "flash_sale_locked"
    status = 409
    message = _("This part of the flash sale can no longer be changed.")


class FlashSaleInvalid(SiyuError):
    """Raised when a sale's settings are inconsistent (end before start, a price above the SKU's,
    a SKU twice, a payment window longer than the shop's)."""

    code = "flash_sale_invalid"
    message = _("The flash sale settings are invalid.")
