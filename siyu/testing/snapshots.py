"""What the tables hold, to prove that a request changed what it should and nothing else.

``before = tenant_rows(merchant)``, make the request, then
``assert changed(before, tenant_rows(merchant)) == []``; ``refused`` does this for a console form.
"""

from __future__ import annotations

import json
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import Sum
from django.test import Client

from siyu.catalog.models import Product, Sku
from siyu.imports.models import ExternalCustomerRef, ExternalOrderRef, ImportBatch
from siyu.members.loyalty.models import Membership, PointsEntry
from siyu.members.models import Customer, CustomerIdentity
from siyu.orders.models import Order, OrderLine
from siyu.tenancy.models import AuditEntry, Merchant


def tenant_rows(merchant: Merchant) -> dict[str, Any]:
    """Every row ``merchant`` owns, in every table, plus its staff's user accounts."""
    rows: dict[str, Any] = {"merchant": list(Merchant.objects.filter(pk=merchant.pk).values())}
    for model in apps.get_models():
        if any(f.name == "merchant" for f in model._meta.get_fields()):
            owned = model._base_manager.filter(merchant=merchant).order_by("pk")
            rows[model._meta.label] = list(owned.values())
    users = get_user_model().objects.filter(staff_roles__merchant=merchant).order_by("pk")
    rows["users"] = list(users.values())
    return json.loads(json.dumps(rows, default=str))


def changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The tables whose rows differ between two ``tenant_rows`` snapshots."""
    return [table for table in sorted(set(before) | set(after)) if before.get(table) != after.get(table)]


def refused(client: Client, url: str, data: dict, merchant: Merchant, status: int, code: str | None = None):
    """POST a console form and assert the refusal: its status, its code on the page, and no change to
    any of ``merchant``'s rows."""
    before = tenant_rows(merchant)
    response = client.post(url, data)
    assert response.status_code == status, (response.status_code, response.content[:800])
    if code:
        assert f'data-code="{code}"' in response.content.decode()
    assert changed(before, tenant_rows(merchant)) == []
    return response


IMPORTED = {
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


def import_counts(merchant: Merchant) -> dict[str, int]:
    """How many rows of each kind an import can write the merchant has."""
    return {name: model.objects.filter(merchant=merchant).count() for name, model in IMPORTED.items()}


def balance(customer: Customer) -> int:
    """The customer's points balance (0 before they are a member)."""
    row = Membership.objects.filter(customer=customer).first()
    return row.points_balance if row else 0


def ledger_sum(customer: Customer) -> int:
    """The sum of the customer's points ledger, which the balance must equal."""
    return PointsEntry.objects.filter(customer=customer).aggregate(s=Sum("delta"))["s"] or 0


def entries(customer: Customer) -> list[tuple[str, int, int, int]]:
    """The customer's points ledger: (kind, delta, balance_after, shortfall) oldest first."""
    return list(
        PointsEntry.objects.filter(customer=customer)
        .order_by("id")
        .values_list("kind", "delta", "balance_after", "shortfall")
    )
