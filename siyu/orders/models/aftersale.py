"""After-sales: refund only, or return and refund, of whole orders or some units of some lines."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from siyu.core.models import TenantModel
from siyu.core.statemachine import StateMachine

# Why a customer asks for money back; the code is stored as the after-sale's reason.
AFTER_SALE_REASONS = {
    "changed_mind": _("Changed my mind"),
    "quality": _("Quality problem"),
    "wrong_item": _("Wrong item sent"),
    "missing_items": _("Items missing"),
    "damaged": _("Arrived damaged"),
    "other": _("Other"),
}


class AfterSaleKind(models.TextChoices):
    REFUND_ONLY = "refund_only", _("Refund only")
    RETURN_REFUND = "return_refund", _("Return and refund")


class AfterSaleStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    GOODS_RETURNED = "goods_returned", _("Goods returned")
    REFUNDED = "refunded", _("Refunded")
    WITHDRAWN = "withdrawn", _("Withdrawn")


A = AfterSaleStatus
AFTERSALE_MACHINE = StateMachine(
    {
        A.REQUESTED: {A.APPROVED, A.REJECTED, A.WITHDRAWN},
        # refund only: approved -> refunded; return and refund: approved -> goods returned -> refunded.
        A.APPROVED: {A.GOODS_RETURNED, A.REFUNDED, A.WITHDRAWN},
        A.GOODS_RETURNED: {A.REFUNDED},
    }
)


class AfterSale(TenantModel):
    number = models.CharField(max_length=24)
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="after_sales")
    customer = models.ForeignKey("members.Customer", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=AfterSaleKind.choices)
    status = models.CharField(
        max_length=16, choices=AfterSaleStatus.choices, default=AfterSaleStatus.REQUESTED
    )
    reason = models.CharField(max_length=64)
    description = models.CharField(max_length=500, blank=True)
    amount = models.PositiveIntegerField(help_text="refund in fen")
    return_carrier = models.CharField(max_length=32, blank=True)
    return_tracking_number = models.CharField(max_length=64, blank=True)
    reviewed_by = models.ForeignKey(
        "tenancy.Staff", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)

    machine = AFTERSALE_MACHINE

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "number"], name="aftersale_number_per_merchant")
        ]


class AfterSaleLine(TenantModel):
    after_sale = models.ForeignKey(AfterSale, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    amount = models.PositiveIntegerField()
