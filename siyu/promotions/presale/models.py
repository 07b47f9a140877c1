"""预售 / 定金膨胀: a deposit D paid early counts as E >= D off the balance paid later.

The deposit is bought as ``deposit_sku`` (a SKU standing for the deposit, never shipped: its stock
is how many deposits may be taken) at D; the balance order buys ``sku`` at its price minus E and
ships. Keeping the deposit on its own SKU means each presale unit takes one unit of the goods' stock,
when the balance is ordered, and the deposit order never holds goods.
"""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from siyu.core.models import TenantModel
from siyu.core.statemachine import StateMachine
from siyu.promotions.kit.models import Activity


class PresaleStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    ENDED = "ended", _("Deposits closed")  # no new deposits; balances go on in their window
    CANCELLED = "cancelled", _("Cancelled")  # the merchant called it off: deposits refunded


class Presale(Activity):
    """One presale. Its window as an activity runs from the first deposit to the last balance
    (``starts_at``/``ends_at`` read those columns); pausing or ending it stops deposits only, and
    cancelling it (from any status but cancelled) refunds them."""

    status = models.CharField(max_length=10, choices=PresaleStatus.choices, default=PresaleStatus.ACTIVE)
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    deposit_sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    deposit = models.PositiveIntegerField(help_text="D, fen per unit")
    deduction = models.PositiveIntegerField(help_text="E >= D, fen per unit off the balance")
    deposit_starts_at = models.DateTimeField()
    deposit_ends_at = models.DateTimeField()
    balance_starts_at = models.DateTimeField()
    balance_ends_at = models.DateTimeField()
    ship_date = models.DateField()
    deposit_refundable = models.BooleanField(
        default=False, help_text="the customer may take the deposit back before paying the balance"
    )
    per_customer_limit = models.PositiveIntegerField(
        null=True, blank=True, help_text="units; None = no limit"
    )
    quota = models.PositiveIntegerField(
        null=True, blank=True, help_text="units; None = the deposit SKU's stock"
    )
    units_booked = models.PositiveIntegerField(default=0, help_text="units in live bookings")

    machine = StateMachine(
        {
            PresaleStatus.ACTIVE: {PresaleStatus.PAUSED, PresaleStatus.ENDED, PresaleStatus.CANCELLED},
            PresaleStatus.PAUSED: {PresaleStatus.ACTIVE, PresaleStatus.ENDED, PresaleStatus.CANCELLED},
            PresaleStatus.ENDED: {PresaleStatus.CANCELLED},
        }
    )
    verbs = {
        "pause": PresaleStatus.PAUSED,
        "resume": PresaleStatus.ACTIVE,
        "end": PresaleStatus.ENDED,
        "cancel": PresaleStatus.CANCELLED,
    }

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(deduction__gte=F("deposit")), name="presale_deduction_covers_deposit"
            ),
            models.CheckConstraint(
                condition=Q(quota__isnull=True) | Q(units_booked__lte=F("quota")), name="presale_within_quota"
            ),
        ]
        indexes = [models.Index(fields=["merchant", "status"])]

    @property
    def starts_at(self) -> datetime:  # type: ignore[override]
        return self.deposit_starts_at

    @property
    def ends_at(self) -> datetime:  # type: ignore[override]
        return self.balance_ends_at

    def taking_deposits(self, now: datetime) -> bool:
        return self.status == PresaleStatus.ACTIVE and self.deposit_starts_at <= now < self.deposit_ends_at

    def taking_balances(self, now: datetime) -> bool:
        """Pausing or ending a presale stops deposits only: customers who paid one may still pay
        the balance in its window. Only a cancelled presale takes no balance."""
        return self.status != PresaleStatus.CANCELLED and (
            self.balance_starts_at <= now < self.balance_ends_at
        )


class BookingStatus(models.TextChoices):
    DEPOSIT_PENDING = "deposit_pending", _("Deposit not paid")
    DEPOSIT_PAID = "deposit_paid", _("Deposit paid")
    BALANCE_PENDING = "balance_pending", _("Balance ordered, not paid")
    COMPLETED = "completed", _("Balance paid")
    CANCELLED = "cancelled", _("Deposit order cancelled")
    FORFEITED = "forfeited", _("Deposit forfeited")
    REFUNDED = "refunded", _("Deposit refunded")


B = BookingStatus


class PresaleBooking(TenantModel):
    """One customer's deposit for ``quantity`` units, and the balance order that completes it."""

    owned_id_name = "booking_id"
    presale = models.ForeignKey(Presale, on_delete=models.CASCADE, related_name="bookings")
    customer = models.ForeignKey("members.Customer", on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=BookingStatus.choices, default=B.DEPOSIT_PENDING)
    deposit_order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="+")
    balance_order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    deposit_amount = models.PositiveIntegerField(help_text="D x quantity")
    deduction_amount = models.PositiveIntegerField(help_text="E x quantity")
    created_at = models.DateTimeField(auto_now_add=True)
    deposit_paid_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, help_text="cancelled, forfeited or refunded")

    machine = StateMachine(
        {
            B.DEPOSIT_PENDING: {B.DEPOSIT_PAID, B.CANCELLED},
            B.DEPOSIT_PAID: {B.BALANCE_PENDING, B.FORFEITED, B.REFUNDED},
            B.BALANCE_PENDING: {B.DEPOSIT_PAID, B.COMPLETED, B.FORFEITED, B.REFUNDED},
            B.COMPLETED: {B.REFUNDED},
        }
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["deposit_order"], name="one_booking_per_deposit_order"),
        ]
        indexes = [
            models.Index(fields=["merchant", "presale", "status"]),
            models.Index(fields=["merchant", "customer", "status"]),
        ]


LIVE = [B.DEPOSIT_PENDING, B.DEPOSIT_PAID, B.BALANCE_PENDING, B.COMPLETED]
