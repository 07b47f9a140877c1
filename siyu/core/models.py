"""Base classes for tenant-owned rows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from django.db import models

if TYPE_CHECKING:
    from siyu.tenancy.models import Merchant


class TenantQuerySet(models.QuerySet):
    def for_merchant(self, merchant: Merchant | int) -> Self:
        """Rows of one merchant: every read of tenant data starts here."""
        merchant_id = merchant if isinstance(merchant, int) else merchant.pk
        return self.filter(merchant_id=merchant_id)


class TenantModel(models.Model):
    """A row owned by one merchant. ``merchant_id`` is on every such row, indexed first."""

    merchant = models.ForeignKey("tenancy.Merchant", on_delete=models.CASCADE, related_name="+")

    objects: Any = TenantQuerySet.as_manager()

    class Meta:
        abstract = True
