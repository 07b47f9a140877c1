"""Refusals of the promotions app: coupons, promotions, activities."""

from django.utils.translation import gettext_lazy as _

from siyu.core.errors import SiyuError


class CouponUnavailable(SiyuError):
    """Raised when a coupon the customer picked cannot be used on this order (used, expired, not eligible)."""

    code = "coupon_unavailable"
    status = 409
    message = _("This coupon cannot be used on this order.")


class CouponSoldOut(SiyuError):
    """Raised when every coupon of a template has been given out."""

    code = "coupon_sold_out"
    status = 409
    message = _("All of these coupons have been claimed.")


class CouponLimitReached(SiyuError):
    """Raised when a customer already holds as many of a coupon as the template allows."""

    code = "coupon_limit_reached"
    status = 409
    message = _("You have already claimed the maximum number of this coupon.")


class CouponNotClaimable(SiyuError):
    """Raised when a template is paused, ended, outside its claim window, or not offered to this customer."""

    code = "coupon_not_claimable"
    status = 409
    message = _("This coupon cannot be claimed now.")


class CouponCodeInvalid(SiyuError):
    """Raised when a coupon code does not exist or has been used."""

    code = "coupon_code_invalid"
    status = 404
    message = _("This coupon code is invalid or has already been used.")


class GiftOutOfStock(SiyuError):
    """Raised when a gift ran out between pricing and placing the order."""

    code = "gift_out_of_stock"
    status = 409
    message = _("A gift with this order has just run out. Please review your order again.")


class ActivityConflict(SiyuError):
    """Raised when a SKU is already in another activity that overlaps in time."""

    code = "activity_conflict"
    status = 409
    message = _("This product is already in another activity at that time.")


class ItemInAnotherActivity(ActivityConflict):
    """Raised when a group buy or bargain would put a SKU in two overlapping activities (the same
    code; the wording those two playbooks have always answered with)."""

    message = _("This item is already in another activity at that time.")


class CouponQuantityShort(CouponSoldOut):
    """Raised when a targeted issue asks for more coupons than the template has left (some are left);
    ``detail`` is ``{"requested": n, "remaining": m}`` so the caller can offer to issue to the first m."""

    code = "coupon_quantity_short"
    message = _("There are not enough of these coupons left for everyone.")
