from siyu.orders.models.aftersale import AfterSale, AfterSaleKind, AfterSaleLine, AfterSaleStatus
from siyu.orders.models.order import CartItem, Fulfilment, LineKind, Order, OrderEvent, OrderLine, OrderStatus
from siyu.orders.models.payment import Payment, PaymentNotification, PaymentStatus, Refund, RefundStatus

__all__ = [
    "AfterSale",
    "AfterSaleKind",
    "AfterSaleLine",
    "AfterSaleStatus",
    "CartItem",
    "Fulfilment",
    "LineKind",
    "Order",
    "OrderEvent",
    "OrderLine",
    "OrderStatus",
    "Payment",
    "PaymentNotification",
    "PaymentStatus",
    "Refund",
    "RefundStatus",
]
