"""Reads of flash sales: the shop's list and detail (with countdown data), the staff list and stats.

Each returns plain dicts built from a fixed number of queries, whatever the number of sales/items.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from siyu.core.models import TenantQuerySet
from siyu.members.models import Customer
from siyu.orders.models import OrderLine
from siyu.promotions.engine import ActivityKind
from siyu.promotions.flashsale.models import (
    PUBLISHED,
    SELLING,
    EntryStatus,
    FlashSale,
    FlashSaleEntry,
    FlashSaleItem,
    FlashSalePurchase,
    FlashSaleStatus,
)
from siyu.promotions.kit.stats import ActivityStats, Figure

KIND = ActivityKind.FLASH_SALE.value


def phase(sale: FlashSale, now: datetime) -> str:
    """What a shopper sees: upcoming, running, paused or ended (drafts are never shown)."""
    if sale.status == FlashSaleStatus.ENDED or now >= sale.ends_at:
        return "ended"
    if sale.status == FlashSaleStatus.PAUSED:
        return "paused"
    if sale.status == FlashSaleStatus.DRAFT:
        return "draft"
    return "running" if now >= sale.starts_at else "upcoming"


def _with_items(qs: TenantQuerySet) -> TenantQuerySet:
    items = FlashSaleItem.objects.select_related("sku__product").order_by("sort_order", "id")
    return qs.prefetch_related(Prefetch("items", queryset=items))


def shop_sales(*, merchant_id: int, now: datetime) -> QuerySet:
    """Published sales that have not ended, soonest first."""
    return _with_items(
        FlashSale.objects.for_merchant(merchant_id)
        .filter(status__in=PUBLISHED, ends_at__gt=now)
        .order_by("starts_at", "id")
    )


def shop_sale(*, merchant_id: int, flash_sale_id: int) -> FlashSale | None:
    return (
        _with_items(FlashSale.objects.for_merchant(merchant_id).exclude(status=FlashSaleStatus.DRAFT))
        .filter(pk=flash_sale_id)
        .first()
    )


def _item_dict(item: FlashSaleItem, held: dict[int, int] | None) -> dict[str, Any]:
    sku = item.sku
    product = sku.product
    row = {
        "sku_id": sku.pk,
        "product_id": product.pk,
        "product_name": product.name,
        "specs": sku.specs,
        "image": (product.images or [""])[0],
        "price": sku.price,
        "flash_price": item.price,
        "quota": item.quota,
        "remaining": item.remaining,
        "sold_out": item.remaining == 0,
    }
    if held is not None:
        row["my_units"] = held.get(item.pk, 0)
    return row


def shop_sale_dict(
    sale: FlashSale, *, now: datetime, customer: Customer | None = None, held: dict[int, int] | None = None
) -> dict[str, Any]:
    """The sale for a shopper with its countdown: the server's ``now``, seconds to start and end."""
    return {
        "id": sale.pk,
        "title": sale.title,
        "phase": phase(sale, now),
        "starts_at": sale.starts_at,
        "ends_at": sale.ends_at,
        "now": now,
        "starts_in_seconds": max(0, int((sale.starts_at - now).total_seconds())),
        "ends_in_seconds": max(0, int((sale.ends_at - now).total_seconds())),
        "per_customer_limit": sale.per_customer_limit,
        "items": [_item_dict(i, held if customer is not None else None) for i in sale.items.all()],
    }


def units_held(*, customer: Customer, flash_sale_id: int) -> dict[int, int]:
    """Item id -> units the customer holds or bought in one sale."""
    return dict(
        FlashSalePurchase.objects.filter(
            merchant_id=customer.merchant_id, customer=customer, item__flash_sale_id=flash_sale_id
        ).values_list("item_id", "quantity")
    )


def staff_sales(*, merchant_id: int, status: str | None = None) -> TenantQuerySet:
    qs = FlashSale.objects.for_merchant(merchant_id).order_by("-starts_at", "-id")
    if status:
        qs = qs.filter(status=status)
    return _with_items(qs)


def staff_sale_dict(sale: FlashSale, *, now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    return {
        "id": sale.pk,
        "title": sale.title,
        "status": sale.status,
        "phase": phase(sale, now),
        "selling": sale.status in SELLING and sale.starts_at <= now < sale.ends_at,
        "starts_at": sale.starts_at,
        "ends_at": sale.ends_at,
        "per_customer_limit": sale.per_customer_limit,
        "payment_minutes": sale.payment_minutes,
        "created_at": sale.created_at,
        "published_at": sale.published_at,
        "ended_at": sale.ended_at,
        "items": [
            {
                "id": i.pk,
                "sku_id": i.sku_id,
                "product_name": i.sku.product.name,
                "sku_code": i.sku.code,
                "price": i.sku.price,
                "flash_price": i.price,
                "quota": i.quota,
                "reserved": i.reserved,
                "sold": i.sold,
                "remaining": i.remaining,
            }
            for i in sale.items.all()
        ],
    }


# The totals of a sale (and of each item), in the order pages show them: key -> (label, in fen).
FIGURES: dict[str, tuple[str | Promise, bool]] = {
    "participants": (_("Participants"), False),
    "orders_paid": (_("Paid orders"), False),
    "orders_pending": (_("Orders awaiting payment"), False),
    "orders_cancelled": (_("Cancelled orders"), False),
    "orders_refunded": (_("Refunded orders"), False),
    "units_sold": (_("Units sold"), False),
    "units_reserved": (_("Units held by unpaid orders"), False),
    "gmv": (_("GMV"), True),
    "discount_cost": (_("Discount cost"), True),
    "refunded_amount": (_("Refunded"), True),
}


def _zero() -> dict[str, int]:
    return dict.fromkeys(FIGURES, 0)


def flash_sale_stats(sale: FlashSale) -> ActivityStats:
    """Participants, orders, units, GMV and discount cost, per item and in total.

    Paid means paid at some point (a later refund included): ``gmv`` is what those activity lines
    were paid, ``refunded_amount`` what went back, ``discount_cost`` what the flash price gave away
    on them (list price minus paid, per line). ``participants`` are distinct paying customers.
    """
    items = list(sale.items.select_related("sku__product").order_by("sort_order", "id"))
    paid = (EntryStatus.PAID, EntryStatus.REFUNDED)
    entries = FlashSaleEntry.objects.filter(merchant_id=sale.merchant_id, item__flash_sale=sale)
    counters = {
        "participants": Count("customer_id", distinct=True, filter=Q(status__in=paid)),
        "orders_paid": Count("order_id", distinct=True, filter=Q(status__in=paid)),
        "orders_pending": Count("order_id", distinct=True, filter=Q(status=EntryStatus.RESERVED)),
        "orders_cancelled": Count("order_id", distinct=True, filter=Q(status=EntryStatus.RELEASED)),
        "orders_refunded": Count("order_id", distinct=True, filter=Q(status=EntryStatus.REFUNDED)),
    }
    per_item: dict[int, dict[str, Any]] = {
        row["item_id"]: dict(row) for row in entries.values("item_id").annotate(**counters)
    }
    money: dict[int, dict[str, Any]] = {
        row["sku_id"]: dict(row)
        for row in OrderLine.objects.filter(
            merchant_id=sale.merchant_id,
            activity_kind=KIND,
            activity_id=sale.pk,
            order_id__in=entries.filter(status__in=paid).values("order_id"),
        )
        .values("sku_id")
        .annotate(
            gmv=Sum("paid_amount"),
            discount_cost=Sum("discount_amount"),
            refunded_amount=Sum("refunded_amount"),
        )
    }
    total = _zero()
    rows = []
    for item in items:
        row = _zero()
        counts: dict[str, Any] = per_item.get(item.pk, {})
        sums: dict[str, Any] = money.get(item.sku_id, {})
        for key in ("participants", "orders_paid", "orders_pending", "orders_cancelled", "orders_refunded"):
            row[key] = counts.get(key, 0)
        for key in ("gmv", "discount_cost", "refunded_amount"):
            row[key] = sums.get(key) or 0
        row["units_sold"] = item.sold
        row["units_reserved"] = item.reserved
        for key in ("units_sold", "units_reserved", "gmv", "discount_cost", "refunded_amount"):
            total[key] += row[key]
        rows.append(
            {"sku_id": item.sku_id, "product_name": item.sku.product.name, "quota": item.quota, **row}
        )
    total.update(entries.aggregate(**counters))
    figures = (
        Figure("quota", _("Quota"), sum(i.quota for i in items)),
        *(Figure(key, label, total[key], money=money) for key, (label, money) in FIGURES.items()),
    )
    return ActivityStats("flash_sale_id", sale.pk, figures, extra={"status": sale.status, "items": rows})
