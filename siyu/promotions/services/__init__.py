"""Use cases of the promotions app. Checkout calls ``record_order_promotions``; staff and customers
call the coupon and promotion services; the order hooks (``siyu/promotions/hooks.py``) use and
return an order's coupons."""

from siyu.promotions.services.coupons import (
    claim_coupon,
    create_codes,
    create_template,
    issue_coupon,
    issue_for_trigger,
    issue_to_customers,
    redeem_code,
    set_template_status,
    update_template,
)
from siyu.promotions.services.orders import record_order_promotions
from siyu.promotions.services.promotions import (
    create_promotion,
    set_promotion_status,
    update_pricing_policy,
    update_promotion,
)

__all__ = [
    "claim_coupon",
    "create_codes",
    "create_promotion",
    "create_template",
    "issue_coupon",
    "issue_for_trigger",
    "issue_to_customers",
    "record_order_promotions",
    "redeem_code",
    "set_promotion_status",
    "set_template_status",
    "update_pricing_policy",
    "update_promotion",
    "update_template",
]
