"""Automatic tags: a rule (the segment rule language) keeps its tag on exactly the customers it matches.

A run is two statements per rule: ``INSERT ... SELECT`` the matching customers who lack the tag, and
``DELETE`` the rule's own rows of customers who no longer match. Rows given by hand, an import, a
campaign or a survey are never touched. ``refresh_tags_for`` runs the same two statements restricted
to a few customers (after an order is paid, say), so it ends in the state a full run would reach.
Rules run in id order: a rule that names another rule's tag sees that tag as of its own run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from siyu.audience.errors import TagHasRule
from siyu.audience.models import CustomerTag, TagRule, TagSource
from siyu.audience.rules import customers_matching, parse_rule, validate_rule
from siyu.audience.selectors import get_tag, get_tag_rule
from siyu.audience.sql import insert_for_customers
from siyu.members.models import Customer
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import record_audit, require


def _rule_fields(row: TagRule) -> dict[str, Any]:
    return {"tag_id": row.tag_id, "rule": row.rule, "is_active": row.is_active}


@transaction.atomic
def create_tag_rule(*, staff: Staff, tag_id: int, rule: Any, is_active: bool = True) -> TagRule:
    require(staff, Perm.CUSTOMERS_EDIT)
    tag = get_tag(merchant_id=staff.merchant_id, tag_id=tag_id, lock=True)
    validate_rule(rule, merchant_id=staff.merchant_id, own_tag_id=tag.pk)
    row = TagRule(merchant_id=staff.merchant_id, tag=tag, rule=rule, is_active=is_active)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as exc:
        raise TagHasRule(detail={"tag_id": tag.pk}) from exc
    record_audit(
        staff=staff, merchant=staff.merchant, action="tag_rule.create", obj=row, after=_rule_fields(row)
    )
    return row


@transaction.atomic
def update_tag_rule(*, staff: Staff, rule_id: int, **changes: Any) -> TagRule:
    require(staff, Perm.CUSTOMERS_EDIT)
    row = get_tag_rule(merchant_id=staff.merchant_id, rule_id=rule_id)
    before = _rule_fields(row)
    if changes.get("rule") is not None:
        validate_rule(changes["rule"], merchant_id=staff.merchant_id, own_tag_id=row.tag_id)
        row.rule = changes["rule"]
    if changes.get("is_active") is not None:
        row.is_active = changes["is_active"]
    row.save(update_fields=["rule", "is_active", "updated_at"])
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="tag_rule.update",
        obj=row,
        before=before,
        after=_rule_fields(row),
    )
    return row


@transaction.atomic
def delete_tag_rule(*, staff: Staff, rule_id: int) -> int:
    """Delete the rule and the tags it set (nothing keeps them true any more); return how many went."""
    require(staff, Perm.CUSTOMERS_EDIT)
    row = get_tag_rule(merchant_id=staff.merchant_id, rule_id=rule_id)
    removed, _ = CustomerTag.objects.filter(tag_id=row.tag_id, source=TagSource.RULE).delete()
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="tag_rule.delete",
        obj=row,
        before=_rule_fields(row),
        after={"removed": removed},
    )
    row.delete()
    return removed


def apply_tag_rule(
    row: TagRule, *, now: dt.datetime | None = None, customer_ids: Iterable[int] | None = None
) -> dict[str, int]:
    """Bring the rule's tag up to date (for ``customer_ids`` only, when given): ``{"added", "removed"}``."""
    now = now or timezone.now()
    matching = customers_matching(parse_rule(row.rule), merchant_id=row.merchant_id, now=now)
    own = CustomerTag.objects.filter(merchant_id=row.merchant_id, tag_id=row.tag_id, source=TagSource.RULE)
    if customer_ids is not None:
        ids = sorted(set(customer_ids))
        matching = matching.filter(pk__in=ids)
        own = own.filter(customer_id__in=ids)
    with transaction.atomic():
        stale = own.exclude(Exists(matching.filter(pk=OuterRef("customer_id"))))
        removed, _ = stale.delete()
        carrying = CustomerTag.objects.filter(tag_id=row.tag_id, customer=OuterRef("pk"))
        added = insert_for_customers(
            CustomerTag,
            {
                "merchant": row.merchant_id,
                "tag": row.tag_id,
                "source": TagSource.RULE,
                "tagged_by": None,
                "tagged_at": now,
            },
            matching.exclude(Exists(carrying)),
            ignore_conflicts=True,
        )
    return {"added": added, "removed": removed}


def _record_run(row: TagRule, now: dt.datetime) -> None:
    row.last_run_at = now
    row.last_matched = CustomerTag.objects.filter(tag_id=row.tag_id, source=TagSource.RULE).count()
    row.save(update_fields=["last_run_at", "last_matched"])


@transaction.atomic
def run_tag_rule(*, staff: Staff, rule_id: int) -> dict[str, int]:
    """Run one rule now (even while paused), for every customer of the merchant."""
    require(staff, Perm.CUSTOMERS_EDIT)
    row = get_tag_rule(merchant_id=staff.merchant_id, rule_id=rule_id)
    now = timezone.now()
    result = apply_tag_rule(row, now=now)
    _record_run(row, now)
    record_audit(staff=staff, merchant=staff.merchant, action="tag_rule.run", obj=row, after=result)
    return {**result, "matched": row.last_matched}


def recompute_tag_rules(*, merchant_id: int | None = None, now: dt.datetime | None = None) -> dict[str, int]:
    """The periodic full run: every active rule (of one merchant, or of all), each in its own transaction."""
    now = now or timezone.now()
    rules = TagRule.objects.filter(is_active=True).order_by("merchant_id", "id")
    if merchant_id is not None:
        rules = rules.filter(merchant_id=merchant_id)
    totals = {"rules": 0, "added": 0, "removed": 0}
    for row in rules:
        with transaction.atomic():
            result = apply_tag_rule(row, now=now)
            _record_run(row, now)
        totals["rules"] += 1
        totals["added"] += result["added"]
        totals["removed"] += result["removed"]
    return totals


def refresh_tags_for(customer_ids: Iterable[int], *, now: dt.datetime | None = None) -> dict[str, int]:
    """Re-evaluate every active tag rule for these customers only (call it after an order is paid).

    Customers of several merchants may be mixed; each is judged by its own merchant's rules.
    """
    ids = sorted(set(customer_ids))
    totals = {"rules": 0, "added": 0, "removed": 0}
    if not ids:
        return totals
    now = now or timezone.now()
    by_merchant: dict[int, list[int]] = {}
    for pk, merchant_id in Customer.objects.filter(pk__in=ids).values_list("pk", "merchant_id"):
        by_merchant.setdefault(merchant_id, []).append(pk)
    rules = TagRule.objects.filter(merchant_id__in=by_merchant, is_active=True).order_by("merchant_id", "id")
    with transaction.atomic():
        for row in rules:
            result = apply_tag_rule(row, now=now, customer_ids=by_merchant[row.merchant_id])
            totals["rules"] += 1
            totals["added"] += result["added"]
            totals["removed"] += result["removed"]
    return totals
