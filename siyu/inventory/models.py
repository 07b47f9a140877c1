"""Stock per SKU (warehouse, for delivery) and per outlet (for self-pickup), with a movement ledger.

``reserved`` counts units held by unpaid orders. The database itself refuses a row where
``reserved > on_hand``: even a bug in a service cannot oversell.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from siyu.core.models import TenantModel


class StockLevel(TenantModel):
    """Units of one SKU at one place: the central warehouse (outlet = NULL) or an outlet."""

    sku = models.ForeignKey("catalog.Sku", on_delete=models.CASCADE, related_name="stock_levels")
    outlet = models.ForeignKey(
        "tenancy.Outlet", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    on_hand = models.IntegerField(default=0)
    reserved = models.IntegerField(default=0)
    low_stock_threshold = models.IntegerField(default=10)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["sku"], condition=Q(outlet=None), name="one_warehouse_stock_per_sku"
            ),
            models.UniqueConstraint(fields=["sku", "outlet"], name="one_outlet_stock_per_sku"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="reserved_not_negative"),
            models.CheckConstraint(condition=Q(reserved__lte=F("on_hand")), name="reserved_within_on_hand"),
        ]
        indexes = [models.Index(fields=["merchant", "outlet"])]

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class MovementKind(models.TextChoices):
    RECEIVE = "receive", _("Received")
    ADJUST = "adjust", _("Adjusted")
    RESERVE = "reserve", _("Reserved by order")
    RELEASE = "release", _("Released by cancellation")
    DEDUCT = "deduct", _("Deducted on payment")
    RETURN = "return", _("Returned by customer")


class StockMovement(TenantModel):
    """One change of a stock level, append-only: why on_hand or reserved moved and by how much."""

    stock = models.ForeignKey(StockLevel, on_delete=models.CASCADE, related_name="movements")
    kind = models.CharField(max_length=16, choices=MovementKind.choices)
    on_hand_delta = models.IntegerField(default=0)
    reserved_delta = models.IntegerField(default=0)
    order_id = models.BigIntegerField(null=True, blank=True)
    staff_id = models.BigIntegerField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["merchant", "order_id"])]
