"""Use cases of merchants and staff: creating them, tokens, permission checks, the audit trail."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Model
from django.forms.models import model_to_dict
from django.utils import timezone

from siyu.core.errors import InvalidInput, PermissionDenied
from siyu.core.ids import new_token, token_digest
from siyu.tenancy.errors import OutletOutOfScope
from siyu.tenancy.models import AuditEntry, Merchant, Outlet, Staff, StaffToken
from siyu.tenancy.permissions import Perm, role_has


def require(staff: Staff, perm: Perm) -> None:
    """Refuse unless the staff member's role grants ``perm``."""
    if not staff.is_active or not role_has(staff.role, perm):
        raise PermissionDenied(detail={"permission": perm.value})


def outlet_scope(staff: Staff) -> list[int] | None:
    """The outlet ids a staff member is limited to, or None for all outlets."""
    cached = getattr(staff, "_outlet_ids", None)
    if cached is None:
        cached = sorted(staff.outlets.values_list("id", flat=True))
        staff._outlet_ids = cached  # type: ignore[attr-defined]
    return cached or None


def require_outlet(staff: Staff, outlet_id: int | None) -> None:
    scope = outlet_scope(staff)
    if scope is not None and outlet_id not in scope:
        raise OutletOutOfScope(detail={"outlet_id": outlet_id})


def snapshot(obj: Model, fields: list[str] | None = None) -> dict[str, Any]:
    """A JSON-safe dict of a model's fields for the audit log."""
    data = model_to_dict(obj, fields=fields)
    return {
        k: (v if isinstance(v, (int, str, bool, type(None), list, dict)) else str(v)) for k, v in data.items()
    }


def record_audit(
    *,
    staff: Staff | None,
    merchant: Merchant,
    action: str,
    obj: Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one audit row. Call inside the use case's transaction so it commits with the change."""
    return AuditEntry.objects.create(
        merchant=merchant,
        staff=staff,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        before=before,
        after=after,
    )


@transaction.atomic
def create_staff(
    *,
    merchant: Merchant,
    username: str,
    password: str,
    role: str,
    display_name: str,
    outlets: list[Outlet] | None = None,
    acting_staff: Staff | None = None,
    link_existing_user: bool = False,
) -> Staff:
    """Create a login and its staff role at ``merchant``.

    A username already taken is refused, unless ``link_existing_user`` says this is the same person
    joining another merchant (then their password stays theirs).
    """
    if acting_staff is not None:
        require(acting_staff, Perm.STAFF_MANAGE)
    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first()
    if user is not None and not link_existing_user:
        raise InvalidInput(detail={"username": "taken"})
    if user is None:
        user = user_model.objects.create_user(username=username, password=password)
    staff = Staff.objects.create(merchant=merchant, user=user, role=role, display_name=display_name)
    if outlets:
        staff.outlets.set(outlets)
    record_audit(
        staff=acting_staff,
        merchant=merchant,
        action="staff.create",
        obj=staff,
        after={"role": role, "username": username, "outlets": [o.pk for o in outlets or []]},
    )
    return staff


def issue_staff_token(*, staff: Staff, name: str = "", ttl: timedelta | None = None) -> str:
    """Create an API token for ``staff``; the plain token is returned once and never stored."""
    token = new_token("stf")
    StaffToken.objects.create(
        merchant_id=staff.merchant_id,
        staff=staff,
        digest=token_digest(token),
        name=name,
        expires_at=timezone.now() + ttl if ttl else None,
    )
    return token


def staff_for_token(token: str) -> Staff | None:
    """The active staff member behind a bearer token, or None."""
    row = (
        StaffToken.objects.select_related("staff__merchant", "staff__user")
        .filter(digest=token_digest(token), staff__is_active=True, staff__merchant__is_active=True)
        .first()
    )
    if row is None or (row.expires_at and row.expires_at <= timezone.now()):
        return None
    return row.staff
