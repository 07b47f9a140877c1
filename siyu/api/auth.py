"""Who is calling: a customer of a merchant's shop, or a staff member of a merchant."""

from __future__ import annotations

from typing import cast

from django.core.validators import slug_re
from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from siyu.core.errors import NotFound
from siyu.core.ids import token_digest
from siyu.members.models import Customer
from siyu.members.services import customer_for_token
from siyu.tenancy.models import Merchant, Staff
from siyu.tenancy.services import staff_for_token


class StaffRequest(HttpRequest):
    """A request the staff auth let through: ``staff`` is the caller, scoped to one merchant."""

    staff: Staff


class ShopRequest(HttpRequest):
    """A shop request: ``merchant`` from the path; ``customer`` from the token (None for visitors)."""

    merchant: Merchant
    customer: Customer


def _path_merchant(request: HttpRequest) -> Merchant:
    slug = request.resolver_match.kwargs.get("merchant", "") if request.resolver_match else ""
    # What cannot be a slug names no shop (and a NUL would fail the query on PostgreSQL).
    merchant = Merchant.objects.filter(slug=slug, is_active=True).first() if slug_re.match(slug) else None
    if merchant is None:
        raise NotFound(detail={"merchant": slug})
    return merchant


class CustomerBearer(HttpBearer):
    """``Authorization: Bearer cus_...`` from the shop login; the token must belong to the path's merchant."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str):
        merchant = _path_merchant(request)
        customer = customer_for_token(token)
        if customer is None or customer.merchant_id != merchant.pk:
            return None
        request.merchant = merchant  # type: ignore[attr-defined]
        request.customer = customer  # type: ignore[attr-defined]
        return customer


class ShopVisitor:
    """Anonymous shop access: resolves the merchant from the path; a customer token is optional.

    A plain callable rather than a ninja security class, so the OpenAPI does not ask for a credential.
    """

    def __call__(self, request: HttpRequest):
        merchant = _path_merchant(request)
        request.merchant = merchant  # type: ignore[attr-defined]
        request.customer = None  # type: ignore[attr-defined]
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            customer = customer_for_token(header[7:])
            if customer is not None and customer.merchant_id == merchant.pk:
                request.customer = customer  # type: ignore[attr-defined]
        return True


class StaffBearer(HttpBearer):
    """``Authorization: Bearer stf_...`` issued to a staff member."""

    def authenticate(self, request: HttpRequest, token: str):
        staff = staff_for_token(token)
        if staff is None:
            return None
        cast(StaffRequest, request).staff = staff  # from here on the request is a StaffRequest
        request.token_digest = token_digest(token)  # type: ignore[attr-defined]  # which of my tokens
        return staff


class StaffSession(SessionAuth):
    """The console's logged-in session; the staff role is the user's at the session's merchant."""

    def authenticate(self, request: HttpRequest, key: str | None):
        user = super().authenticate(request, key)
        if not user:
            return None
        qs = Staff.objects.select_related("merchant", "user").filter(
            user=user, is_active=True, merchant__is_active=True
        )
        merchant_id = request.session.get("merchant_id")
        if merchant_id:
            qs = qs.filter(merchant_id=merchant_id)
        staff = qs.order_by("id").first()
        if staff is None:
            return None
        cast(StaffRequest, request).staff = staff  # from here on the request is a StaffRequest
        return staff


staff_auth = [StaffBearer(), StaffSession()]
