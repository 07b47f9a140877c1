"""Batch shipping (批量发货): one uploaded file of order numbers, couriers and tracking numbers."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from siyu.core.models import TenantModel


class ShipmentBatchStatus(models.TextChoices):
    PREVIEWED = "previewed", _("Checked, not shipped yet")
    APPLIED = "applied", _("Shipped")


class ShipmentBatch(TenantModel):
    """A checked file and, once applied, what became of each of its rows.

    ``rows`` is a list of ``{"line", "order_number", "order_id", "carrier", "tracking_number",
    "outcome", "reason"}`` (see ``siyu/orders/services/shipping.py``): the preview's verdicts, replaced
    by the apply's when the batch is applied. A batch is applied at most once.
    """

    staff = models.ForeignKey("tenancy.Staff", null=True, on_delete=models.SET_NULL, related_name="+")
    filename = models.CharField(max_length=200, blank=True)
    sha256 = models.CharField(max_length=64)
    status = models.CharField(
        max_length=12, choices=ShipmentBatchStatus.choices, default=ShipmentBatchStatus.PREVIEWED
    )
    rows = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    applied_by = models.ForeignKey("tenancy.Staff", null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-id"]

    def count(self, outcome: str) -> int:
        return sum(1 for row in self.rows if row.get("outcome") == outcome)
