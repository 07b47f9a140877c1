"""One SKU, one price-setting activity at a time: group buys and bargains on the same SKU may not overlap.

Both apps call :func:`check_sku_free` while creating or editing an activity. It first locks the SKU
rows (in primary-key order, so two staff members saving activities on the same SKUs queue up instead
of deadlocking), then looks for a live (active or paused) group buy or bargain on them whose window
overlaps ``[starts_at, ends_at)``. Because the lock is held until the caller commits, two concurrent
creations cannot both pass the check.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from siyu.catalog.models import Sku
from siyu.promotions.activities import conflicts_elsewhere
from siyu.promotions.engine.types import ActivityKind
from siyu.promotions.groupbuy.errors import ActivityConflict

LIVE = ("active", "paused")


def check_sku_free(
    *,
    merchant_id: int,
    sku_ids: Iterable[int],
    starts_at: datetime,
    ends_at: datetime,
    exclude: tuple[str, int] | None = None,
) -> None:
    """Refuse with :class:`ActivityConflict` when one of ``sku_ids`` is in another overlapping activity.

    ``exclude`` is ``(kind, id)`` of the activity being edited, so it does not conflict with itself.
    """
    from siyu.promotions.bargain.models import Bargain
    from siyu.promotions.groupbuy.models import GroupBuySku

    ids = sorted(set(sku_ids))
    list(Sku.objects.for_merchant(merchant_id).select_for_update().filter(pk__in=ids).order_by("pk"))
    group_rows = GroupBuySku.objects.filter(
        merchant_id=merchant_id,
        sku_id__in=ids,
        group_buy__status__in=LIVE,
        group_buy__starts_at__lt=ends_at,
        group_buy__ends_at__gt=starts_at,
    )
    bargains = Bargain.objects.filter(
        merchant_id=merchant_id,
        sku_id__in=ids,
        status__in=LIVE,
        starts_at__lt=ends_at,
        ends_at__gt=starts_at,
    )
    if exclude is not None:
        kind, pk = exclude
        if kind == ActivityKind.GROUP_BUY:
            group_rows = group_rows.exclude(group_buy_id=pk)
        else:
            bargains = bargains.exclude(pk=pk)
    found = [
        {"kind": ActivityKind.GROUP_BUY.value, "id": gb_id, "sku_id": sku_id}
        for gb_id, sku_id in group_rows.order_by("group_buy_id", "sku_id").values_list(
            "group_buy_id", "sku_id"
        )
    ] + [
        {"kind": ActivityKind.BARGAIN.value, "id": b_id, "sku_id": sku_id}
        for b_id, sku_id in bargains.order_by("pk").values_list("pk", "sku_id")
    ]
    found += conflicts_elsewhere(
        family="groupbuy", merchant_id=merchant_id, sku_ids=ids, starts_at=starts_at, ends_at=ends_at
    )
    if found:
        raise ActivityConflict(detail={"conflicts": found})


def live_on_skus(
    *, merchant_id: int, sku_ids: list[int], starts_at: datetime, ends_at: datetime
) -> list[dict]:
    """Live group buys and bargains on these SKUs overlapping the window (for the other playbooks)."""
    from siyu.promotions.bargain.models import Bargain
    from siyu.promotions.groupbuy.models import GroupBuySku

    window = {"merchant_id": merchant_id, "sku_id__in": sku_ids}
    groups = GroupBuySku.objects.filter(
        **window,
        group_buy__status__in=LIVE,
        group_buy__starts_at__lt=ends_at,
        group_buy__ends_at__gt=starts_at,
    ).values_list("group_buy_id", "sku_id")
    bargains = Bargain.objects.filter(
        **window, status__in=LIVE, starts_at__lt=ends_at, ends_at__gt=starts_at
    ).values_list("pk", "sku_id")
    return [{"kind": ActivityKind.GROUP_BUY.value, "id": i, "sku_id": s} for i, s in groups] + [
        {"kind": ActivityKind.BARGAIN.value, "id": i, "sku_id": s} for i, s in bargains
    ]
