from typing import Any

from django.utils.translation import gettext_lazy as _

from siyu.core.errors import SiyuError


class EmptyCart(SiyuError):
    """Raised when checkout is asked for no lines."""

    code = "empty_cart"
    message = _("There is nothing to check out.")


class QuantityInvalid(SiyuError):
    """Raised when a line asks for zero, negative or too many units."""

    code = "quantity_invalid"
    message = _("The quantity must be between 1 and 999.")


class OrderTooLarge(SiyuError):
    """Raised when an order's total exceeds what one order may carry (¥10,000,000)."""

    code = "order_too_large"
    message = _("This order is too large. Please split it into several orders.")


class PickupUnavailable(SiyuError):
    """Raised when the chosen outlet does not offer self-pickup."""

    code = "pickup_unavailable"
    status = 409
    message = _("This outlet does not offer self-pickup.")


class AddressRequired(SiyuError):
    """Raised when a delivery order has no shipping address."""

    code = "address_required"
    message = _("Please choose a shipping address.")


class OrderExpired(SiyuError):
    """Raised when an order is paid for after its payment deadline."""

    code = "order_expired"
    status = 409
    message = _("This order has expired. Please order again.")


class PickupCodeInvalid(SiyuError):
    """Raised when a pickup code matches no paid pickup order at the staff member's outlets."""

    code = "pickup_code_invalid"
    status = 404
    message = _("No order awaiting pickup has this code.")


class SignatureInvalid(SiyuError):
    """Raised when a payment callback's signature does not verify."""

    code = "signature_invalid"
    status = 401
    message = _("The callback signature is invalid.")


class CallbackStale(SiyuError):
    """Raised when a payment callback's timestamp is outside the replay window."""

    code = "callback_stale"
    status = 401
    message = _("The callback is too old or from the future.")


class AmountMismatch(SiyuError):
    """Raised when a gateway reports a paid amount different from the payment's amount."""

    code = "amount_mismatch"
    status = 409
    message = _("The paid amount does not match the order.")


class RefundExceedsPaid(SiyuError):
    """Raised when an after-sale asks for more units or money than is left to refund."""

    code = "refund_exceeds_paid"
    status = 409
    message = _("The refund exceeds what is left to refund on this order.")


class AfterSaleNotAllowed(SiyuError):
    """Raised when an after-sale is requested for an order in a state that allows none."""

    code = "aftersale_not_allowed"
    status = 409
    message = _("After-sales are not available for this order.")


class AfterSaleOpen(SiyuError):
    """Raised when an order line already has an after-sale in progress."""

    code = "aftersale_in_progress"
    status = 409
    message = _("An after-sale for this item is already in progress.")


class GatewayError(SiyuError):
    """Raised when the payment gateway refuses or fails a request."""

    code = "gateway_error"
    status = 502
    message = _("The payment service failed. Please try again.")


class OrderOnHold(SiyuError):
    """Raised when a paid order may not ship yet (its group has not formed, its balance is unpaid)."""

    code = "order_on_hold"
    status = 409
    message = _("This order cannot be shipped yet: its activity has not finished.")


class OrderSourceUnknown(SiyuError):
    """Raised when an order names a source that is not one of the channels (or activities) Siyu knows."""

    code = "unknown_source"
    message = _("This order source is unknown. Use one of the allowed channels, or none.")


class PickupAlreadyVerified(SiyuError):
    """Raised when a pickup code belongs to an order that was already handed over (核销 a second time);
    ``detail`` says when, by whom and where."""

    code = "pickup_already_verified"
    status = 409
    message = _("This pickup code has already been used.")


class UnknownCourier(SiyuError):
    """Raised when shipping names a courier that is not on the list (``siyu/orders/couriers.py``)."""

    code = "unknown_courier"
    message = _("Unknown courier. Choose one from the list (e.g. SF, ZTO, YTO, JD).")


class TrackingNumberInvalid(SiyuError):
    """Raised when a tracking number cannot be one of the chosen courier's numbers."""

    code = "tracking_number_invalid"
    message = _("The tracking number does not match the courier's format.")

    @staticmethod
    def for_courier(courier: Any) -> str:
        return _("Not a tracking number of %(courier)s: they look like %(example)s.") % {
            "courier": courier.name,
            "example": courier.example,
        }


class OrderNotAdjustable(SiyuError):
    """Raised when a price adjustment (改价) is asked for an order that is no longer awaiting payment."""

    code = "order_not_adjustable"
    status = 409
    message = _("Only an order awaiting payment can have its price changed.")


class PriceBelowFloor(SiyuError):
    """Raised when a price adjustment would take the goods below the merchant's price floor or the
    order below one fen."""

    code = "price_below_floor"
    message = _("This price is below the minimum allowed for this order.")


class ShipmentBatchInvalid(SiyuError):
    """Raised when a batch-shipping file cannot be read as rows of order number, courier, tracking number."""

    code = "shipment_file_invalid"
    message = _(
        "The file could not be read. Upload a CSV or .xlsx file with the columns order number, "
        "courier and tracking number."
    )
