"""The bargain activity provider checkout calls for a line bought through a bargain record."""

from __future__ import annotations

from datetime import datetime

from siyu.catalog.models import Sku
from siyu.members.models import Customer
from siyu.orders.models import Order
from siyu.promotions.activities import ActivityQuote, ActivityRef
from siyu.promotions.bargain.services import records


class BargainProvider:
    """``ActivityRef("bargain", <record id>)``: one unit at the floor price the helpers reached."""

    kind = records.KIND

    def quote(
        self, *, customer: Customer, ref: ActivityRef, sku: Sku, quantity: int, now: datetime
    ) -> ActivityQuote:
        return records.quote_record(customer=customer, ref=ref, sku=sku, quantity=quantity, now=now)

    def reserve(self, *, customer: Customer, ref: ActivityRef, order: Order, sku: Sku, quantity: int) -> None:
        records.reserve_record(customer=customer, ref=ref, order=order, sku=sku, quantity=quantity)
