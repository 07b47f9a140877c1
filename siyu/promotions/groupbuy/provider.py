"""The group-buy activity provider checkout calls for lines bought through a team."""

from __future__ import annotations

from datetime import datetime

from siyu.catalog.models import Sku
from siyu.members.models import Customer
from siyu.orders.models import Order
from siyu.promotions.activities import ActivityQuote, ActivityRef
from siyu.promotions.groupbuy.services import teams


class GroupBuyProvider:
    """``ActivityRef("group_buy", <team id>)``: a seat in a team, at the group (or leader) price."""

    kind = teams.KIND

    def quote(
        self, *, customer: Customer, ref: ActivityRef, sku: Sku, quantity: int, now: datetime
    ) -> ActivityQuote:
        return teams.quote_seat(customer=customer, ref=ref, sku=sku, quantity=quantity, now=now)

    def reserve(self, *, customer: Customer, ref: ActivityRef, order: Order, sku: Sku, quantity: int) -> None:
        teams.reserve_seat(customer=customer, ref=ref, order=order, sku=sku, quantity=quantity)
