from siyu.orders.models.aftersale import (
    AFTER_SALE_REASONS,
    AfterSale,
    AfterSaleKind,
    AfterSaleLine,
    AfterSaleStatus,
)
from siyu.orders.models.order import CartItem, Fulfilment, LineKind, Order, OrderEvent, OrderLine, OrderStatus
from siyu.orders.models.payment import Payment, PaymentNotification, PaymentStatus, Refund, RefundStatus

__all__ = [
    "AFTER_SALE_REASONS",
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
