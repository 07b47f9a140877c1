"""Coupons: templates (staff), claims (coupon centre, codes), issuing (events, staff lists, playbooks).

Every way a coupon is given goes through ``issue_coupon``: the customer's holding counter and the
template's issued counter are both taken by conditional UPDATEs in one transaction, so neither the
total quantity nor the per-customer limit can be exceeded by concurrent requests.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import ngettext

from siyu.core.errors import InvalidInput, NotFound
from siyu.events.models import EventKind
from siyu.events.services import record_server_event
from siyu.members.models import Customer
from siyu.promotions.errors import (
    CouponCodeInvalid,
    CouponLimitReached,
    CouponNotClaimable,
    CouponQuantityShort,
    CouponSoldOut,
)
from siyu.promotions.models import (
    Coupon,
    CouponCode,
    CouponHolding,
    CouponTemplate,
    CouponTrigger,
    TemplateStatus,
    Validity,
)
from siyu.promotions.models.coupons import CodeMode, CouponKindChoice
from siyu.promotions.rules import template_coupon_fields
from siyu.promotions.services.promotions import check_scope_ids
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import record_audit, require

TEMPLATE_FIELDS = (
    "title",
    "kind",
    "amount",
    "rate_bp",
    "max_discount",
    "threshold",
    "scope",
    "new_customers_only",
    "validity",
    "valid_from",
    "valid_until",
    "valid_days",
    "total_quantity",
    "per_customer_limit",
    "claimable",
    "claim_starts_at",
    "claim_ends_at",
    "code_mode",
    "triggers",
    "stack_group",
    "stacks_with_groups",
    "stacks_with_stages",
)
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
MAX_TARGETED = 10_000


def _validate_template(t: CouponTemplate) -> None:
    problems: dict[str, str] = {}
    if not t.title.strip():
        problems["title"] = "required"
    if t.kind not in CouponKindChoice.values:
        problems["kind"] = f"one of {CouponKindChoice.values}"
    elif t.kind == CouponKindChoice.AMOUNT and not 1 <= t.amount <= 10**8:
        problems["amount"] = "between 1 and 100000000 fen"
    elif t.kind == CouponKindChoice.PERCENT and not 1 <= t.rate_bp <= 9_999:
        problems["rate_bp"] = "between 1 and 9999 (the share paid)"
    if t.threshold and t.kind == CouponKindChoice.AMOUNT and t.threshold < t.amount:
        problems["threshold"] = "at least the amount"
    if t.validity == Validity.FIXED:
        if t.valid_until is None:
            problems["valid_until"] = "required for fixed validity"
        elif t.valid_from is not None and t.valid_from >= t.valid_until:
            problems["valid_until"] = "after valid_from"
    elif t.validity == Validity.AFTER_CLAIM:
        if not t.valid_days or not 1 <= t.valid_days <= 3650:
            problems["valid_days"] = "between 1 and 3650"
    else:
        problems["validity"] = f"one of {Validity.values}"
    if not 1 <= t.per_customer_limit <= 100:
        problems["per_customer_limit"] = "between 1 and 100"
    if t.total_quantity is not None and t.total_quantity < t.issued:
        problems["total_quantity"] = f"at least the {t.issued} already issued"
    if t.code_mode not in CodeMode.values:
        problems["code_mode"] = f"one of {CodeMode.values}"
    if not isinstance(t.triggers, list) or not set(t.triggers) <= set(CouponTrigger.values):
        problems["triggers"] = f"a list from {CouponTrigger.values}"
    if problems:
        raise InvalidInput(detail=problems)
    if isinstance(t.scope, dict):
        check_scope_ids(t.merchant_id, t.scope)
    template_coupon_fields(t)  # scope, stages and groups: the engine's own checks


def _audit_view(t: CouponTemplate) -> dict[str, Any]:
    return {f: str(getattr(t, f)) for f in ("title", "kind", "amount", "rate_bp", "total_quantity", "status")}


@transaction.atomic
def create_template(*, staff: Staff, **fields: Any) -> CouponTemplate:
    require(staff, Perm.PROMOTIONS_EDIT)
    unknown = set(fields) - set(TEMPLATE_FIELDS)
    if unknown:
        raise InvalidInput(detail={"unknown": sorted(unknown)})
    template = CouponTemplate(merchant_id=staff.merchant_id, **fields)
    _validate_template(template)
    template.save()
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="coupon.create",
        obj=template,
        after=_audit_view(template),
    )
    return template


def get_template(*, merchant_id: int, template_id: int, lock: bool = False) -> CouponTemplate:
    qs = CouponTemplate.objects.for_merchant(merchant_id).filter(pk=template_id)
    template = (qs.select_for_update() if lock else qs).first()
    if template is None:
        raise NotFound(detail={"coupon_template_id": template_id})
    return template


@transaction.atomic
def update_template(*, staff: Staff, template_id: int, **changes: Any) -> CouponTemplate:
    require(staff, Perm.PROMOTIONS_EDIT)
    template = get_template(merchant_id=staff.merchant_id, template_id=template_id, lock=True)
    # What a coupon gives is fixed once coupons exist: only quantities, windows and display change.
    frozen = {"kind", "amount", "rate_bp", "max_discount", "threshold", "scope", "validity", "valid_days"}
    unknown = set(changes) - set(TEMPLATE_FIELDS)
    if unknown:
        raise InvalidInput(detail={"unknown": sorted(unknown)})
    nulls = sorted(n for n, v in changes.items() if v is None and not CouponTemplate._meta.get_field(n).null)
    if nulls:
        raise InvalidInput(detail={name: "may not be null" for name in nulls})
    if template.issued and frozen & set(changes):
        raise InvalidInput(detail={"frozen_after_issue": sorted(frozen & set(changes))})
    before = _audit_view(template)
    for name, value in changes.items():
        setattr(template, name, value)
    _validate_template(template)
    template.save()
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="coupon.update",
        obj=template,
        before=before,
        after=_audit_view(template),
    )
    return template


@transaction.atomic
def set_template_status(*, staff: Staff, template_id: int, status: str) -> CouponTemplate:
    require(staff, Perm.PROMOTIONS_EDIT)
    template = get_template(merchant_id=staff.merchant_id, template_id=template_id, lock=True)
    if status not in TemplateStatus.values:
        raise InvalidInput(detail={"status": status})
    if template.status == TemplateStatus.ENDED and status != TemplateStatus.ENDED:
        raise InvalidInput(detail={"status": "an ended coupon cannot be restarted"})
    before = template.status
    template.status = status
    template.save(update_fields=["status"])
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="coupon.status",
        obj=template,
        before={"status": before},
        after={"status": status},
    )
    return template


def _validity(template: CouponTemplate, now: datetime) -> tuple[datetime | None, datetime | None]:
    if template.validity == Validity.AFTER_CLAIM:
        return now, now + timedelta(days=template.valid_days or 1)
    return template.valid_from, template.valid_until


@transaction.atomic
def issue_coupon(
    *,
    template: CouponTemplate,
    customer: Customer,
    source: str,
    claim_key: str | None = None,
    code: CouponCode | None = None,
    now: datetime | None = None,
) -> Coupon:
    """Give one coupon of ``template`` to ``customer``: the one path every issue takes.

    Refuses when the template is not active, is used up (``CouponSoldOut``) or the customer holds
    the most they may (``CouponLimitReached``). A replayed ``claim_key`` returns the first coupon.
    """
    now = now or timezone.now()
    if template.merchant_id != customer.merchant_id:
        raise NotFound(detail={"coupon_template_id": template.pk})
    if not claim_key:
        return _issue_new(
            template=template, customer=customer, source=source, claim_key=None, code=code, now=now
        )
    earlier = _claimed(customer, claim_key)
    if earlier is not None:
        return earlier
    try:
        with transaction.atomic():
            return _issue_new(
                template=template, customer=customer, source=source, claim_key=claim_key, code=code, now=now
            )
    except (IntegrityError, CouponLimitReached, CouponSoldOut):
        # A replay of this key running at the same time won: our counter UPDATE waited for its
        # commit and then found the limit or the quantity taken, or our INSERT met its claim key.
        # The savepoint undid our counters; answer with the coupon the winner issued.
        earlier = _claimed(customer, claim_key)
        if earlier is None:
            raise
        return earlier


def _claimed(customer: Customer, claim_key: str) -> Coupon | None:
    return Coupon.objects.filter(customer=customer, claim_key=claim_key).first()


def _issue_new(
    *,
    template: CouponTemplate,
    customer: Customer,
    source: str,
    claim_key: str | None,
    code: CouponCode | None,
    now: datetime,
) -> Coupon:
    if template.new_customers_only and customer.orders.filter(paid_at__isnull=False).exists():
        raise CouponNotClaimable(detail={"reason": "new_customers_only"})
    try:
        with transaction.atomic():
            CouponHolding.objects.get_or_create(
                merchant_id=template.merchant_id, template=template, customer=customer
            )
    except IntegrityError:
        pass  # a concurrent first claim created it
    held = CouponHolding.objects.filter(
        template=template, customer=customer, count__lt=template.per_customer_limit
    ).update(count=F("count") + 1)
    if held != 1:
        raise CouponLimitReached(detail={"limit": template.per_customer_limit})
    taken = (
        CouponTemplate.objects.filter(pk=template.pk, status=TemplateStatus.ACTIVE)
        .filter(Q(total_quantity__isnull=True) | Q(issued__lt=F("total_quantity")))
        .update(issued=F("issued") + 1)
    )
    if taken != 1:
        status = CouponTemplate.objects.filter(pk=template.pk).values_list("status", flat=True).first()
        if status != TemplateStatus.ACTIVE:
            raise CouponNotClaimable(detail={"status": status})
        raise CouponSoldOut(detail={"coupon_template_id": template.pk})
    valid_from, valid_until = _validity(template, now)
    coupon = Coupon.objects.create(
        merchant_id=template.merchant_id,
        template=template,
        customer=customer,
        valid_from=valid_from,
        valid_until=valid_until,
        source=source[:16],
        code=code,
        claim_key=claim_key or None,
    )
    record_server_event(
        merchant_id=coupon.merchant_id,
        customer_id=customer.pk,
        kind=EventKind.COUPON_CLAIMED,
        key=f"coupon:{coupon.pk}",
        properties={"coupon_id": coupon.pk, "template_id": template.pk, "via": coupon.source},
        occurred_at=now,
    )
    return coupon


def claim_coupon(*, customer: Customer, template_id: int, claim_key: str | None = None) -> Coupon:
    """领券: a customer claims a coupon offered in the coupon centre."""
    now = timezone.now()
    template = get_template(merchant_id=customer.merchant_id, template_id=template_id)
    if not template.claimable or template.code_mode != CodeMode.NONE:
        raise CouponNotClaimable(detail={"reason": "not_offered"})
    if (template.claim_starts_at and now < template.claim_starts_at) or (
        template.claim_ends_at and now >= template.claim_ends_at
    ):
        raise CouponNotClaimable(detail={"reason": "outside_claim_window"})
    if template.validity == Validity.FIXED and template.valid_until and template.valid_until <= now:
        raise CouponNotClaimable(detail={"reason": "expired"})
    return issue_coupon(template=template, customer=customer, source="centre", claim_key=claim_key, now=now)


@transaction.atomic
def redeem_code(*, customer: Customer, code: str) -> Coupon:
    """兑换优惠码: a shared code gives each customer a coupon (within the limit); a single-use code once."""
    row = (
        CouponCode.objects.for_merchant(customer.merchant_id)
        .select_related("template")
        .filter(code=code.strip().upper())
        .first()
    )
    if row is None:
        raise CouponCodeInvalid()
    if row.single_use:
        taken = CouponCode.objects.filter(pk=row.pk, redeemed=0).update(redeemed=1)
        if taken != 1:
            raise CouponCodeInvalid()
    else:
        CouponCode.objects.filter(pk=row.pk).update(redeemed=F("redeemed") + 1)
    return issue_coupon(template=row.template, customer=customer, source="code", code=row)


@transaction.atomic
def create_codes(*, staff: Staff, template_id: int, count: int = 1, code: str = "") -> list[CouponCode]:
    """Shared mode: one code (given or generated). Unique mode: ``count`` single-use codes."""
    require(staff, Perm.PROMOTIONS_EDIT)
    template = get_template(merchant_id=staff.merchant_id, template_id=template_id, lock=True)
    if template.code_mode == CodeMode.NONE:
        raise InvalidInput(detail={"code_mode": "this coupon is not redeemed by code"})
    if not 1 <= count <= 10_000 or (template.code_mode == CodeMode.SHARED and count != 1):
        raise InvalidInput(detail={"count": count})
    code = code.strip().upper()
    if code and (not 4 <= len(code) <= 32 or not code.isalnum()):
        raise InvalidInput(detail={"code": "4 to 32 letters and digits"})
    single = template.code_mode == CodeMode.UNIQUE
    wanted = (
        [code] if code else ["".join(secrets.choice(CODE_ALPHABET) for _ in range(10)) for _ in range(count)]
    )
    try:
        with transaction.atomic():
            rows = CouponCode.objects.bulk_create(
                [
                    CouponCode(merchant_id=staff.merchant_id, template=template, code=c, single_use=single)
                    for c in wanted
                ]
            )
    except IntegrityError as exc:
        raise InvalidInput(detail={"code": "already exists"}) from exc
    record_audit(
        staff=staff, merchant=staff.merchant, action="coupon.codes", obj=template, after={"count": len(rows)}
    )
    return rows


def issue_for_trigger(*, customer: Customer, trigger: str) -> list[Coupon]:
    """Issue every active template that is set to go out on ``trigger`` (register, follow, ...).

    A template used up or already held is skipped: the event itself must not fail because of it.
    """
    templates = [
        t
        for t in CouponTemplate.objects.for_merchant(customer.merchant_id).filter(
            status=TemplateStatus.ACTIVE
        )
        if trigger in (t.triggers or [])
    ]
    issued = []
    for template in templates:
        try:
            issued.append(
                issue_coupon(
                    template=template, customer=customer, source=trigger, claim_key=f"{trigger}:{template.pk}"
                )
            )
        except (CouponSoldOut, CouponLimitReached, CouponNotClaimable):
            continue
    return issued


def _batch_claim_key(batch_key: str) -> str | None:
    return f"batch:{batch_key}" if batch_key else None


def _replayed(template: CouponTemplate, key: str | None) -> set[int]:
    """The customers who already got a coupon of ``template`` in the batch ``key``."""
    if key is None:
        return set()
    return set(Coupon.objects.filter(template=template, claim_key=key).values_list("customer_id", flat=True))


def _check_quantity(template: CouponTemplate, requested: int) -> None:
    """All or nothing: refuse when the template has fewer coupons left than ``requested``, saying
    how many are left (``detail``: requested, remaining) so the caller can offer the first N."""
    if template.total_quantity is None:
        return
    remaining = max(template.total_quantity - template.issued, 0)
    if requested <= remaining:
        return
    detail = {"requested": requested, "remaining": remaining}
    if not remaining:
        raise CouponSoldOut(detail=detail)
    message = ngettext(
        "Only %(remaining)d of these coupons is left, not enough for %(requested)d customers. "
        "Issue to the first %(remaining)d, or to none.",
        "Only %(remaining)d of these coupons are left, not enough for %(requested)d customers. "
        "Issue to the first %(remaining)d, or to none.",
        remaining,
    )
    raise CouponQuantityShort(message % detail, detail=detail)


def check_targeted_quantity(
    *, template: CouponTemplate, customer_ids: Sequence[int], batch_key: str = ""
) -> int:
    """How many of ``customer_ids`` a targeted issue would give a coupon (those not served in this
    batch yet); refuses like ``issue_to_customers`` when fewer are left. Call with the template locked."""
    replayed = _replayed(template, _batch_claim_key(batch_key))
    requested = sum(1 for cid in customer_ids if cid not in replayed)
    _check_quantity(template, requested)
    return requested


@transaction.atomic
def issue_to_customers(
    *, staff: Staff, template_id: int, customer_ids: Sequence[int] | Iterable[int], batch_key: str = ""
) -> dict[str, Any]:
    """定向发券: give one coupon to each listed customer of this merchant.

    All or nothing on quantity: if the template has fewer left than customers, nothing is issued
    (``CouponQuantityShort`` says how many are left; ``CouponSoldOut`` when none are).
    Customers who already hold the limit are skipped and reported. ``batch_key`` makes a replay
    of the same batch issue nothing twice.
    """
    require(staff, Perm.PROMOTIONS_EDIT)
    ids = sorted(set(customer_ids))
    if not ids or len(ids) > MAX_TARGETED:
        raise InvalidInput(detail={"customer_ids": f"1 to {MAX_TARGETED} customers"})
    template = get_template(merchant_id=staff.merchant_id, template_id=template_id, lock=True)
    customers = {c.pk: c for c in Customer.objects.for_merchant(staff.merchant_id).filter(pk__in=ids)}
    unknown = [i for i in ids if i not in customers]
    if unknown:
        raise NotFound(detail={"customer_ids": unknown[:20]})
    key = _batch_claim_key(batch_key)
    replayed = _replayed(template, key) & set(ids)
    wanted = [cid for cid in ids if cid not in replayed]
    _check_quantity(template, len(wanted))
    issued, skipped = 0, []
    for cid in wanted:
        try:
            with transaction.atomic():
                issue_coupon(template=template, customer=customers[cid], source="staff", claim_key=key)
            issued += 1
        except (CouponLimitReached, CouponNotClaimable):
            skipped.append(cid)
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="coupon.issue",
        obj=template,
        after={"issued": issued, "replayed": len(replayed), "skipped": len(skipped)},
    )
    return {"issued": issued, "replayed": len(replayed), "skipped_customer_ids": skipped}
