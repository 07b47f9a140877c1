"""Every row a merchant owns, to prove that a refused request changed nothing.

``before = tenant_rows(merchant)``, make the request, then
``assert changed(before, tenant_rows(merchant)) == []``.
"""

from __future__ import annotations

import json
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model

from siyu.tenancy.models import Merchant


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
