from __future__ import annotations

from django.db.models import F, QuerySet

from siyu.inventory.models import StockLevel
from siyu.tenancy.models import Merchant


def low_stock(*, merchant: Merchant, outlet_ids: list[int] | None = None) -> QuerySet[StockLevel]:
    """Stock levels whose available units are at or below their alert threshold, worst first."""
    qs = (
        StockLevel.objects.for_merchant(merchant)
        .select_related("sku__product", "outlet")
        .annotate(available_units=F("on_hand") - F("reserved"))
        .filter(available_units__lte=F("low_stock_threshold"), sku__is_active=True)
    )
    if outlet_ids is not None:
        qs = qs.filter(outlet_id__in=outlet_ids)
    return qs.order_by("available_units", "id")
