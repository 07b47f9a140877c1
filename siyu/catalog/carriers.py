"""Carrier products: products that exist only to carry an activity (a presale's deposit, a blind box).

A customer buys a carrier only through its activity, which prices it and does what the purchase
means (books the presale, draws the box). Bought as ordinary goods it would be a deposit that books
nothing or a box that holds nothing, so the shop neither lists carriers among its products nor lets
the cart or an ordinary checkout line take one.

The catalog does not know the activities: each app that owns one registers, in ``AppConfig.ready``,
a function answering the SKU ids its activities carry (a queryset of ``values("<sku field>")``, over
every merchant: it is only ever used as a subquery next to a merchant-scoped one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db.models import Exists, OuterRef, Q, QuerySet

from siyu.catalog.errors import SoldOnlyByActivity
from siyu.catalog.models import Sku

CarriedSkus = Callable[[], QuerySet]

_CARRIED: dict[str, CarriedSkus] = {}


def register(kind: str, carried: CarriedSkus) -> None:
    """Declare the SKUs that the activities of ``kind`` carry."""
    _CARRIED[kind] = carried


def _carried() -> Q:
    """Sku rows carried by any registered activity."""
    q = Q()
    for carried in _CARRIED.values():
        q |= Q(pk__in=carried())
    return q


def ordinary_products() -> Q:
    """For filtering Product rows: no SKU of the product is carried by an activity."""
    if not _CARRIED:
        return Q()
    return ~Q(Exists(Sku.objects.filter(_carried(), product=OuterRef("pk"))))


def is_carrier(merchant_id: int, product_id: int) -> bool:
    """Whether this product of the merchant is a carrier (has a SKU that an activity carries)."""
    if not _CARRIED:
        return False
    return Sku.objects.for_merchant(merchant_id).filter(_carried(), product_id=product_id).exists()


def refuse_ordinary_purchase(merchant_id: int, sku_ids: Iterable[int]) -> None:
    """Raise ``SoldOnlyByActivity`` if any of these SKUs, bought as ordinary goods, is a carrier's."""
    wanted = sorted(set(sku_ids))
    if not wanted or not _CARRIED:
        return
    carried = Sku.objects.for_merchant(merchant_id).filter(_carried(), pk__in=wanted).order_by("pk").first()
    if carried is not None:
        raise SoldOnlyByActivity(detail={"sku_id": carried.pk})
