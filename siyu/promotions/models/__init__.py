from siyu.promotions.models.coupons import (
    Coupon,
    CouponCode,
    CouponHolding,
    CouponStatus,
    CouponTemplate,
    CouponTrigger,
    TemplateStatus,
    Validity,
)
from siyu.promotions.models.promotions import (
    GiftStock,
    PricingPolicy,
    Promotion,
    PromotionKind,
    PromotionStatus,
)
from siyu.promotions.models.usage import Redemption

__all__ = [
    "Coupon",
    "CouponCode",
    "CouponHolding",
    "CouponStatus",
    "CouponTemplate",
    "CouponTrigger",
    "GiftStock",
    "PricingPolicy",
    "Promotion",
    "PromotionKind",
    "PromotionStatus",
    "Redemption",
    "TemplateStatus",
    "Validity",
]
