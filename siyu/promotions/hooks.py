"""What an order's payment and cancellation do to its coupons and gifts (position 40 in
``siyu/orders/hooks.py``). Each hook runs inside the order's transaction."""

from __future__ import annotations

from siyu.orders.hooks import OrderHooks
from siyu.orders.models import Order
from siyu.promotions.services import orders


class CouponHooks(OrderHooks):
    """Payment uses the order's coupons (and a first paid order issues the first-order coupons);
    cancellation returns the coupons and puts the gifts back on the shelf."""

    def on_paid(self, order: Order) -> None:
        orders.use_coupons(order)

    def on_cancelled(self, order: Order) -> None:
        orders.return_coupons(order)
