"""What happens to each demo order, decided before any service runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from siyu.members.models import Customer
from siyu.orders.models import (
    AfterSaleKind,
    Order,
)
from siyu.tenancy.models import Outlet


@dataclass
class Buyer:
    customer: Customer
    code: str
    registered_age: float  # days before the reference time
    weight: float
    city: str
    address_ids: list[int]


@dataclass
class AfterSalePlan:
    kind: str
    reason: str
    partial: bool
    requested: datetime
    approved: datetime | None = None
    rejected: datetime | None = None
    return_shipped: datetime | None = None
    returned: datetime | None = None
    note: str = ""

    @property
    def refund_at(self) -> datetime | None:
        """When the money goes back: on approval for refund-only, on receiving goods for returns."""
        return self.approved if self.kind == AfterSaleKind.REFUND_ONLY else self.returned


@dataclass
class OrderPlan:
    buyer: Buyer
    created: datetime
    lines: list[tuple[int, int]]
    outlet: Outlet | None
    address_id: int | None
    source: str
    note: str = ""
    coupon_ids: tuple[int, ...] | None = ()  # () = none; None = the best the customer holds
    points: int = 0  # the most points to spend
    add_ons: dict[int, int] = field(default_factory=dict)  # add-on promotion id -> units (加价购)
    payment_started: datetime | None = None
    paid: datetime | None = None
    cancelled: datetime | None = None
    cancel_reason: str = ""
    shipped: datetime | None = None
    delivered: datetime | None = None
    delivered_by: str = ""  # customer, auto or pickup
    after_sale: AfterSalePlan | None = None
    # Filled in while the services run.
    order: Order | None = None
    payment_number: str = ""
    after_sale_id: int | None = None
