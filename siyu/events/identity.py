"""Who is who: an anonymous visitor becomes a customer; two customers turn out to be one person.

``link_visitor`` runs when a visitor logs in or binds a phone with the device id their events were
sent under: those events are attached to the customer by one UPDATE, an ``IdentityLink`` keeps the
history, and events that still arrive under that device id resolve to the customer at ingestion.

``merge_customers`` runs when a unionid shows that a mini-program customer and an official-account
customer are the same person: every row that points at the newer customer is moved to the older
one, table by table (each one UPDATE), found through ``Customer._meta`` so that a table added later
is moved too. Where a unique constraint would be broken by the move, a rule below says what
happens (add the counters, keep the newer consent, drop the replay key, ...); a conflict no rule
covers refuses the whole merge (``MergeConflict``) rather than lose a row. The merged customer
stays, empty, with ``merged_into`` set, and a ``CustomerMerge`` row plus an audit entry record it.
Then the ``customers_merged`` hooks run (``event_hooks.py``): the survivor's value row and automatic
tags are refreshed once the merge commits (``audience/values/event_hooks.py``); a tag or a static
segment both carried stays once. ``link_visitor`` likewise runs the ``visitor_linked`` hooks when it
attached events.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import models, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from siyu.events import event_hooks
from siyu.events.errors import InvalidAnonymousId, MergeConflict, MergeRefused
from siyu.events.models import Event, IdentityLink
from siyu.events.services import Touch, apply_touches
from siyu.members.models import Customer, CustomerMerge, Gender, Source
from siyu.tenancy.models import Staff
from siyu.tenancy.services import record_audit

log = logging.getLogger(__name__)


# ---- anonymous visitor -> customer ---------------------------------------------------------------


def clean_anonymous_id(value: str) -> str:
    value = (value or "").strip()
    if len(value) > 64 or not value.isprintable():
        raise InvalidAnonymousId(detail={"anonymous_id": value[:80]})
    return value


def link_visitor(*, customer: Customer, anonymous_id: str, via: str) -> int:
    """Attach the visitor's anonymous events to ``customer``; returns how many were attached.

    One UPDATE of the visitor's unattached events (the partial index ``event_anonymous`` finds
    them), a history row, and the customer's first/last touch moved by the visitor's sources (a
    visitor who came by a Moments link and registered a week later was first touched by Moments).
    """
    anonymous_id = clean_anonymous_id(anonymous_id)
    if not anonymous_id:
        return 0
    merchant_id = customer.merchant_id
    with transaction.atomic():
        pending = Event.objects.for_merchant(merchant_id).filter(
            anonymous_id=anonymous_id, customer__isnull=True
        )
        sourced = pending.exclude(source="").values("occurred_at", "source", "campaign")
        first = sourced.order_by("occurred_at").first()
        last = sourced.order_by("-occurred_at").first()
        attached = pending.update(customer_id=customer.pk)
        latest = (
            IdentityLink.objects.for_merchant(merchant_id)
            .filter(anonymous_id=anonymous_id)
            .order_by("-linked_at", "-id")
            .values_list("customer_id", flat=True)
            .first()
        )
        if latest != customer.pk or attached:
            IdentityLink.objects.create(
                merchant_id=merchant_id,
                anonymous_id=anonymous_id,
                customer=customer,
                via=via,
                events_attached=attached,
                linked_at=timezone.now(),
            )
        if attached:  # the history now counts for the customer (engagement, tags): values refresh
            event_hooks.visitor_linked(customer, anonymous_id=anonymous_id, attached=attached)
        if first and last:
            apply_touches(
                merchant_id,
                {
                    customer.pk: (
                        Touch(first["occurred_at"], first["source"], first["campaign"]),
                        Touch(last["occurred_at"], last["source"], last["campaign"]),
                    )
                },
            )
    return attached


# ---- two customers -> one ------------------------------------------------------------------------

Resolver = Callable[[models.QuerySet, models.QuerySet, list[str]], int]


def _pair_rows(conflicting: models.QuerySet, survivor_rows: models.QuerySet, others: list[str]):
    """Each conflicting row of the merged customer with the survivor's row it collides with."""
    for row in conflicting:
        match = survivor_rows.filter(**{o: getattr(row, o) for o in others}).first()
        if match is not None:
            yield row, match


def _add_into(column: str) -> Resolver:
    """Both hold a counter for the same thing (units bought, coupons held): add them up."""

    def resolve(conflicting: models.QuerySet, survivor_rows: models.QuerySet, others: list[str]) -> int:
        n = 0
        for row, match in _pair_rows(conflicting, survivor_rows, others):
            type(match)._base_manager.filter(pk=match.pk).update(**{column: F(column) + getattr(row, column)})
            row.delete()
            n += 1
        return n

    return resolve


def _newer_wins(stamp: str, copy: list[str]) -> Resolver:
    """Both made the same decision twice (consent per channel): the later decision stands."""

    def resolve(conflicting: models.QuerySet, survivor_rows: models.QuerySet, others: list[str]) -> int:
        n = 0
        for row, match in _pair_rows(conflicting, survivor_rows, others):
            if getattr(row, stamp) > getattr(match, stamp):
                values = {c: getattr(row, c) for c in [*copy, stamp]}
                type(match)._base_manager.filter(pk=match.pk).update(**values)
            row.delete()
            n += 1
        return n

    return resolve


def _drop() -> Resolver:
    """Both carry the same membership (a tag, a static segment): the survivor's row stands."""

    def resolve(conflicting: models.QuerySet, survivor_rows: models.QuerySet, others: list[str]) -> int:
        return conflicting.delete()[0]

    return resolve


def _clear(column: str) -> Resolver:
    """A replay key both used (order idempotency key, coupon claim key): the merged one's row keeps
    everything but the key, so a replay finds the survivor's row."""

    def resolve(conflicting: models.QuerySet, survivor_rows: models.QuerySet, others: list[str]) -> int:
        return conflicting.update(**{column: None})

    return resolve


# (app_label.Model, field pointing at the customer) -> what to do with rows that would collide.
RESOLVERS: dict[tuple[str, str], Resolver] = {
    ("audience.CustomerTag", "customer"): _drop(),
    ("audience.SegmentMember", "customer"): _drop(),
    ("members.ContactPreference", "customer"): _newer_wins("updated_at", ["opted_in"]),
    ("orders.CartItem", "customer"): _add_into("quantity"),
    ("orders.Order", "customer"): _clear("idempotency_key"),
    ("promotions.Coupon", "customer"): _clear("claim_key"),
    ("promotions.CouponHolding", "customer"): _add_into("count"),
    ("flashsale.FlashSalePurchase", "customer"): _add_into("quantity"),
}
# Relations moved by hand (self references) or never (the merge history itself).
SKIPPED = {("members.Customer", "referrer"), ("members.Customer", "merged_into")}
SKIPPED_MODELS = {"members.CustomerMerge"}


def _relations() -> list[models.ForeignKey]:
    """Every foreign key (and one-to-one) to Customer, hidden ones (related_name="+") included."""
    fields: list[models.ForeignKey] = []
    for rel in Customer._meta.get_fields(include_hidden=True):
        if not isinstance(rel, models.ForeignObjectRel) or rel.many_to_many:
            continue  # an M2M's own through model is listed as a one-to-many relation as well
        field = rel.field
        if not isinstance(field, models.ForeignKey):
            continue
        model = field.model
        if model._meta.abstract or model._meta.proxy or not model._meta.managed:
            continue
        if model._meta.label in SKIPPED_MODELS or (model._meta.label, field.name) in SKIPPED:
            continue
        fields.append(field)
    return sorted(fields, key=lambda f: (f.model._meta.label, f.name))


def _unique_sets(field: models.ForeignKey) -> list[tuple[list[str], Q | None, str]]:
    """The unique rules of ``field``'s model that include it: (fields, condition, name)."""
    opts = field.model._meta
    found: list[tuple[list[str], Q | None, str]] = []
    if field.unique:
        found.append(([field.name], None, f"{field.name} unique"))
    for constraint in opts.constraints:
        if isinstance(constraint, models.UniqueConstraint) and constraint.fields:
            names = [opts.get_field(n).name for n in constraint.fields]
            if field.name in names:
                found.append((names, constraint.condition, constraint.name))
    for together in opts.unique_together:
        names = [opts.get_field(n).name for n in together]
        if field.name in names:
            found.append((names, None, "unique_together"))
    return found


def _move(field: models.ForeignKey, survivor: Customer, merged: Customer, report: dict[str, Any]) -> None:
    model = field.model
    label = model._meta.label
    manager = model._base_manager
    rows = manager.filter(**{field.name: merged.pk})
    for names, condition, constraint in _unique_sets(field):
        others = [n for n in names if n != field.name]
        theirs = manager.filter(**{field.name: survivor.pk})
        mine = rows
        if condition is not None:
            theirs, mine = theirs.filter(condition), mine.filter(condition)
        collide = theirs.filter(**{o: OuterRef(o) for o in others})
        conflicting = mine.filter(Exists(collide))
        if not conflicting.exists():
            continue
        resolver = RESOLVERS.get((label, field.name))
        if resolver is None and not others:
            # One row per customer (derived state such as the value model's): the survivor's stands.
            n = conflicting.delete()[0]
            report.setdefault("dropped", {})[f"{label}.{field.name}"] = n
            continue
        if resolver is None:
            raise MergeConflict(detail={"table": label, "constraint": constraint})
        report.setdefault("resolved", {})[f"{label}.{constraint}"] = resolver(conflicting, theirs, others)
    moved = rows.update(**{field.name: survivor.pk})
    if moved:
        report["moved"][f"{label}.{field.name}"] = moved


def _fill_profile(survivor: Customer, merged: Customer) -> list[str]:
    """The survivor keeps what it has and takes what only the merged customer knew."""
    changed: list[str] = []

    def take(name: str, empty: Any) -> None:
        if getattr(survivor, name) in (empty, None) and getattr(merged, name) not in (empty, None):
            setattr(survivor, name, getattr(merged, name))
            changed.append(name)

    for name in ("nickname", "avatar_url", "province", "city", "district"):
        take(name, "")
    take("gender", Gender.UNKNOWN)
    take("birthday", None)
    if survivor.quiet_hours_start is None and merged.quiet_hours_start is not None:
        survivor.quiet_hours_start, survivor.quiet_hours_end = (
            merged.quiet_hours_start,
            merged.quiet_hours_end,
        )
        changed += ["quiet_hours_start", "quiet_hours_end"]
    if merged.registered_at < survivor.registered_at:
        survivor.registered_at = merged.registered_at
        changed.append("registered_at")
    if survivor.referrer_id is None and merged.referrer_id not in (None, survivor.pk):
        survivor.referrer_id = merged.referrer_id
        changed.append("referrer")
    if merged.is_blocked and not survivor.is_blocked:
        survivor.is_blocked = True  # a block is a decision about the person, whichever account it hit
        changed.append("is_blocked")
    first_known = survivor.first_touch_source != Source.UNKNOWN
    if merged.first_touch_source != Source.UNKNOWN and (
        not first_known
        or (
            merged.first_touch_at
            and survivor.first_touch_at
            and merged.first_touch_at < survivor.first_touch_at
        )
    ):
        survivor.first_touch_source = merged.first_touch_source
        survivor.first_touch_campaign = merged.first_touch_campaign
        survivor.first_touch_at = merged.first_touch_at
        changed += ["first_touch_source", "first_touch_campaign", "first_touch_at"]
    if merged.last_touch_at and (not survivor.last_touch_at or merged.last_touch_at > survivor.last_touch_at):
        survivor.last_touch_source = merged.last_touch_source
        survivor.last_touch_campaign = merged.last_touch_campaign
        survivor.last_touch_at = merged.last_touch_at
        changed += ["last_touch_source", "last_touch_campaign", "last_touch_at"]
    return changed


def merge_customers(
    *, survivor: Customer, merged: Customer, reason: str, staff: Staff | None = None
) -> CustomerMerge:
    """Make ``merged`` part of ``survivor``: move every row, keep the history, audit it.

    Refused (nothing changes) for customers of two merchants, the same customer, a customer merged
    before, or a unique conflict no rule resolves.
    """
    if survivor.merchant_id != merged.merchant_id or survivor.pk == merged.pk:
        raise MergeRefused(detail={"survivor_id": survivor.pk, "merged_id": merged.pk})
    with transaction.atomic():
        # Both rows locked in id order, as every merge takes them: two merges cannot deadlock.
        locked = {
            c.pk: c
            for c in Customer.objects.select_for_update()
            .filter(pk__in=[survivor.pk, merged.pk], merchant_id=survivor.merchant_id)
            .order_by("pk")
        }
        survivor, merged = locked[survivor.pk], locked[merged.pk]
        if survivor.merged_into_id or merged.merged_into_id:
            raise MergeRefused(detail={"survivor_id": survivor.pk, "merged_id": merged.pk})
        report: dict[str, Any] = {"moved": {}}
        for field in _relations():
            _move(field, survivor, merged, report)
        referred = Customer.objects.filter(referrer_id=merged.pk).exclude(pk=survivor.pk)
        report["moved"]["members.Customer.referrer"] = referred.update(referrer_id=survivor.pk)
        Customer.objects.filter(merged_into_id=merged.pk).update(merged_into_id=survivor.pk)
        changed = _fill_profile(survivor, merged)
        if survivor.referrer_id == merged.pk:
            survivor.referrer_id = None
            changed.append("referrer")
        phone = merged.phone
        merged.merged_into = survivor
        merged.phone = None  # unique per merchant: free it before the survivor may take it
        merged.save(update_fields=["merged_into", "phone"])
        if survivor.phone is None and phone:
            survivor.phone = phone
            changed.append("phone")
        if changed:
            survivor.save(update_fields=sorted(set(changed)))
        report["moved"] = {k: v for k, v in report["moved"].items() if v}
        merge = CustomerMerge.objects.create(
            merchant_id=survivor.merchant_id,
            survivor=survivor,
            merged=merged,
            reason=reason[:32],
            moved=report,
            merged_at=timezone.now(),
        )
        record_audit(
            staff=staff,
            merchant=survivor.merchant,
            action="customer.merge",
            obj=survivor,
            before={"merged_id": merged.pk},
            after={"reason": reason, **report, "profile": sorted(set(changed))},
        )
        # The survivor's computed state (value models, automatic tags) now reads both histories.
        event_hooks.customers_merged(merge)
    log.info("customer %s merged into %s (%s)", merged.pk, survivor.pk, reason)
    return merge


def older_first(a: Customer, b: Customer) -> tuple[Customer, Customer]:
    """(survivor, merged): the customer registered first survives."""
    return (a, b) if (a.registered_at, a.pk) <= (b.registered_at, b.pk) else (b, a)
