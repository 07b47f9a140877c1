"""Which customers and orders a staff member may see: the one rule every list and fetch applies.

- a **guide** (导购) sees the customers bound to them (``Customer.guide``) and those customers' orders;
- an **outlet manager** sees the customers bound to the guides of their outlets (``Staff.outlets``),
  and the orders of those customers plus the orders picked up at their outlets;
- any other staff member limited to outlets sees every customer and the pickups at their outlets;
- everyone else sees every customer and order of the merchant.

Out of scope is absent: fetching another guide's customer by id is a 404 (``visible_customer``),
never a 403, so an id says nothing about whether it exists. docs/guides.md has the whole design.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from siyu.core.errors import NotFound
from siyu.members.models import Customer
from siyu.orders.models import Order
from siyu.tenancy.models import Role, Staff
from siyu.tenancy.services import outlet_scope


def _guides_of_outlets(staff: Staff, outlet_ids: list[int]) -> QuerySet[Staff, Any]:
    """The guides working at any of ``outlet_ids`` (a subquery: no duplicate rows from the join)."""
    return (
        Staff.objects.for_merchant(staff.merchant_id)
        .filter(role=Role.GUIDE, outlets__in=outlet_ids)
        .values("pk")
    )


def customer_filter(staff: Staff, *, prefix: str = "") -> Q | None:
    """The condition on customers (``prefix`` = the path to them, e.g. ``"customer__"``), or None
    when the staff member sees every customer of the merchant."""
    if staff.role == Role.GUIDE:
        return Q(**{f"{prefix}guide_id": staff.pk})
    if staff.role == Role.OUTLET_MANAGER:
        scope = outlet_scope(staff)
        if scope is not None:
            return Q(**{f"{prefix}guide_id__in": _guides_of_outlets(staff, scope)})
    return None


def is_scoped(staff: Staff) -> bool:
    """Whether the staff member sees only some customers (a guide, an outlet manager of some outlets)."""
    return customer_filter(staff) is not None


def customers_visible_to(staff: Staff, qs: QuerySet[Customer] | None = None) -> QuerySet[Customer]:
    """``qs`` (default: all customers) narrowed to the staff member's merchant and scope."""
    qs = (qs if qs is not None else Customer.objects.all()).filter(merchant_id=staff.merchant_id)
    condition = customer_filter(staff)
    return qs if condition is None else qs.filter(condition)


def visible_customer(staff: Staff, customer_id: int, qs: QuerySet[Customer] | None = None) -> Customer:
    """The customer if the staff member may see them; otherwise ``NotFound`` (404), as if absent."""
    customer = customers_visible_to(staff, qs).filter(pk=customer_id).first()
    if customer is None:
        raise NotFound(detail={"customer_id": customer_id})
    return customer


def visible_customer_ids(staff: Staff, customer_ids: list[int]) -> list[int]:
    """``customer_ids`` if the staff member may see every one; otherwise ``NotFound`` naming the rest."""
    ids = sorted(set(customer_ids))
    if not is_scoped(staff) or not ids:
        return ids
    found = set(customers_visible_to(staff).filter(pk__in=ids).values_list("pk", flat=True))
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise NotFound(detail={"customer_ids": missing})
    return ids


def orders_visible_to(staff: Staff, qs: QuerySet[Order] | None = None) -> QuerySet[Order]:
    """``qs`` (default: all orders) narrowed to the staff member's merchant and scope."""
    qs = (qs if qs is not None else Order.objects.all()).filter(merchant_id=staff.merchant_id)
    if staff.role == Role.GUIDE:
        return qs.filter(customer__guide_id=staff.pk)
    scope = outlet_scope(staff)
    if scope is None:
        return qs
    pickups = Q(pickup_outlet_id__in=scope)
    if staff.role == Role.OUTLET_MANAGER:
        pickups |= Q(customer__guide_id__in=_guides_of_outlets(staff, scope))
    return qs.filter(pickups)
