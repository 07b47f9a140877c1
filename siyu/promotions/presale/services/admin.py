"""Staff side of presales: create, edit, and cancel (which refunds every deposit); pause, resume
and end: ``siyu.promotions.kit.services``."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from siyu.catalog.models import Sku
from siyu.core.errors import InvalidInput, InvalidTransition
from siyu.promotions.activities import check_skus_free
from siyu.promotions.kit.services import set_status
from siyu.promotions.presale.models import Presale, PresaleBooking, PresaleStatus
from siyu.promotions.presale.playbook import PRESALES
from siyu.promotions.presale.services.bookings import settle_presale
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import record_audit, require, snapshot

MAX_DAYS = 366
WINDOWS = ["deposit_starts_at", "deposit_ends_at", "balance_starts_at", "balance_ends_at"]
EDITABLE = {
    "name",
    *WINDOWS,
    "ship_date",
    "deposit",
    "deduction",
    "deposit_refundable",
    "per_customer_limit",
    "quota",
}
# Once a deposit is taken, what the customer agreed to stays: no dearer deposit, smaller
# deduction, earlier deadlines or non-refundable deposit.
FIXED_ONCE_BOOKED = {"deposit", "deduction", "deposit_starts_at", "balance_starts_at"}
FIELDS = [*sorted(EDITABLE), "sku", "deposit_sku", "status"]


def _sku(merchant_id: int, sku_id: int) -> Sku:
    return Sku.objects.for_merchant(merchant_id).get_owned(sku_id)


def _check(values: dict[str, Any], sku: Sku, deposit_sku: Sku) -> None:
    times = [values[name] for name in WINDOWS]
    if any(t.tzinfo is None for t in times):
        raise InvalidInput(detail={"windows": "times need a timezone"})
    ds, de, bs, be = times
    if not ds < de <= bs < be:
        raise InvalidInput(
            detail={"windows": "deposit_starts_at < deposit_ends_at <= balance_starts_at < balance_ends_at"}
        )
    if be - ds > timedelta(days=MAX_DAYS):
        raise InvalidInput(detail={"windows": f"a presale lasts at most {MAX_DAYS} days"})
    ship_date: date = values["ship_date"]
    if ship_date < timezone.localtime(bs).date():
        raise InvalidInput(detail={"ship_date": "on or after the balance window opens"})
    if values["deposit"] < 1:
        raise InvalidInput(detail={"deposit": "at least 1 fen"})
    if values["deduction"] < values["deposit"]:
        raise InvalidInput(detail={"deduction": "at least the deposit"})
    if values["deduction"] > sku.price:
        raise InvalidInput(detail={"deduction": f"at most the SKU's price {sku.price}"})
    if values["deposit"] > deposit_sku.price:
        raise InvalidInput(detail={"deposit": f"at most the deposit SKU's price {deposit_sku.price}"})
    for name in ("per_customer_limit", "quota"):
        if values[name] is not None and values[name] < 1:
            raise InvalidInput(detail={name: "at least 1, or none"})


@transaction.atomic
def create_presale(
    *,
    staff: Staff,
    name: str,
    sku_id: int,
    deposit_sku_id: int,
    deposit: int,
    deduction: int,
    deposit_starts_at: datetime,
    deposit_ends_at: datetime,
    balance_starts_at: datetime,
    balance_ends_at: datetime,
    ship_date: date,
    deposit_refundable: bool = False,
    per_customer_limit: int | None = None,
    quota: int | None = None,
) -> Presale:
    require(staff, Perm.PROMOTIONS_EDIT)
    sku = _sku(staff.merchant_id, sku_id)
    deposit_sku = _sku(staff.merchant_id, deposit_sku_id)
    if sku.pk == deposit_sku.pk:
        raise InvalidInput(detail={"deposit_sku_id": "the deposit needs a SKU of its own"})
    values = {
        "deposit_starts_at": deposit_starts_at,
        "deposit_ends_at": deposit_ends_at,
        "balance_starts_at": balance_starts_at,
        "balance_ends_at": balance_ends_at,
        "ship_date": ship_date,
        "deposit": deposit,
        "deduction": deduction,
        "deposit_refundable": deposit_refundable,
        "per_customer_limit": per_customer_limit,
        "quota": quota,
    }
    _check(values, sku, deposit_sku)
    check_skus_free(
        family="campaigns",
        merchant_id=staff.merchant_id,
        sku_ids=[sku.pk, deposit_sku.pk],
        starts_at=deposit_starts_at,
        ends_at=balance_ends_at,
    )
    presale = Presale.objects.create(
        merchant_id=staff.merchant_id, name=name.strip()[:64], sku=sku, deposit_sku=deposit_sku, **values
    )
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="presale.create",
        obj=presale,
        after=snapshot(presale, FIELDS),
    )
    return presale


@transaction.atomic
def update_presale(*, staff: Staff, presale_id: int, changes: dict[str, Any]) -> Presale:
    require(staff, Perm.PROMOTIONS_EDIT)
    presale = Presale.objects.for_merchant(staff.merchant_id).get_owned(presale_id, lock=True)
    if presale.status == PresaleStatus.CANCELLED:
        raise InvalidTransition(detail={"from": presale.status, "to": "edited"})
    unknown = set(changes) - EDITABLE
    if unknown:
        raise InvalidInput(detail={"not_editable": sorted(unknown)})
    booked = PresaleBooking.objects.filter(presale=presale).exists()
    if booked:
        fixed = sorted(k for k in set(changes) & FIXED_ONCE_BOOKED if changes[k] != getattr(presale, k))
        if fixed:
            raise InvalidInput(detail={"fixed_once_booked": fixed})
        for name in ("deposit_ends_at", "balance_ends_at"):
            if name in changes and changes[name] < getattr(presale, name):
                raise InvalidInput(detail={name: "deposits were taken: deadlines may only move later"})
        if presale.deposit_refundable and changes.get("deposit_refundable") is False:
            raise InvalidInput(detail={"deposit_refundable": "deposits were taken as refundable"})
    merged = {name: changes.get(name, getattr(presale, name)) for name in EDITABLE - {"name"}}
    _check(merged, presale.sku, presale.deposit_sku)
    if merged["quota"] is not None and merged["quota"] < presale.units_booked:
        raise InvalidInput(detail={"quota": f"at least the {presale.units_booked} units booked"})
    if {"deposit_starts_at", "balance_ends_at"} & set(changes):
        check_skus_free(
            family="campaigns",
            merchant_id=staff.merchant_id,
            sku_ids=[presale.sku_id, presale.deposit_sku_id],
            starts_at=merged["deposit_starts_at"],
            ends_at=merged["balance_ends_at"],
            exclude=("presale", presale.pk),
        )
    fields = sorted(changes)
    before = snapshot(presale, fields)
    for name, value in changes.items():
        setattr(presale, name, value)
    if fields:
        presale.save(update_fields=[*fields, "updated_at"])
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="presale.update",
        obj=presale,
        before=before,
        after=snapshot(presale, fields),
    )
    return presale


def cancel_presale(*, staff: Staff, presale_id: int, now: datetime | None = None) -> Presale:
    """Call the presale off: every deposit not yet completed by its balance is refunded and unpaid
    deposit and balance orders are cancelled. Completed bookings ship as sold."""
    presale = set_status(PRESALES, "cancel", staff=staff, activity_id=presale_id)
    # One transaction per booking: a crash part-way is finished by the periodic settle_presales.
    settle_presale(presale=presale, now=now)
    presale.refresh_from_db()
    return presale
