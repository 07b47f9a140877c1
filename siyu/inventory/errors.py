from django.utils.translation import gettext_lazy as _

from siyu.core.errors import SiyuError


class OutOfStock(SiyuError):
    """Raised when fewer units are available than an order asks for."""

    code = "out_of_stock"
    status = 409
    message = _("Not enough stock.")


class StockBelowReserved(SiyuError):
    """Raised when an adjustment would leave fewer units on hand than unpaid orders hold."""

    code = "stock_below_reserved"
    status = 409
    message = _("Stock cannot go below the units reserved by unpaid orders.")
