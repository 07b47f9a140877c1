"""Who sees a customer's full phone number: one rule for lists, the 360 page, exports and the API.

Staff whose role has ``customers.view_phone`` see the number; everyone else sees ``138****1234``.
"""

from __future__ import annotations

from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm, role_has


def mask_phone(phone: str | None) -> str:
    """``13812345678`` -> ``138****5678``; short or missing numbers show nothing of themselves."""
    if not phone:
        return ""
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 8 else "****"


def phone_visible(staff: Staff) -> bool:
    return staff.is_active and role_has(staff.role, Perm.CUSTOMERS_VIEW_PHONE)


def shown_phone(staff: Staff, phone: str | None) -> str:
    """The phone as ``staff`` may see it."""
    return (phone or "") if phone_visible(staff) else mask_phone(phone)
