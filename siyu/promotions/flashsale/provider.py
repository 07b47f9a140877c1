"""The flash sale's side of the checkout contract (``siyu.promotions.activities``).

An activity line names the sale: ``ActivityRef("flash_sale", <flash sale id>)``; the line's SKU picks
the item. ``quote`` refuses what cannot be bought now and prices the units at the flash price;
``reserve`` takes them in the order's transaction.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from siyu.catalog.models import Sku
from siyu.members.models import Customer
from siyu.orders.models import Order
from siyu.promotions.activities import ActivityQuote, ActivityRef
from siyu.promotions.engine import ActivityKind, ActivityPrice
from siyu.promotions.flashsale.services import quota


class FlashSaleProvider:
    kind: str = ActivityKind.FLASH_SALE.value

    def quote(
        self, *, customer: Customer, ref: ActivityRef, sku: Sku, quantity: int, now: datetime
    ) -> ActivityQuote:
        item = quota.selling_item(merchant_id=customer.merchant_id, flash_sale_id=ref.id, sku_id=sku.pk)
        quota.check_buyable(item.flash_sale, now)
        quota.check_units(item, customer, quantity)
        rule = ActivityPrice(
            id=ref.rule_id,
            title=item.flash_sale.title,
            kind=ActivityKind.FLASH_SALE,
            sku_id=sku.pk,
            price=item.price,
            quantity=quantity,
        )
        return ActivityQuote(rule=rule)

    def reserve(self, *, customer: Customer, ref: ActivityRef, order: Order, sku: Sku, quantity: int) -> None:
        item = quota.selling_item(merchant_id=customer.merchant_id, flash_sale_id=ref.id, sku_id=sku.pk)
        quota.check_buyable(item.flash_sale, timezone.now())
        quota.take_units(item=item, customer=customer, order=order, quantity=quantity)


provider = FlashSaleProvider()
