"""Base classes for tenant-owned rows."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar, Self

from django.db import models

from siyu.core.errors import NotFound

if TYPE_CHECKING:
    from siyu.tenancy.models import Merchant


class TenantQuerySet(models.QuerySet):
    def for_merchant(self, merchant: Merchant | int) -> Self:
        """Rows of one merchant: every read of tenant data starts here."""
        merchant_id = merchant if isinstance(merchant, int) else merchant.pk
        return self.filter(merchant_id=merchant_id)

    def get_owned(self, pk: int, *, lock: bool = False) -> Any:
        """The row ``pk`` of this (merchant-scoped) queryset, locked ``FOR UPDATE`` when ``lock``.

        Refused with the model's ``not_found`` error (``NotFound`` unless it names its own), whose
        detail names the id the caller sent (``{"group_buy_id": 7}``): a row of another merchant
        is as absent as one that never existed.
        """
        qs = self.select_for_update() if lock else self
        row = qs.filter(pk=pk).first()
        if row is None:
            model: Any = self.model  # a TenantModel
            raise model.not_found(detail={model.id_name(): pk})
        return row


class TenantModel(models.Model):
    """A row owned by one merchant. ``merchant_id`` is on every such row, indexed first."""

    merchant = models.ForeignKey("tenancy.Merchant", on_delete=models.CASCADE, related_name="+")

    objects: Any = TenantQuerySet.as_manager()
    # What ``get_owned`` raises when the row is not the merchant's, and the id its detail names
    # (default: the class name in snake case + ``_id``, e.g. ``flash_sale_id``).
    not_found: ClassVar[type[NotFound]] = NotFound
    owned_id_name: ClassVar[str] = ""

    class Meta:
        abstract = True

    @classmethod
    def id_name(cls) -> str:
        return cls.owned_id_name or re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower() + "_id"


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
