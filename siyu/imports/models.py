"""What came in from a brand's own files: each import run, and the external ids it brought along.

The external ids make imports idempotent: a customer or an order is known by (source, external id) per
merchant, so importing the same file again finds every row already there and writes nothing twice.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from siyu.core.models import TenantModel


class ImportKind(models.TextChoices):
    TRANSACTIONS = "transactions", _("Transactions")
    CUSTOMERS = "customers", _("Customers")
    PRODUCTS = "products", _("Products")


class ImportBatch(TenantModel):
    """One committed import of one file: who ran it, the file's digest, the counts and the row report."""

    kind = models.CharField(max_length=16, choices=ImportKind.choices)
    source = models.CharField(max_length=32, help_text="The system the file's ids come from")
    filename = models.CharField(max_length=200, blank=True)
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True, help_text="Options, created counts, row errors")
    staff = models.ForeignKey(
        "tenancy.Staff", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["merchant", "sha256"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.filename or self.sha256[:12]}"


class ExternalCustomerRef(TenantModel):
    """A customer's id in the brand's own system (its CRM, its old shop, a CDNOW export)."""

    customer = models.ForeignKey("members.Customer", on_delete=models.CASCADE, related_name="external_refs")
    source = models.CharField(max_length=32)
    external_id = models.CharField(max_length=128)
    batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "source", "external_id"], name="external_customer_ref_unique"
            )
        ]


class ExternalOrderRef(TenantModel):
    """The id an imported order had in the brand's own system, or one derived from its row."""

    order = models.OneToOneField("orders.Order", on_delete=models.CASCADE, related_name="import_ref")
    source = models.CharField(max_length=32)
    external_id = models.CharField(max_length=128)
    channel = models.CharField(max_length=32, blank=True, help_text="The file's own source column, if any")
    batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "source", "external_id"], name="external_order_ref_unique"
            )
        ]


class ImportJobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class ImportJob(TenantModel):
    """A large upload imported by a background task, with the progress the API and console poll.

    The upload is kept in ``SIYU_IMPORT_DIR`` under ``stored_name`` until the task is done with it.
    ``rows_done`` counts the rows read and checked so far; ``rows_total`` is an estimate (the file's
    line count) until the reading is done, then the exact number of data rows. The writing itself
    runs in one transaction, so ``phase`` says ``writing`` for its duration. ``report`` is the same
    row report the inline import returns (errors with their line numbers); a refused import keeps
    its error code, message and detail in ``error``.
    """

    kind = models.CharField(max_length=16, choices=ImportKind.choices)
    status = models.CharField(max_length=16, choices=ImportJobStatus.choices, default=ImportJobStatus.QUEUED)
    phase = models.CharField(max_length=16, blank=True, help_text="reading or writing, while running")
    filename = models.CharField(max_length=200, blank=True)
    stored_name = models.CharField(max_length=64, help_text="The upload's file name in SIYU_IMPORT_DIR")
    size = models.PositiveBigIntegerField(default=0)
    options = models.JSONField(default=dict, blank=True)
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    report = models.JSONField(default=dict, blank=True)
    error = models.JSONField(default=dict, blank=True, help_text="code, message and detail of a refusal")
    batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    staff = models.ForeignKey(
        "tenancy.Staff", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.kind} job {self.pk} ({self.status})"
