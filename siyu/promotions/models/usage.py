"""What each order took from each promotion and coupon: the stats and per-customer limits read it."""

from __future__ import annotations

from django.db import models

from siyu.core.models import TenantModel


class Redemption(TenantModel):
    """One rule's discount on one order line (``sku_id``), ``units`` of that line.

    ``rule_id`` is the engine's id ("promotion:12", "coupon:9", "flash_sale:3"); ``promotion``
    and ``coupon`` link the rows Siyu owns. ``active`` turns False when the order is cancelled,
    so limits and stats count only orders that still stand.
    """

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="redemptions")
    customer = models.ForeignKey("members.Customer", on_delete=models.CASCADE, related_name="+")
    rule_id = models.CharField(max_length=40)
    stage = models.CharField(max_length=12)
    promotion = models.ForeignKey(
        "promotions.Promotion", null=True, blank=True, on_delete=models.SET_NULL, related_name="redemptions"
    )
    coupon = models.ForeignKey(
        "promotions.Coupon", null=True, blank=True, on_delete=models.SET_NULL, related_name="redemptions"
    )
    sku_id = models.BigIntegerField(null=True, blank=True)
    units = models.PositiveIntegerField(default=0)
    amount = models.PositiveIntegerField(help_text="fen of discount")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["merchant", "rule_id", "active"]),
            models.Index(fields=["merchant", "customer", "rule_id"]),
        ]
