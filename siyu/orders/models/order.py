"""Cart, orders and their lines, and the order timeline."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from siyu.core.models import TenantModel
from siyu.core.statemachine import StateMachine


class CartItem(TenantModel):
    customer = models.ForeignKey("members.Customer", on_delete=models.CASCADE, related_name="cart_items")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()
    selected = models.BooleanField(default=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["customer", "sku"], name="one_cart_row_per_sku")]


class OrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", _("Pending payment")
    PAID = "paid", _("Paid")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    CLOSED = "closed", _("Closed (fully refunded)")


S = OrderStatus
ORDER_MACHINE = StateMachine(
    {
        S.PENDING_PAYMENT: {S.PAID, S.CANCELLED},
        # A pickup order goes paid -> delivered when outlet staff verify its pickup code; an order
        # with nothing to ship (a presale deposit) goes paid -> completed once its activity settles it.
        S.PAID: {S.SHIPPED, S.DELIVERED, S.COMPLETED, S.CLOSED},
        S.SHIPPED: {S.DELIVERED, S.CLOSED},
        S.DELIVERED: {S.COMPLETED, S.CLOSED},
        S.COMPLETED: {S.CLOSED},
    }
)


class Fulfilment(models.TextChoices):
    DELIVERY = "delivery", _("Delivery")
    PICKUP = "pickup", _("Self-pickup")


class OrderFlag(models.TextChoices):
    """The merchant's colour marks on an order (旗标), as in 有赞: what each means is the merchant's call."""

    RED = "red", _("Red flag")
    YELLOW = "yellow", _("Yellow flag")
    GREEN = "green", _("Green flag")
    BLUE = "blue", _("Blue flag")
    PURPLE = "purple", _("Purple flag")


class Order(TenantModel):
    number = models.CharField(max_length=24)
    customer = models.ForeignKey("members.Customer", on_delete=models.PROTECT, related_name="orders")
    status = models.CharField(max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING_PAYMENT)
    fulfilment = models.CharField(max_length=16, choices=Fulfilment.choices, default=Fulfilment.DELIVERY)
    pickup_outlet = models.ForeignKey(
        "tenancy.Outlet", null=True, blank=True, on_delete=models.PROTECT, related_name="pickup_orders"
    )
    pickup_code = models.CharField(max_length=8, blank=True)
    shipping_address = models.JSONField(null=True, blank=True)
    # Amounts in fen: payable = goods - discount + shipping.
    goods_amount = models.PositiveIntegerField()
    discount_amount = models.PositiveIntegerField(default=0)
    shipping_fee = models.PositiveIntegerField(default=0)
    payable_amount = models.PositiveIntegerField()
    paid_amount = models.PositiveIntegerField(default=0)
    refunded_amount = models.PositiveIntegerField(default=0)
    pricing = models.JSONField(default=dict, blank=True, help_text="What the pricing function explained")
    note = models.CharField(max_length=200, blank=True)
    # The merchant's own: a remark the customer never sees (备注) and a colour flag (旗标).
    merchant_remark = models.CharField(max_length=500, blank=True, default="")
    flag = models.CharField(max_length=8, choices=OrderFlag.choices, blank=True, default="")
    # 改价: the merchant's extra discount on the goods before payment (fen, already inside
    # discount_amount and spread over the lines' price_adjustment); see services/adjustments.py.
    price_adjustment = models.PositiveIntegerField(default=0)
    # Attribution: the source the order came by (the link the storefront passed, else the customer's
    # last touch within settings.SIYU_ATTRIBUTION_WINDOW_DAYS; see docs/events.md).
    source = models.CharField(max_length=16, blank=True)
    source_campaign = models.CharField(max_length=64, blank=True)
    idempotency_key = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001 - unique among set keys
    request_fingerprint = models.CharField(max_length=64, blank=True)
    carrier = models.CharField(max_length=32, blank=True)
    tracking_number = models.CharField(max_length=64, blank=True)
    cancel_reason = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField(help_text="Unpaid orders are cancelled after this time")
    paid_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    hold_reason = models.CharField(
        max_length=32,
        blank=True,
        default="",
        help_text="Set while an activity holds the paid order back (group forming)",
    )

    machine = ORDER_MACHINE

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "number"], name="order_number_per_merchant"),
            models.UniqueConstraint(
                fields=["merchant", "customer", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="order_idempotency_key",
            ),
            models.UniqueConstraint(
                fields=["merchant", "pickup_code"],
                condition=Q(status="paid", fulfilment="pickup"),
                name="pickup_code_unique_while_open",
            ),
            models.CheckConstraint(
                condition=Q(refunded_amount__lte=models.F("paid_amount")), name="refund_within_paid"
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "status", "expires_at"]),
            models.Index(fields=["merchant", "customer", "-id"]),
            models.Index(fields=["merchant", "paid_at"]),  # the console's daily figures
            models.Index(fields=["merchant", "flag"], condition=~Q(flag=""), name="order_flagged"),
        ]

    def __str__(self) -> str:
        return self.number


class LineKind(models.TextChoices):
    REGULAR = "regular", _("Regular")
    ACTIVITY = "activity", _("Activity price")
    ADD_ON = "add_on", _("Add-on offer")
    GIFT = "gift", _("Gift")


class OrderLine(TenantModel):
    """One SKU of an order, with the name, specs and prices as they were when it was bought.

    A SKU bought partly through an activity is two lines: the activity units (``activity_kind``
    and ``activity_id`` name the provider's row) and the rest.
    """

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=12, choices=LineKind.choices, default=LineKind.REGULAR)
    activity_kind = models.CharField(max_length=24, blank=True, default="")
    activity_id = models.BigIntegerField(null=True, blank=True)
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    product_id_snapshot = models.BigIntegerField()
    product_name = models.CharField(max_length=120)
    sku_code = models.CharField(max_length=64)
    specs = models.JSONField(default=dict)
    image = models.URLField(blank=True)
    unit_price = models.PositiveIntegerField()
    quantity = models.PositiveIntegerField()
    goods_amount = models.PositiveIntegerField(help_text="unit_price * quantity")
    discount_amount = models.PositiveIntegerField(default=0, help_text="this line's share of all discounts")
    paid_amount = models.PositiveIntegerField(help_text="goods_amount - discount_amount")
    price_adjustment = models.PositiveIntegerField(
        default=0, help_text="this line's share of the 改价 discount"
    )
    refunded_quantity = models.PositiveIntegerField(default=0)
    refunded_amount = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(refunded_quantity__lte=models.F("quantity")), name="refund_qty_within_line"
            ),
            models.CheckConstraint(
                condition=Q(refunded_amount__lte=models.F("paid_amount")), name="refund_amount_within_line"
            ),
        ]


class OrderEvent(TenantModel):
    """The order's timeline: every state change and fulfilment step, who did it and when."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    actor = models.CharField(max_length=64, help_text="customer:<id>, staff:<id> or system")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
