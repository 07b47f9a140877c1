"""WeChat Pay reconciliation (对账): one run per merchant and bill day, and what did not match.

Imported by ``siyu/wechat/models.py`` so Django registers these models in the ``wechat`` app.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from siyu.core.models import TenantModel


class RunStatus(models.TextChoices):
    MATCHED = "matched", pgettext_lazy("reconciliation", "All matched")
    MISMATCHED = "mismatched", pgettext_lazy("reconciliation", "Mismatches found")
    FAILED = "failed", pgettext_lazy("reconciliation", "Bill not available")


class ReconciliationRun(TenantModel):
    """The comparison of one day's WeChat Pay trade bill (Asia/Shanghai day) with Siyu's payments.

    Running a day again replaces its mismatches (the run row stays, so it is unique per day)."""

    account = models.ForeignKey("wechat.WeChatAccount", on_delete=models.CASCADE, related_name="+")
    bill_date = models.DateField()
    status = models.CharField(max_length=16, choices=RunStatus.choices)
    bill_rows = models.PositiveIntegerField(default=0)  # payments in the bill
    matched = models.PositiveIntegerField(default=0)
    mismatch_count = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=200, blank=True)
    ran_at = models.DateTimeField()

    class Meta:
        ordering = ["-bill_date"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "bill_date"], name="reconciliation_day_once")
        ]


class MismatchKind(models.TextChoices):
    MISSING_HERE = "missing_here", _("Paid in WeChat Pay, not recorded in Siyu")
    MISSING_THERE = "missing_there", _("Paid in Siyu, not in the WeChat Pay bill")
    AMOUNT = "amount", _("Amounts differ")


class ReconciliationMismatch(TenantModel):
    run = models.ForeignKey(ReconciliationRun, on_delete=models.CASCADE, related_name="mismatches")
    kind = models.CharField(max_length=16, choices=MismatchKind.choices)
    payment_number = models.CharField(max_length=32)  # out_trade_no
    transaction_id = models.CharField(max_length=64, blank=True)
    amount_here = models.PositiveIntegerField(null=True, blank=True)  # fen
    amount_there = models.PositiveIntegerField(null=True, blank=True)  # fen

    class Meta:
        ordering = ["pk"]
