"""Payments and refunds through a gateway, and the log of gateway notifications (for replays)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from siyu.core.models import TenantModel
from siyu.core.statemachine import StateMachine


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    CLOSED = "closed", _("Closed")


class Payment(TenantModel):
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="payments")
    number = models.CharField(max_length=32, unique=True, help_text="out_trade_no sent to the gateway")
    gateway = models.CharField(max_length=16)
    amount = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.PENDING)
    idempotency_key = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001 - unique among set keys
    gateway_transaction_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)

    machine = StateMachine({PaymentStatus.PENDING: {PaymentStatus.SUCCEEDED, PaymentStatus.CLOSED}})

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="payment_idempotency",
            ),
            # At most one successful payment per order: a second callback can never pay twice.
            models.UniqueConstraint(
                fields=["order"], condition=Q(status="succeeded"), name="one_success_per_order"
            ),
        ]


class RefundStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class Refund(TenantModel):
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    after_sale = models.ForeignKey(
        "orders.AfterSale", null=True, blank=True, on_delete=models.PROTECT, related_name="refunds"
    )
    number = models.CharField(max_length=32, unique=True, help_text="out_refund_no sent to the gateway")
    amount = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=RefundStatus.choices, default=RefundStatus.PENDING)
    gateway_refund_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)


class PaymentNotification(models.Model):
    """Every accepted gateway notification, keyed by the gateway's notification id: a replay is a no-op."""

    gateway = models.CharField(max_length=16)
    notification_id = models.CharField(max_length=64)
    payment_number = models.CharField(max_length=32)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["gateway", "notification_id"], name="notification_once")
        ]

    def __str__(self) -> str:
        return f"{self.gateway}:{self.notification_id}"
