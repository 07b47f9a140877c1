"""Reads of the value models: one customer's row, and the merchant's distributions."""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from siyu.audience.values.models import CustomerValue, LifecycleStage, RfmClass, ValueModelState, ValueTier
from siyu.core.errors import NotFound, PermissionDenied
from siyu.members.models import Customer
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm, role_has

RUNGS = (0, 1, 2, 3)


def value_for(customer: Customer) -> CustomerValue | None:
    """The customer's value row as last computed (None until a recompute or refresh wrote it)."""
    return CustomerValue.objects.for_merchant(customer.merchant_id).filter(customer_id=customer.pk).first()


def customer_value(*, merchant_id: int, customer_id: int) -> CustomerValue:
    """One of the merchant's customers' value row; another merchant's id is not found. A customer
    not computed yet gets the defaults (an unsaved row whose ``computed_at`` is None)."""
    row = CustomerValue.objects.for_merchant(merchant_id).filter(customer_id=customer_id).first()
    if row is not None:
        return row
    if not Customer.objects.for_merchant(merchant_id).filter(pk=customer_id).exists():
        raise NotFound(detail={"customer_id": customer_id})
    return CustomerValue(merchant_id=merchant_id, customer_id=customer_id)  # computed_at stays None


def require_value_reader(staff: Staff) -> None:
    """Value figures are customer data and analytics both: either permission reads them."""
    if not staff.is_active or not (
        role_has(staff.role, Perm.CUSTOMERS_VIEW) or role_has(staff.role, Perm.ANALYTICS_VIEW)
    ):
        raise PermissionDenied(detail={"permission": Perm.CUSTOMERS_VIEW.value})


def _counts(merchant_id: int, column: str) -> dict[Any, int]:
    rows = (
        CustomerValue.objects.for_merchant(merchant_id)
        .order_by()
        .values(column)
        .annotate(n=Count("pk"))
        .values_list(column, "n")
    )
    return dict(rows)


def distribution(merchant_id: int) -> dict[str, Any]:
    """Customers per RFM class, lifecycle stage, value tier and ladder rung (one GROUP BY each),
    with every choice listed (zero when empty), and how the last recompute went."""
    by_class = _counts(merchant_id, "rfm_class")
    by_stage = _counts(merchant_id, "lifecycle_stage")
    by_tier = _counts(merchant_id, "value_tier")
    by_rung = _counts(merchant_id, "loyalty_rung")
    semi = CustomerValue.objects.for_merchant(merchant_id).filter(is_semi_private=True).count()
    state = ValueModelState.objects.for_merchant(merchant_id).first()

    def listed(choices: Any, counts: dict[Any, int]) -> list[dict[str, Any]]:
        return [{"key": key, "label": str(label), "customers": counts.get(key, 0)} for key, label in choices]

    return {
        "customers": sum(by_stage.values()),
        "buyers": sum(n for rung, n in by_rung.items() if rung > 0),
        "semi_private": semi,
        "rfm_classes": listed(RfmClass.choices, by_class),
        "lifecycle_stages": listed(LifecycleStage.choices, by_stage),
        "value_tiers": listed(ValueTier.choices, by_tier),
        "loyalty_rungs": [{"rung": rung, "customers": by_rung.get(rung, 0)} for rung in RUNGS],
        "computed_at": state.computed_at if state else None,
        "cycle_days": state.cycle_days if state else None,
        "cycle_source": state.cycle_source if state else None,
    }
