"""Who sees a customer's phone number, and how a full number is revealed (docs/guides.md).

The rule (the strict one, as Youzan runs it): every list, page and API answer shows ``138****1234``
to every role. A full number is shown only

- when a staff member whose role has ``customers.view_phone`` presses "show number" on the customer
  360 page or an order page (or calls the API's reveal route): one audit row per reveal
  (``customer.phone_revealed``, ``order.phone_revealed``), and the number comes back alone;
- in a segment export by such a staff member (``shown_phone``), itself audited.

Recipients' phones on orders and addresses follow the same rule as the customer's own.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from siyu.core.errors import NotFound
from siyu.members.models import Customer
from siyu.members.scope import orders_visible_to, visible_customer
from siyu.orders.models import Order
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm, role_has
from siyu.tenancy.services import record_audit, require


def mask_phone(phone: str | None) -> str:
    """``13812345678`` -> ``138****5678``; short or missing numbers show nothing of themselves."""
    if not phone:
        return ""
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 8 else "****"


def phone_visible(staff: Staff) -> bool:
    """Whether the staff member may reveal (and export) full numbers."""
    return staff.is_active and role_has(staff.role, Perm.CUSTOMERS_VIEW_PHONE)


def shown_phone(staff: Staff, phone: str | None) -> str:
    """The phone as ``staff`` may see it where they asked for it (an export, a reveal)."""
    return (phone or "") if phone_visible(staff) else mask_phone(phone)


def masked_address(address: dict[str, Any] | None) -> dict[str, Any] | None:
    """An order's address snapshot with the recipient's phone masked."""
    if not address:
        return address
    return {**address, "phone": mask_phone(address.get("phone"))}


@transaction.atomic
def reveal_customer_phone(*, staff: Staff, customer_id: int) -> Customer:
    """The customer with their full phone, for a staff member with ``customers.view_phone``; audited.

    A customer out of the staff member's scope is not found (404), like everywhere else.
    """
    require(staff, Perm.CUSTOMERS_VIEW_PHONE)
    customer = visible_customer(staff, customer_id)
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="customer.phone_revealed",
        obj=customer,
        after={"phone": mask_phone(customer.phone)},
    )
    return customer


@transaction.atomic
def reveal_order_phones(*, staff: Staff, order_id: int) -> Order:
    """The order (with its customer) whose phones the caller may now see in full; audited.

    Needs ``orders.view`` (the order) and ``customers.view_phone`` (the numbers).
    """
    require(staff, Perm.ORDERS_VIEW)
    require(staff, Perm.CUSTOMERS_VIEW_PHONE)
    order = orders_visible_to(staff).select_related("customer").filter(pk=order_id).first()
    if order is None:
        raise NotFound(detail={"order_id": order_id})
    record_audit(staff=staff, merchant=staff.merchant, action="order.phone_revealed", obj=order)
    return order
