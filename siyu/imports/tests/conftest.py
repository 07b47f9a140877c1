"""Helpers for import tests: run an import from text, and count what a merchant has."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import translation

from siyu.catalog.models import Product, Sku
from siyu.imports.models import ExternalCustomerRef, ExternalOrderRef, ImportBatch
from siyu.imports.services import IMPORTERS, ImportOptions, ImportReport
from siyu.members.models import Customer, CustomerIdentity
from siyu.orders.models import Order, OrderLine
from siyu.tenancy.models import AuditEntry, Merchant

COUNTED = {
    "customers": Customer,
    "identities": CustomerIdentity,
    "customer_refs": ExternalCustomerRef,
    "orders": Order,
    "lines": OrderLine,
    "order_refs": ExternalOrderRef,
    "products": Product,
    "skus": Sku,
    "batches": ImportBatch,
    "audit": AuditEntry,
}


@pytest.fixture(autouse=True)
def english():
    """Reasons are compared in English; the default language is Chinese."""
    with translation.override("en"):
        yield


def counts(merchant: Merchant) -> dict[str, int]:
    """How many rows of each kind an import can write the merchant has."""
    return {name: model.objects.filter(merchant=merchant).count() for name, model in COUNTED.items()}


@pytest.fixture
def run_import(merchant) -> Callable[..., ImportReport]:
    def run(kind: str, content: str | bytes, *, filename: str = "file.csv", m=None, staff=None, **opts: Any):
        data = content.encode() if isinstance(content, str) else content
        return IMPORTERS[kind](
            merchant=m or merchant,
            data=data,
            filename=filename,
            options=ImportOptions(**opts),
            acting_staff=staff,
        )

    return run
