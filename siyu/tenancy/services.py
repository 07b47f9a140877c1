"""Use cases of merchants and staff: creating them, tokens, permission checks, the audit trail."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from siyu.core.errors import InvalidInput, NotFound, PermissionDenied
from siyu.core.ids import new_token, token_digest
from siyu.tenancy.errors import OutletOutOfScope, WrongPassword
from siyu.tenancy.models import AuditEntry, LoginAdapter, Merchant, Outlet, Role, Staff, StaffToken
from siyu.tenancy.permissions import Perm, role_has
from siyu.wechat.accounts import mini_program_ready


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
    outlet_ids: Sequence[int] = (),
    acting_staff: Staff | None = None,
    link_existing_user: bool = False,
) -> Staff:
    """Create a login and its staff role at ``merchant``.

    A username already taken is refused, unless ``link_existing_user`` says this is the same person
    joining another merchant (then their password stays theirs). Staff are never Django superusers:
    a superuser's password would open every merchant, so such an account cannot become staff.
    ``outlet_ids`` limits them to those outlets of ``merchant`` (404 when one is not the merchant's).
    """
    if acting_staff is not None:
        require(acting_staff, Perm.STAFF_MANAGE)
    outlets = list(Outlet.objects.for_merchant(merchant).filter(pk__in=outlet_ids))
    if len(outlets) != len(set(outlet_ids)):
        raise NotFound(detail={"outlet_ids": list(outlet_ids)})
    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first()
    if user is not None and not link_existing_user:
        raise InvalidInput(detail={"username": "taken"})
    if user is not None and (user.is_superuser or user.is_staff):
        raise InvalidInput(detail={"username": "a platform account cannot be a merchant's staff"})
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
        after={"role": role, "username": username, "outlets": [o.pk for o in outlets]},
    )
    return staff


def _password_fingerprints(user: AbstractBaseUser) -> list[str]:
    """What a token issued under the user's current password carries (with rotated-out secret keys)."""
    return [user.get_session_auth_hash(), *user.get_session_auth_fallback_hash()]


def issue_staff_token(*, staff: Staff, name: str = "", ttl: timedelta | None = None) -> str:
    """Create an API token for ``staff``; the plain token is returned once and never stored.

    It lasts ``ttl`` (default ``SIYU_STAFF_TOKEN_DAYS``) or until the password changes.
    """
    token = new_token("stf")
    StaffToken.objects.create(
        merchant_id=staff.merchant_id,
        staff=staff,
        digest=token_digest(token),
        name=name,
        expires_at=timezone.now() + (ttl or timedelta(days=settings.SIYU_STAFF_TOKEN_DAYS)),
        password_fingerprint=staff.user.get_session_auth_hash(),
    )
    return token


def _live(row: StaffToken, fingerprints: list[str], now: datetime) -> bool:
    same_password = any(constant_time_compare(row.password_fingerprint, f) for f in fingerprints)
    return same_password and row.expires_at > now


def staff_for_token(token: str) -> Staff | None:
    """The active staff member behind a bearer token, or None (expired, password changed, revoked)."""
    row = (
        StaffToken.objects.select_related("staff__merchant", "staff__user")
        .filter(digest=token_digest(token), staff__is_active=True, staff__merchant__is_active=True)
        .first()
    )
    if row is None or not _live(row, _password_fingerprints(row.staff.user), timezone.now()):
        return None
    return row.staff


def staff_tokens(*, staff: Staff) -> list[StaffToken]:
    """The staff member's tokens that still work here, newest first."""
    fingerprints, now = _password_fingerprints(staff.user), timezone.now()
    rows = StaffToken.objects.for_merchant(staff.merchant_id).filter(staff=staff, expires_at__gt=now)
    return [row for row in rows if _live(row, fingerprints, now)]


@transaction.atomic
def revoke_staff_token(*, staff: Staff, token_id: int) -> None:
    """Revoke one of the staff member's own tokens (audited); another's is not found."""
    row = StaffToken.objects.for_merchant(staff.merchant_id).filter(staff=staff, pk=token_id).first()
    if row is None:
        raise NotFound(detail={"token_id": token_id})
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="token.revoke",
        obj=row,
        before={"name": row.name, "expires_at": row.expires_at.isoformat()},
    )
    row.delete()


@transaction.atomic
def change_password(*, staff: Staff, old_password: str, new_password: str) -> int:
    """Change the staff member's own password and revoke every API token the person holds (at any
    merchant); their other console sessions end too. Returns how many tokens were revoked."""
    user = get_user_model().objects.select_for_update().get(pk=staff.user_id)
    if not user.check_password(old_password):
        raise WrongPassword()
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise InvalidInput(detail={"new_password": exc.messages}) from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    revoked, _ = StaffToken.objects.filter(staff__user=user).delete()
    staff.user = user
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="staff.password",
        obj=staff,
        after={"tokens_revoked": revoked},
    )
    return revoked


# ---- outlets, merchant settings, staff changes ------------------------------------------------------

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OUTLET_FIELDS = (
    "code",
    "name",
    "province",
    "city",
    "district",
    "address",
    "phone",
    "latitude",
    "longitude",
    "opening_hours",
    "supports_pickup",
    "is_active",
)
MERCHANT_FIELDS = (
    "name",
    "timezone",
    "login_adapter",
    "payment_timeout_minutes",
    "auto_confirm_receipt_days",
    "after_sale_window_days",
    "shipping_fee",
    "free_shipping_threshold",
)
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")


def _check_hours(hours: Any) -> None:
    """{"mon": [["09:00", "21:00"]], ...}: known days, each a list of HH:MM spans, start before end."""
    if not isinstance(hours, dict) or set(hours) - set(DAYS):
        raise InvalidInput(detail={"opening_hours": f"an object keyed by {list(DAYS)}"})
    for day, spans in hours.items():
        if not isinstance(spans, list) or len(spans) > 4:
            raise InvalidInput(detail={"opening_hours": f"{day}: at most 4 spans"})
        for span in spans:
            ok = isinstance(span, list) and len(span) == 2 and all(isinstance(t, str) for t in span)
            if not ok or not all(_HHMM.match(t) for t in span) or span[0] >= span[1]:
                raise InvalidInput(detail={"opening_hours": f"{day}: {span!r} is not HH:MM-HH:MM"})


def _check_outlet(outlet: Outlet) -> None:
    problems: dict[str, str] = {}
    if not outlet.code.strip() or len(outlet.code) > 32:
        problems["code"] = "1 to 32 characters"
    if not outlet.name.strip() or len(outlet.name) > 100:
        problems["name"] = "1 to 100 characters"
    for name, lo, hi in (("latitude", -90, 90), ("longitude", -180, 180)):
        value = getattr(outlet, name)
        if value is not None and not lo <= value <= hi:
            problems[name] = f"between {lo} and {hi}"
    if problems:
        raise InvalidInput(detail=problems)
    _check_hours(outlet.opening_hours)


def _save_outlet(outlet: Outlet) -> None:
    try:
        with transaction.atomic():
            outlet.save()
    except IntegrityError as exc:
        raise InvalidInput(detail={"code": "taken"}) from exc


@transaction.atomic
def create_outlet(*, staff: Staff, code: str, name: str, **fields: Any) -> Outlet:
    """Open an outlet (a store customers pick up from); its code is unique within the merchant."""
    require(staff, Perm.OUTLETS_EDIT)
    unknown = set(fields) - set(OUTLET_FIELDS)
    if unknown:
        raise InvalidInput(detail={"unknown": sorted(unknown)})
    outlet = Outlet(merchant_id=staff.merchant_id, code=code.strip(), name=name.strip(), **fields)
    _check_outlet(outlet)
    _save_outlet(outlet)
    record_audit(
        staff=staff, merchant=staff.merchant, action="outlet.create", obj=outlet, after=snapshot(outlet)
    )
    return outlet


@transaction.atomic
def update_outlet(*, staff: Staff, outlet_id: int, **changes: Any) -> Outlet:
    """Change an outlet's fields; outlet-scoped staff may change only their own outlets."""
    require(staff, Perm.OUTLETS_EDIT)
    outlet = Outlet.objects.for_merchant(staff.merchant_id).select_for_update().filter(pk=outlet_id).first()
    if outlet is None:
        raise NotFound(detail={"outlet_id": outlet_id})
    require_outlet(staff, outlet.pk)
    unknown = set(changes) - set(OUTLET_FIELDS)
    if unknown:
        raise InvalidInput(detail={"unknown": sorted(unknown)})
    before = snapshot(outlet)
    for name, value in changes.items():
        setattr(outlet, name, value.strip() if name in ("code", "name") else value)
    _check_outlet(outlet)
    _save_outlet(outlet)
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="outlet.update",
        obj=outlet,
        before=before,
        after=snapshot(outlet),
    )
    return outlet


def _merchant_view(merchant: Merchant) -> dict[str, Any]:
    return snapshot(merchant, list(MERCHANT_FIELDS))


@transaction.atomic
def update_merchant(*, staff: Staff, **changes: Any) -> Merchant:
    """Change the merchant's own settings: name, timezone, customer login, order and shipping policy."""
    require(staff, Perm.MERCHANT_EDIT)
    unknown = set(changes) - set(MERCHANT_FIELDS)
    if unknown:
        raise InvalidInput(detail={"unknown": sorted(unknown)})
    merchant = Merchant.objects.select_for_update().get(pk=staff.merchant_id)
    before = _merchant_view(merchant)
    for name, value in changes.items():
        setattr(merchant, name, value.strip() if isinstance(value, str) else value)
    problems: dict[str, str] = {}
    if not merchant.name or len(merchant.name) > 100:
        problems["name"] = "1 to 100 characters"
    if merchant.timezone not in zoneinfo.available_timezones():
        problems["timezone"] = "an IANA timezone such as Asia/Shanghai"
    if merchant.login_adapter not in LoginAdapter.values:
        problems["login_adapter"] = f"one of {LoginAdapter.values}"
    elif merchant.login_adapter == LoginAdapter.WECHAT and not mini_program_ready(merchant):
        problems["login_adapter"] = "WeChat login needs the mini-program account (设置 → 微信账号)"
    bounds = {
        "payment_timeout_minutes": (5, 1440),
        "auto_confirm_receipt_days": (1, 60),
        "after_sale_window_days": (0, 90),
        "shipping_fee": (0, 10**7),
        "free_shipping_threshold": (0, 10**9),
    }
    for name, (lo, hi) in bounds.items():
        value = getattr(merchant, name)
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            problems[name] = f"between {lo} and {hi}"
    if problems:
        raise InvalidInput(detail=problems)
    merchant.save(update_fields=list(changes))
    record_audit(
        staff=staff,
        merchant=merchant,
        action="merchant.update",
        obj=merchant,
        before=before,
        after=_merchant_view(merchant),
    )
    staff.merchant = merchant
    return merchant


@transaction.atomic
def update_staff(
    *,
    staff: Staff,
    staff_id: int,
    role: str | None = None,
    display_name: str | None = None,
    is_active: bool | None = None,
    outlet_ids: list[int] | None = None,
) -> Staff:
    """Change a staff member's role, name, outlets, or disable them (they can no longer log in here).

    Nobody disables or demotes themselves, and the merchant always keeps an active owner.
    """
    require(staff, Perm.STAFF_MANAGE)
    target = Staff.objects.for_merchant(staff.merchant_id).select_for_update().filter(pk=staff_id).first()
    if target is None:
        raise NotFound(detail={"staff_id": staff_id})
    if role is not None and role not in Role.values:
        raise InvalidInput(detail={"role": f"one of {Role.values}"})
    if display_name is not None and not 1 <= len(display_name.strip()) <= 64:
        raise InvalidInput(detail={"display_name": "1 to 64 characters"})
    if target.pk == staff.pk and (is_active is False or (role is not None and role != target.role)):
        raise InvalidInput(detail={"staff_id": "you cannot disable yourself or change your own role"})
    outlets: list[Outlet] | None = None
    if outlet_ids is not None:
        outlets = list(Outlet.objects.for_merchant(staff.merchant_id).filter(pk__in=outlet_ids))
        if len(outlets) != len(set(outlet_ids)):
            raise NotFound(detail={"outlet_ids": sorted(set(outlet_ids) - {o.pk for o in outlets})})
    before = {**snapshot(target, ["role", "display_name", "is_active"]), "outlets": _outlet_ids(target)}
    if role is not None:
        target.role = role
    if display_name is not None:
        target.display_name = display_name.strip()
    if is_active is not None:
        target.is_active = is_active
    target.save(update_fields=["role", "display_name", "is_active"])
    if outlets is not None:
        target.outlets.set(outlets)
    owners = Staff.objects.for_merchant(staff.merchant_id).filter(role=Role.OWNER, is_active=True)
    if not owners.exists():
        raise InvalidInput(detail={"role": "the merchant must keep an active owner"})
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="staff.update",
        obj=target,
        before=before,
        after={**snapshot(target, ["role", "display_name", "is_active"]), "outlets": _outlet_ids(target)},
    )
    return target


def _outlet_ids(staff: Staff) -> list[int]:
    return sorted(staff.outlets.values_list("id", flat=True))
