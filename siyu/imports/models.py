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
