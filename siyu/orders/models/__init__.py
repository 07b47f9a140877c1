from siyu.orders.models.aftersale import (
    AFTER_SALE_REASONS,
    AfterSale,
    AfterSaleKind,
    AfterSaleLine,
    AfterSaleStatus,
)
from siyu.orders.models.order import (
    CartItem,
    Fulfilment,
    LineKind,
    Order,
    OrderEvent,
    OrderFlag,
    OrderLine,
    OrderStatus,
)
from siyu.orders.models.payment import Payment, PaymentNotification, PaymentStatus, Refund, RefundStatus
from siyu.orders.models.shipping import ShipmentBatch, ShipmentBatchStatus

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
    "OrderFlag",
    "OrderLine",
    "OrderStatus",
    "Payment",
    "PaymentNotification",
    "PaymentStatus",
    "Refund",
    "RefundStatus",
    "ShipmentBatch",
    "ShipmentBatchStatus",
]
