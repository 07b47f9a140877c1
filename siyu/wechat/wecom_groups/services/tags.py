"""Siyu tags <-> WeCom corp tags (企业客户标签), both ways, without echoes.

Definitions: the tags staff choose are pushed into one corp tag group, "Siyu" (add_corp_tag,
edit_corp_tag on a rename, del_corp_tag when unchosen); corp tags made in WeCom come into Siyu as tags
of the group "企业微信标签". ``sync_corp_tags`` does both from one get_corp_tag_list snapshot.

Carriers: what each contact carries is merged three ways per (contact, follow user), with the
``WeComTagState`` row as the common base B (the mapped corp tags WeCom had at the last sync):

- push (``push_contact_tags``): Siyu's set S against B; mark_tag adds S - B and removes B - S, then B = S;
- pull (``apply_contact_tags``, from externalcontact/get): WeCom's set W against B; Siyu gains W - B
  and loses B - W (source "wecom"), then B = W.

A change either side made shows up as a difference from B on that side only, so a push's echo (the
edit_external_contact callback that follows our own mark_tag) pulls W = S = B: nothing moves, nothing
bounces. A change made in Siyu while WeCom changed another tag survives the pull and is pushed next.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.utils import timezone

from siyu.audience.models import CustomerTag, Tag, TagGroup, TagGroupKind, TagRule, TagSource
from siyu.members.models import Customer, CustomerIdentity
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import record_audit, require
from siyu.wechat.accounts import require_account
from siyu.wechat.errors import WeChatApiError, WeChatRetryable
from siyu.wechat.models import AccountKind
from siyu.wechat.wecom_groups import api
from siyu.wechat.wecom_groups.errors import TagNotSyncable
from siyu.wechat.wecom_groups.models import SIYU_GROUP_NAME, TagOrigin, WeComTagMapping, WeComTagState
from siyu.wechat.wecom_groups.people import WECOM_EXTERNAL_USERID, customers_by_external_userid

log = logging.getLogger(__name__)

PULLED_GROUP_NAME = "企业微信标签"  # the Siyu tag group holding corp tags made in WeCom
CORP_NAME_MAX = 30  # WeCom's longest corp tag name
PUSH_BATCH = 200  # mark_tag calls in one run: WeCom allows about this many a minute per corp


def corp_name(name: str) -> str:
    return name.strip()[:CORP_NAME_MAX]


# ---- which tags sync ---------------------------------------------------------------------------------


@transaction.atomic
def choose_synced_tags(*, staff: Staff, tag_ids: list[int]) -> dict[str, int]:
    """Make ``tag_ids`` exactly the Siyu tags pushed to WeCom; the next sync creates and deletes the
    corp tags. Tags that came from WeCom stay synced whatever is chosen.

    ``merchant.edit``: the corp tags are every employee's in WeCom, so this is shop configuration.
    """
    require(staff, Perm.MERCHANT_EDIT)
    merchant_id = staff.merchant_id
    wanted = set(tag_ids)
    found = set(Tag.objects.for_merchant(merchant_id).filter(pk__in=wanted).values_list("pk", flat=True))
    if wanted - found:
        raise TagNotSyncable(detail={"tag_ids": sorted(wanted - found)})
    mappings = {
        m.tag_id: m
        for m in WeComTagMapping.objects.for_merchant(merchant_id).select_for_update().order_by("pk")
    }
    added = dropped = 0
    for tag_id in sorted(wanted):
        mapping = mappings.get(tag_id)
        if mapping is None:
            WeComTagMapping.objects.create(merchant_id=merchant_id, tag_id=tag_id, origin=TagOrigin.SIYU)
            added += 1
        elif not mapping.is_active:
            mapping.is_active = True
            mapping.save(update_fields=["is_active"])
            added += 1
    for tag_id, mapping in mappings.items():
        if tag_id in wanted or mapping.origin != TagOrigin.SIYU or not mapping.is_active:
            continue
        dropped += 1
        if mapping.corp_tag_id:
            mapping.is_active = False  # the sync deletes the corp tag, then this row
            mapping.save(update_fields=["is_active"])
        else:
            mapping.delete()
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="wecom.tags_chosen",
        obj=staff.merchant,
        after={"tag_ids": sorted(wanted), "added": added, "dropped": dropped},
    )
    return {"added": added, "dropped": dropped}


# ---- definitions ------------------------------------------------------------------------------------


def _pulled_group(merchant_id: int) -> TagGroup:
    group, _ = TagGroup.objects.get_or_create(
        merchant_id=merchant_id,
        name=PULLED_GROUP_NAME,
        defaults={"kind": TagGroupKind.MANUAL, "sort_order": 90},
    )
    return group


def _free_tag_name(group: TagGroup, name: str, corp_group_name: str) -> str:
    taken = set(Tag.objects.filter(group=group).values_list("name", flat=True))
    for candidate in (name[:32], f"{corp_group_name}·{name}"[:32]):
        if candidate and candidate not in taken:
            return candidate
    n = 2
    while f"{name[:28]}#{n}" in taken:
        n += 1
    return f"{name[:28]}#{n}"


@transaction.atomic
def _pull_tag(merchant_id: int, group: dict[str, Any], tag: dict[str, Any]) -> None:
    """A corp tag made in WeCom becomes a Siyu tag (unless a racing sync mapped it first)."""
    if WeComTagMapping.objects.for_merchant(merchant_id).filter(corp_tag_id=tag["id"]).exists():
        return
    siyu_group = _pulled_group(merchant_id)
    name = _free_tag_name(siyu_group, str(tag.get("name") or tag["id"]), str(group.get("group_name") or ""))
    created = Tag.objects.create(merchant_id=merchant_id, group=siyu_group, name=name)
    WeComTagMapping.objects.create(
        merchant_id=merchant_id,
        tag=created,
        origin=TagOrigin.WECOM,
        corp_tag_id=tag["id"],
        corp_group_id=str(group.get("group_id") or ""),
        corp_group_name=str(group.get("group_name") or "")[:64],
        corp_name=str(tag.get("name") or "")[:64],
    )


def _set_ids(mapping: WeComTagMapping, **values: str) -> None:
    for key, value in values.items():
        setattr(mapping, key, value)
    mapping.save(update_fields=list(values))


def sync_corp_tags(*, merchant_id: int) -> dict[str, int]:
    """Bring the corp tags and Siyu's mapped tags together from one get_corp_tag_list snapshot.

    Order: delete the unchosen (del_corp_tag), forget mappings whose corp tag is gone, adopt or create
    the chosen (add_corp_tag into "Siyu"), push Siyu renames (edit_corp_tag), take WeCom renames of
    pulled tags, pull new corp tags. Each WeCom call is followed by its own small transaction, so a
    failure half way leaves a state the next run continues from. Idempotent: a second run with
    nothing changed calls only get_corp_tag_list.
    """
    account = require_account(merchant_id, AccountKind.WECOM)
    groups = api.corp_tag_groups(account)
    remote: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
        str(t["id"]): (g, t)
        for g in groups
        if not g.get("deleted")
        for t in g.get("tag") or []
        if not t.get("deleted")
    }
    counts = dict.fromkeys(("created", "deleted", "renamed", "pulled", "forgotten"), 0)
    mappings = list(WeComTagMapping.objects.for_merchant(merchant_id).select_related("tag").order_by("pk"))

    retired = [m for m in mappings if not m.is_active]
    if gone := [m.corp_tag_id for m in retired if m.corp_tag_id in remote]:
        api.del_corp_tags(account, tag_ids=gone)
        counts["deleted"] = len(gone)
    WeComTagMapping.objects.filter(pk__in=[m.pk for m in retired]).delete()
    mappings = [m for m in mappings if m.is_active]

    for m in mappings:
        if m.corp_tag_id and m.corp_tag_id not in remote:
            counts["forgotten"] += 1
            if m.origin == TagOrigin.WECOM:
                m.delete()  # deleted in WeCom: the Siyu tag stays, with its carriers, unsynced
                m.pk = None
            else:
                _set_ids(m, corp_tag_id="", corp_group_id="", corp_name="")  # Siyu's: made again below
    mappings = [m for m in mappings if m.pk is not None]

    siyu_group = next(
        (g for g in groups if g.get("group_name") == SIYU_GROUP_NAME and not g.get("deleted")), None
    )
    by_name = {t["name"]: t for t in (siyu_group or {}).get("tag") or [] if not t.get("deleted")}
    mapped_ids = {m.corp_tag_id for m in mappings if m.corp_tag_id}
    pending = [m for m in mappings if not m.corp_tag_id]
    for m in list(pending):
        existing = by_name.get(corp_name(m.tag.name))
        if existing is not None and existing["id"] not in mapped_ids:
            assert siyu_group is not None
            _set_ids(
                m,
                corp_tag_id=existing["id"],
                corp_group_id=siyu_group["group_id"],
                corp_name=existing["name"],
            )
            mapped_ids.add(existing["id"])
            pending.remove(m)
    if pending:
        made = api.add_corp_tags(
            account, group_name=SIYU_GROUP_NAME, names=[corp_name(m.tag.name) for m in pending]
        )
        ids = {t["name"]: t["id"] for t in made.get("tag") or []}
        for m in pending:
            tag_id = ids.get(corp_name(m.tag.name))
            if tag_id:
                _set_ids(
                    m, corp_tag_id=tag_id, corp_group_id=made["group_id"], corp_name=corp_name(m.tag.name)
                )
                mapped_ids.add(tag_id)
                counts["created"] += 1

    for m in mappings:
        if not m.corp_tag_id or m.corp_tag_id not in remote:
            continue
        _group, corp = remote[m.corp_tag_id]
        if m.origin == TagOrigin.SIYU and corp["name"] != corp_name(m.tag.name):
            api.edit_corp_tag(account, tag_id=m.corp_tag_id, name=corp_name(m.tag.name))
            _set_ids(m, corp_name=corp_name(m.tag.name))
            counts["renamed"] += 1
        elif m.origin == TagOrigin.WECOM and corp["name"] != m.corp_name:
            _take_rename(m, corp["name"])
            counts["renamed"] += 1

    for corp_id, (group, corp) in remote.items():
        if corp_id not in mapped_ids and group.get("group_name") != SIYU_GROUP_NAME:
            _pull_tag(merchant_id, group, corp)
            counts["pulled"] += 1
    return counts


@transaction.atomic
def _take_rename(mapping: WeComTagMapping, name: str) -> None:
    tag = Tag.objects.select_for_update().get(pk=mapping.tag_id)
    new = _free_tag_name(tag.group, name, mapping.corp_group_name) if name[:32] != tag.name else tag.name
    if new != tag.name:
        tag.name = new
        tag.save(update_fields=["name"])
    _set_ids(mapping, corp_name=name[:64])


# ---- carriers -----------------------------------------------------------------------------------------


def _mapped(merchant_id: int) -> dict[str, int]:
    """``{corp_tag_id: tag_id}`` of the active mappings that exist in WeCom."""
    rows = (
        WeComTagMapping.objects.for_merchant(merchant_id)
        .filter(is_active=True)
        .exclude(corp_tag_id="")
        .values_list("corp_tag_id", "tag_id")
    )
    return dict(rows)


@transaction.atomic
def apply_contact_tags(
    *, merchant_id: int, external_userid: str, follow_users: list[dict[str, Any]]
) -> dict[str, int]:
    """Pull what one contact carries in WeCom (externalcontact/get's ``follow_user`` list) into Siyu.

    Only WeCom's changes since the base move Siyu's tags (see the module docstring); tags kept by an
    automatic rule are the rule's and are left alone. Returns ``{"added": n, "removed": n}``.
    """
    mapped = _mapped(merchant_id)
    customer_id = customers_by_external_userid(merchant_id, [external_userid]).get(external_userid)
    if customer_id is not None:
        # Pulls of one customer (two follow users' callbacks, a callback and the push's lookup) take
        # turns: the second compares with the base the first wrote, so a change is applied once.
        Customer.objects.select_for_update().filter(pk=customer_id).first()
    states = {
        s.follow_userid: s
        for s in WeComTagState.objects.for_merchant(merchant_id)
        .filter(external_userid=external_userid)
        .select_for_update()
        .order_by("pk")
    }
    now = timezone.now()
    gained: set[str] = set()
    lost: set[str] = set()
    seen = set()
    for follow in follow_users:
        userid = str(follow.get("userid") or "")
        if not userid:
            continue
        seen.add(userid)
        carried = {
            str(t.get("tag_id")) for t in follow.get("tags") or [] if int(t.get("type") or 1) == 1
        } & set(mapped)
        state = states.get(userid)
        base = set(state.corp_tag_ids) & set(mapped) if state else set()
        gained |= carried - base
        lost |= base - carried
        if state is None:  # get_or_create: an unknown contact's pulls are not serialised by a customer
            WeComTagState.objects.get_or_create(
                merchant_id=merchant_id, external_userid=external_userid, follow_userid=userid,
                defaults={"customer_id": customer_id, "corp_tag_ids": sorted(carried), "synced_at": now},
            )  # fmt: skip
        else:
            state.corp_tag_ids, state.customer_id, state.synced_at = sorted(carried), customer_id, now
            state.save(update_fields=["corp_tag_ids", "customer", "synced_at"])
    # A follow user who no longer has the contact (deleted it, left the corp) keeps no base.
    WeComTagState.objects.filter(pk__in=[s.pk for u, s in states.items() if u not in seen]).delete()
    if customer_id is None:
        return {"added": 0, "removed": 0}
    ruled = set(TagRule.objects.filter(tag_id__in=mapped.values()).values_list("tag_id", flat=True))
    add = {mapped[c] for c in gained - lost} - ruled
    remove = {mapped[c] for c in lost - gained} - ruled
    have = set(
        CustomerTag.objects.filter(customer_id=customer_id, tag_id__in=add).values_list("tag_id", flat=True)
    )
    CustomerTag.objects.bulk_create(
        [
            CustomerTag(
                merchant_id=merchant_id,
                customer_id=customer_id,
                tag_id=t,
                source=TagSource.WECOM,
                tagged_at=now,
            )
            for t in sorted(add - have)
        ],
        ignore_conflicts=True,
    )
    removed, _ = CustomerTag.objects.filter(customer_id=customer_id, tag_id__in=remove).delete()
    return {"added": len(add - have), "removed": removed}


def pull_contact_tags(*, merchant_id: int, external_userid: str) -> dict[str, int]:
    """Fetch one contact from WeCom (externalcontact/get) and pull its tags: the edit_external_contact
    callback's work, and the first look at a contact the push has no base for yet."""
    account = require_account(merchant_id, AccountKind.WECOM)
    contact = api.external_contact(account, external_userid)
    return apply_contact_tags(
        merchant_id=merchant_id, external_userid=external_userid, follow_users=contact["follow_user"]
    )


def push_contact_tags(*, merchant_id: int, limit: int = PUSH_BATCH) -> dict[str, int]:
    """Push Siyu's tag changes to WeCom with mark_tag, at most ``limit`` calls, then stop.

    Contacts Siyu knows (a wecom_external_userid identity) but has no base for are looked up first
    (externalcontact/get, then pulled). Idempotent: a run that dies between mark_tag and saving the
    base sends the same mark_tag again next time, which WeCom takes as a no-op. A rate limit
    (``WeChatRetryable``: 45009 ...) ends the run with ``retry_later``; the next run continues.
    """
    account = require_account(merchant_id, AccountKind.WECOM)
    counts = dict.fromkeys(("looked_up", "marked", "failed", "retry_later"), 0)
    calls = 0
    mapped = _mapped(merchant_id)
    if not mapped:
        return counts
    known = WeComTagState.objects.for_merchant(merchant_id).values("external_userid")
    new = (
        CustomerIdentity.objects.filter(merchant_id=merchant_id, kind=WECOM_EXTERNAL_USERID)
        .exclude(value__in=known)
        .order_by("pk")
        .values_list("value", flat=True)
    )
    try:
        for external_userid in list(new[:limit]):
            calls += 1
            try:
                pull_contact_tags(merchant_id=merchant_id, external_userid=external_userid)
                counts["looked_up"] += 1
            except WeChatRetryable:
                raise
            except WeChatApiError as exc:  # a contact WeCom no longer has: logged, left for staff to see
                log.warning("wecom: externalcontact/get %s failed: %s", external_userid, exc)
                counts["failed"] += 1
        by_customer = _siyu_sets(merchant_id, mapped)
        states = WeComTagState.objects.for_merchant(merchant_id).filter(customer__isnull=False).order_by("pk")
        for state in states.iterator():
            if calls >= limit:
                break
            wanted = by_customer.get(state.customer_id or 0, set())
            base = set(state.corp_tag_ids) & set(mapped)
            if wanted == base:
                continue
            calls += 1
            try:
                api.mark_tag(
                    account, userid=state.follow_userid, external_userid=state.external_userid,
                    add=sorted(wanted - base), remove=sorted(base - wanted),
                )  # fmt: skip
            except WeChatRetryable:
                raise
            except WeChatApiError as exc:
                log.warning(
                    "wecom: mark_tag %s/%s failed: %s", state.follow_userid, state.external_userid, exc
                )
                counts["failed"] += 1
                continue
            _save_base(state, sorted(wanted))
            counts["marked"] += 1
    except WeChatRetryable as exc:
        log.info("wecom: tag push paused by a retryable error (%s); the next run continues", exc)
        counts["retry_later"] = 1
    return counts


def _siyu_sets(merchant_id: int, mapped: dict[str, int]) -> dict[int, set[str]]:
    """``{customer_id: corp tag ids}`` Siyu says each customer should carry in WeCom."""
    corp_of = {tag_id: corp_id for corp_id, tag_id in mapped.items()}
    out: dict[int, set[str]] = defaultdict(set)
    rows = CustomerTag.objects.filter(merchant_id=merchant_id, tag_id__in=list(corp_of)).values_list(
        "customer_id", "tag_id"
    )
    for customer_id, tag_id in rows:
        out[customer_id].add(corp_of[tag_id])
    return out


@transaction.atomic
def _save_base(state: WeComTagState, corp_tag_ids: list[str]) -> None:
    # A pull that ran meanwhile moved the base: keep its answer, the next run compares again.
    row = WeComTagState.objects.select_for_update().filter(pk=state.pk).first()
    if row is not None and row.corp_tag_ids == state.corp_tag_ids:
        row.corp_tag_ids, row.synced_at = corp_tag_ids, timezone.now()
        row.save(update_fields=["corp_tag_ids", "synced_at"])
