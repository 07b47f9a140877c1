"""Background work of the value models. Each task calls one service; the scheduler only enqueues."""

from __future__ import annotations

from django_tasks import task

from siyu.audience.services import refresh_tags_for
from siyu.audience.values import services
from siyu.tenancy.models import Merchant


@task()
def recompute_values() -> int:
    """Daily: queue a full recompute of every active merchant (recency and lifecycle move every day)."""
    merchant_ids = list(Merchant.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
    for merchant_id in merchant_ids:
        recompute_merchant_values.enqueue(merchant_id)
    return len(merchant_ids)


@task()
def recompute_merchant_values(merchant_id: int) -> int:
    """Recompute one merchant's value rows; returns the customers written."""
    return services.recompute_merchant(merchant_id).customers


@task()
def refresh_customer_values(merchant_id: int, customer_ids: list[int]) -> int:
    """Refresh a few customers' value rows after their orders or events changed, then their automatic
    tags (a tag rule may read the value columns just written)."""

    written = services.refresh_customers(merchant_id, customer_ids)
    refresh_tags_for(customer_ids)
    return written
