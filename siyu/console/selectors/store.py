"""Stock levels, staff and the audit log as the console lists them, scoped by merchant."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Q, QuerySet

from siyu.inventory.models import StockLevel
from siyu.tenancy.models import AuditEntry, Staff
from siyu.tenancy.services import outlet_scope

WAREHOUSE = "warehouse"


@dataclass(frozen=True)
class StockFilters:
    q: str = ""
    place: str = ""  # "" everywhere, "warehouse", or an outlet id
    low: bool = False


def stock_levels(staff: Staff, filters: StockFilters) -> QuerySet[StockLevel]:
    """Stock levels, worst first when only low ones are asked for; outlet staff see their outlets."""
    qs = (
        StockLevel.objects.for_merchant(staff.merchant_id)
        .select_related("sku__product", "outlet")
        .annotate(available_units=F("on_hand") - F("reserved"))
    )
    scope = outlet_scope(staff)
    if scope is not None:
        qs = qs.filter(outlet_id__in=scope)
    if filters.place == WAREHOUSE:
        qs = qs.filter(outlet__isnull=True)
    elif filters.place.isdigit():
        qs = qs.filter(outlet_id=int(filters.place))
    q = filters.q.strip()
    if q:
        qs = qs.filter(Q(sku__code=q) | Q(sku__barcode=q) | Q(sku__product__name__icontains=q))
    if filters.low:
        return qs.filter(available_units__lte=F("low_stock_threshold")).order_by("available_units", "id")
    return qs.order_by("sku__product_id", "sku_id", "outlet_id", "id")


def staff_members(staff: Staff) -> QuerySet[Staff]:
    return (
        Staff.objects.for_merchant(staff.merchant_id)
        .select_related("user")
        .prefetch_related("outlets")
        .order_by("id")
    )


@dataclass(frozen=True)
class AuditFilters:
    action: str = ""
    staff_id: int | None = None
    object_type: str = ""


def audit_entries(staff: Staff, filters: AuditFilters) -> QuerySet[AuditEntry]:
    qs = AuditEntry.objects.for_merchant(staff.merchant_id).select_related("staff")
    if filters.action:
        qs = qs.filter(action=filters.action)
    if filters.staff_id:
        qs = qs.filter(staff_id=filters.staff_id)
    if filters.object_type:
        qs = qs.filter(object_type=filters.object_type)
    return qs.order_by("-id")
