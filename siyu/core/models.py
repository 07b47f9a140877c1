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


class WorkerLease(models.Model):
    """A running task worker (``siyu worker``), renewed by its heartbeat while it lives.

    The tasks it claimed are found by its id in django-tasks-db's ``worker_ids``; when the lease
    lapses or its process is gone, ``siyu.core.task_leases`` puts them back in the queue.
    """

    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255)  # hostname and boot id: where ``pid`` means this process
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    heartbeat_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.host} pid {self.pid})"
