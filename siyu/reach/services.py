"""The reach engine's use cases: templates, channel settings, the fatigue policy, broadcasts, single
sends, subscription grants, unsubscribes and provider receipts.

Staff-facing functions ask for ``reach.send`` and write an audit row in their transaction. The
engine's moving parts live beside this module: ``planning.py`` (a broadcast's recipients, set-based),
``budget.py`` (the fatigue budget and the claim), ``dispatch.py`` (leases, sends, recovery),
``links.py`` (tracked links) and ``render.py`` (template text). docs/reach.md tells the whole story.
"""

from __future__ import annotations

import contextlib
import secrets as secrets_module
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from siyu.core.errors import InvalidInput, InvalidTransition, NotFound
from siyu.core.statemachine import StateMachine
from siyu.members.models import Channel, Customer
from siyu.reach import render
from siyu.reach.channels import adapters
from siyu.reach.errors import (
    BroadcastNotEditable,
    BroadcastNotFound,
    InvalidBroadcast,
    InvalidTemplate,
    MessageNotFound,
    TemplateNotFound,
)
from siyu.reach.models import (
    Broadcast,
    BroadcastChannel,
    BroadcastStatus,
    ChannelSetting,
    FatiguePolicy,
    Message,
    MessageStatus,
    MessageTemplate,
    OverBudget,
    SendTime,
    SubscriptionGrant,
    TemplateStatus,
)
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import record_audit, require, snapshot

BROADCASTS = StateMachine(
    {
        BroadcastStatus.DRAFT: {
            BroadcastStatus.SCHEDULED,
            BroadcastStatus.SENDING,
            BroadcastStatus.CANCELLED,
        },
        BroadcastStatus.SCHEDULED: {
            BroadcastStatus.SENDING,
            BroadcastStatus.PAUSED,
            BroadcastStatus.CANCELLED,
        },
        BroadcastStatus.SENDING: {BroadcastStatus.PAUSED, BroadcastStatus.CANCELLED, BroadcastStatus.DONE},
        BroadcastStatus.PAUSED: {
            BroadcastStatus.SCHEDULED,
            BroadcastStatus.SENDING,
            BroadcastStatus.CANCELLED,
        },
    }
)

TEMPLATE_FIELDS = ["name", "channel", "external_id", "fields", "page", "link_url", "status"]
SETTING_FIELDS = ["channel", "enabled", "rate_per_minute", "concurrency", "daily_cap", "weekly_cap", "config"]
POLICY_FIELDS = ["daily_cap", "weekly_cap", "default_hour", "tighten_for_tolerance"]
BROADCAST_FIELDS = [
    "name",
    "segment_id",
    "send_time",
    "send_at",
    "window_days",
    "over_budget",
    "priority",
    "holdout_bp",
    "coupon_template_id",
    "status",
]
GRANT_RESULTS = ("accept", "reject", "ban", "filter")


# ---- lookups -----------------------------------------------------------------------------------------


def get_template(*, merchant_id: int, template_id: int, lock: bool = False) -> MessageTemplate:
    qs = MessageTemplate.objects.for_merchant(merchant_id).filter(pk=template_id)
    row = (qs.select_for_update() if lock else qs).first()
    if row is None:
        raise TemplateNotFound(detail={"template_id": template_id})
    return row


def get_broadcast(*, merchant_id: int, broadcast_id: int, lock: bool = False) -> Broadcast:
    qs = Broadcast.objects.for_merchant(merchant_id).filter(pk=broadcast_id)
    row = (qs.select_for_update() if lock else qs).first()
    if row is None:
        raise BroadcastNotFound(detail={"broadcast_id": broadcast_id})
    return row


def get_message(*, merchant_id: int, message_id: int) -> Message:
    row = Message.objects.for_merchant(merchant_id).filter(pk=message_id).first()
    if row is None:
        raise MessageNotFound(detail={"message_id": message_id})
    return row


def fatigue_policy(merchant_id: int) -> FatiguePolicy:
    """The merchant's policy (the defaults, unsaved, when it never set one)."""
    policy = FatiguePolicy.objects.filter(merchant_id=merchant_id).first()
    return policy or FatiguePolicy(merchant_id=merchant_id)


# ---- templates ---------------------------------------------------------------------------------------


def _check_template(template: MessageTemplate) -> None:
    if template.channel not in Channel.values:
        raise InvalidTemplate(detail={"field": "channel", "channel": template.channel})
    if not template.name.strip():
        raise InvalidTemplate(detail={"field": "name"})
    if not isinstance(template.fields, dict):
        raise InvalidTemplate(detail={"field": "fields"})
    render.check_variables(template.fields, field="fields")
    render.check_variables(template.page, field="page")
    if "link" in render.variables_in(template.fields) and not (template.link_url or template.page):
        raise InvalidTemplate(detail={"field": "link_url", "reason": "link_needs_target"})
    adapter = adapters().get(template.channel)
    if adapter is not None:
        adapter.validate(template)


@transaction.atomic
def save_template(
    *,
    staff: Staff,
    template_id: int | None = None,
    name: str,
    channel: str,
    external_id: str = "",
    fields: dict[str, Any] | None = None,
    page: str = "",
    link_url: str = "",
) -> MessageTemplate:
    """Create a template, or edit one (``template_id``); refused when its channel's rules are broken."""
    require(staff, Perm.REACH_SEND)
    if template_id is None:
        template = MessageTemplate(merchant_id=staff.merchant_id)
        before = None
    else:
        template = get_template(merchant_id=staff.merchant_id, template_id=template_id, lock=True)
        before = snapshot(template, TEMPLATE_FIELDS)
    template.name = name.strip()
    template.channel = channel
    template.external_id = external_id.strip()
    template.fields = fields if fields is not None else {}
    template.page = page.strip()
    template.link_url = link_url.strip()
    _check_template(template)
    if (
        MessageTemplate.objects.for_merchant(staff.merchant_id)
        .filter(name=template.name)
        .exclude(pk=template.pk)
        .exists()
    ):
        raise InvalidTemplate(detail={"field": "name", "reason": "taken"})
    template.save()
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="reach.template.create" if before is None else "reach.template.update",
        obj=template,
        before=before,
        after=snapshot(template, TEMPLATE_FIELDS),
    )
    return template


@transaction.atomic
def archive_template(*, staff: Staff, template_id: int) -> MessageTemplate:
    """Retire a template: broadcasts already using it keep it; new ones cannot pick it."""
    require(staff, Perm.REACH_SEND)
    template = get_template(merchant_id=staff.merchant_id, template_id=template_id, lock=True)
    if template.status != TemplateStatus.ARCHIVED:
        before = snapshot(template, TEMPLATE_FIELDS)
        template.status = TemplateStatus.ARCHIVED
        template.save(update_fields=["status", "updated_at"])
        record_audit(
            staff=staff,
            merchant=staff.merchant,
            action="reach.template.archive",
            obj=template,
            before=before,
            after=snapshot(template, TEMPLATE_FIELDS),
        )
    return template


def preview_template(*, staff: Staff, template_id: int, customer_id: int) -> dict[str, Any]:
    """What ``template`` would send to a real customer: the rendered fields and, where the channel
    is installed, the provider's request. Writes nothing (the link shown is a placeholder)."""
    require(staff, Perm.REACH_VIEW)
    template = get_template(merchant_id=staff.merchant_id, template_id=template_id)
    customer = Customer.objects.for_merchant(staff.merchant_id).filter(pk=customer_id).first()
    if customer is None:
        raise NotFound(detail={"customer_id": customer_id})
    context = {
        **render.SAMPLE,
        "customer.nickname": customer.nickname,
        "merchant.name": staff.merchant.name,
        "link": render.SAMPLE["link"],
    }
    fields = render.render_fields(template.fields, context)
    out: dict[str, Any] = {
        "template_id": template.pk,
        "customer_id": customer.pk,
        "channel": template.channel,
        "fields": fields,
        "page": render.render_text(template.page, context),
        "request": None,
    }
    adapter = adapters().get(template.channel)
    if adapter is not None:
        message = Message(
            merchant_id=staff.merchant_id, customer=customer, template=template, channel=template.channel
        )
        with contextlib.suppress(NotImplementedError):
            out["request"] = adapter.render(template, context, message)
    return out


# ---- channel settings and the fatigue policy ---------------------------------------------------------


@transaction.atomic
def save_channel_setting(
    *,
    staff: Staff,
    channel: str,
    enabled: bool,
    rate_per_minute: int = 600,
    concurrency: int = 2,
    daily_cap: int | None = None,
    weekly_cap: int | None = None,
    config: dict[str, Any] | None = None,
    secrets: dict[str, str] | None = None,
) -> ChannelSetting:
    """Turn a channel on or off and set its throttle, caps and provider set-up.

    ``secrets`` replace the stored ones key by key; an empty value keeps the stored one.
    """
    require(staff, Perm.REACH_SEND)
    if channel not in Channel.values:
        raise InvalidInput(detail={"channel": channel})
    if rate_per_minute < 1 or not 1 <= concurrency <= 32:
        raise InvalidInput(detail={"field": "rate_per_minute" if rate_per_minute < 1 else "concurrency"})
    if daily_cap is not None and weekly_cap is not None and weekly_cap < daily_cap:
        raise InvalidInput(detail={"field": "weekly_cap", "reason": "below_daily_cap"})
    setting = (
        ChannelSetting.objects.select_for_update()
        .filter(merchant_id=staff.merchant_id, channel=channel)
        .first()
    )
    before = snapshot(setting, SETTING_FIELDS) if setting else None
    if setting is None:
        setting = ChannelSetting(merchant_id=staff.merchant_id, channel=channel)
    setting.enabled = enabled
    setting.rate_per_minute = rate_per_minute
    setting.concurrency = concurrency
    setting.daily_cap = daily_cap
    setting.weekly_cap = weekly_cap
    if config is not None:
        setting.config = config
    kept = setting.secrets() if setting.sealed_secrets else {}
    if secrets:
        kept.update({k: v for k, v in secrets.items() if v})
    if channel == Channel.SMS and not kept.get("callback_token"):
        # The SMS provider's callbacks carry no signature: their URLs hold this token instead.
        kept["callback_token"] = secrets_module.token_urlsafe(24)
    setting.set_secrets(kept)
    setting.save()
    after = snapshot(setting, SETTING_FIELDS)
    if secrets:
        after["secrets_changed"] = sorted(k for k, v in secrets.items() if v)
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="reach.channel.save",
        obj=setting,
        before=before,
        after=after,
    )
    return setting


@transaction.atomic
def save_fatigue_policy(
    *,
    staff: Staff,
    daily_cap: int,
    weekly_cap: int,
    default_hour: int = 20,
    tighten_for_tolerance: bool = True,
) -> FatiguePolicy:
    """Set the merchant's cross-channel caps per customer and the default contact hour."""
    require(staff, Perm.REACH_SEND)
    if daily_cap < 1 or weekly_cap < daily_cap:
        raise InvalidInput(detail={"field": "daily_cap" if daily_cap < 1 else "weekly_cap"})
    if not 0 <= default_hour <= 23:
        raise InvalidInput(detail={"field": "default_hour"})
    policy = FatiguePolicy.objects.select_for_update().filter(merchant_id=staff.merchant_id).first()
    before = snapshot(policy, POLICY_FIELDS) if policy else None
    policy = policy or FatiguePolicy(merchant_id=staff.merchant_id)
    policy.daily_cap = daily_cap
    policy.weekly_cap = weekly_cap
    policy.default_hour = default_hour
    policy.tighten_for_tolerance = tighten_for_tolerance
    policy.save()
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="reach.policy.save",
        obj=policy,
        before=before,
        after=snapshot(policy, POLICY_FIELDS),
    )
    return policy


# ---- broadcasts --------------------------------------------------------------------------------------


def _check_broadcast(broadcast: Broadcast, template_ids: list[int]) -> list[MessageTemplate]:
    from siyu.audience.models import Segment
    from siyu.promotions.models import CouponTemplate

    m = broadcast.merchant_id
    if not broadcast.name.strip():
        raise InvalidBroadcast(detail={"field": "name"})
    if not Segment.objects.for_merchant(m).filter(pk=broadcast.segment_id).exists():
        raise NotFound(detail={"segment_id": broadcast.segment_id})
    if not template_ids or len(set(template_ids)) != len(template_ids):
        raise InvalidBroadcast(detail={"field": "template_ids"})
    found = {t.pk: t for t in MessageTemplate.objects.for_merchant(m).filter(pk__in=template_ids)}
    for tid in template_ids:
        if tid not in found:
            raise TemplateNotFound(detail={"template_id": tid})
        if found[tid].status != TemplateStatus.ACTIVE:
            raise InvalidBroadcast(detail={"field": "template_ids", "archived": tid})
    if len({found[t].channel for t in template_ids}) != len(template_ids):
        raise InvalidBroadcast(detail={"field": "template_ids", "reason": "one_template_per_channel"})
    if broadcast.send_time not in SendTime.values:
        raise InvalidBroadcast(detail={"field": "send_time"})
    if broadcast.send_time == SendTime.AT and broadcast.send_at is None:
        raise InvalidBroadcast(detail={"field": "send_at"})
    if broadcast.send_at is not None and timezone.is_naive(broadcast.send_at):
        raise InvalidBroadcast(detail={"field": "send_at"})
    if broadcast.over_budget not in OverBudget.values:
        raise InvalidBroadcast(detail={"field": "over_budget"})
    if not 1 <= broadcast.window_days <= 14:
        raise InvalidBroadcast(detail={"field": "window_days"})
    if not 0 <= broadcast.holdout_bp <= 5000:
        raise InvalidBroadcast(detail={"field": "holdout_bp"})
    if not -1000 <= broadcast.priority <= 1000:
        raise InvalidBroadcast(detail={"field": "priority"})
    if (
        broadcast.coupon_template_id is not None
        and not CouponTemplate.objects.filter(merchant_id=m, pk=broadcast.coupon_template_id).exists()
    ):
        raise NotFound(detail={"coupon_template_id": broadcast.coupon_template_id})
    return [found[t] for t in template_ids]


def _broadcast_view(broadcast: Broadcast) -> dict[str, Any]:
    view = snapshot(broadcast, BROADCAST_FIELDS)
    view["template_ids"] = list(
        BroadcastChannel.objects.filter(broadcast=broadcast)
        .order_by("position")
        .values_list("template_id", flat=True)
    )
    return view


def _set_channels(broadcast: Broadcast, template_ids: list[int]) -> None:
    BroadcastChannel.objects.filter(broadcast=broadcast).delete()
    BroadcastChannel.objects.bulk_create(
        BroadcastChannel(merchant_id=broadcast.merchant_id, broadcast=broadcast, position=i, template_id=t)
        for i, t in enumerate(template_ids)
    )


@transaction.atomic
def create_broadcast(
    *,
    staff: Staff,
    name: str,
    segment_id: int,
    template_ids: list[int],
    send_time: str = SendTime.NOW,
    send_at: datetime | None = None,
    window_days: int = 1,
    over_budget: str = OverBudget.SKIP,
    priority: int = 50,
    holdout_bp: int = 0,
    coupon_template_id: int | None = None,
) -> Broadcast:
    """A draft broadcast: a segment, templates in channel preference order, when, and its holdout."""
    require(staff, Perm.REACH_SEND)
    broadcast = Broadcast(
        merchant_id=staff.merchant_id,
        name=name.strip(),
        segment_id=segment_id,
        send_time=send_time,
        send_at=send_at,
        window_days=window_days,
        over_budget=over_budget,
        priority=priority,
        holdout_bp=holdout_bp,
        coupon_template_id=coupon_template_id,
        created_by=staff,
    )
    _check_broadcast(broadcast, template_ids)
    broadcast.save()
    _set_channels(broadcast, template_ids)
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="reach.broadcast.create",
        obj=broadcast,
        after=_broadcast_view(broadcast),
    )
    return broadcast


@transaction.atomic
def update_broadcast(*, staff: Staff, broadcast_id: int, **changes: Any) -> Broadcast:
    """Change a draft: any of ``create_broadcast``'s arguments (``template_ids`` replaces the order)."""
    require(staff, Perm.REACH_SEND)
    broadcast = get_broadcast(merchant_id=staff.merchant_id, broadcast_id=broadcast_id, lock=True)
    if broadcast.status != BroadcastStatus.DRAFT:
        raise BroadcastNotEditable(detail={"status": broadcast.status})
    before = _broadcast_view(broadcast)
    template_ids = changes.pop("template_ids", None)
    allowed = set(BROADCAST_FIELDS) - {"status"}
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidInput(detail={"unknown_fields": sorted(unknown)})
    for field, value in changes.items():
        setattr(broadcast, field, value.strip() if field == "name" and isinstance(value, str) else value)
    if template_ids is None:
        template_ids = before["template_ids"]
    _check_broadcast(broadcast, template_ids)
    broadcast.save()
    _set_channels(broadcast, template_ids)
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="reach.broadcast.update",
        obj=broadcast,
        before=before,
        after=_broadcast_view(broadcast),
    )
    return broadcast


@transaction.atomic
def start_broadcast(*, staff: Staff, broadcast_id: int, now: datetime | None = None) -> Broadcast:
    """Freeze the audience and plan every recipient's message (``planning.plan_broadcast``).

    The broadcast is ``sending`` when its first slot is due now, else ``scheduled``; the dispatcher
    sends each message at its slot.
    """
    from siyu.reach.planning import plan_broadcast

    require(staff, Perm.REACH_SEND)
    now = now or timezone.now()
    broadcast = get_broadcast(merchant_id=staff.merchant_id, broadcast_id=broadcast_id, lock=True)
    if broadcast.status != BroadcastStatus.DRAFT:
        raise InvalidTransition(detail={"from": broadcast.status, "to": BroadcastStatus.SCHEDULED})
    templates = list(
        MessageTemplate.objects.filter(
            pk__in=BroadcastChannel.objects.filter(broadcast=broadcast).values("template_id")
        )
    )
    if any(t.status != TemplateStatus.ACTIVE for t in templates):
        raise InvalidBroadcast(detail={"field": "template_ids", "reason": "archived"})
    if broadcast.send_time == SendTime.AT and broadcast.send_at is not None and broadcast.send_at < now:
        raise InvalidBroadcast(detail={"field": "send_at", "reason": "past"})
    if broadcast.send_time != SendTime.AT or broadcast.send_at is None:
        broadcast.send_at = now
    plan_broadcast(broadcast, now)
    status = BroadcastStatus.SENDING if broadcast.send_at <= now else BroadcastStatus.SCHEDULED
    BROADCASTS.advance(
        broadcast,
        status,
        send_at=broadcast.send_at,
        planned_at=now,
        audience_size=broadcast.audience_size,
        holdout_seed=broadcast.holdout_seed,
    )
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="reach.broadcast.start",
        obj=broadcast,
        before={"status": BroadcastStatus.DRAFT},
        after={"status": status, "audience_size": broadcast.audience_size},
    )
    return broadcast


def _set_status(staff: Staff, broadcast_id: int, target: str, action: str) -> Broadcast:
    require(staff, Perm.REACH_SEND)
    broadcast = get_broadcast(merchant_id=staff.merchant_id, broadcast_id=broadcast_id, lock=True)
    before = broadcast.status
    BROADCASTS.advance(broadcast, target)
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action=action,
        obj=broadcast,
        before={"status": before},
        after={"status": target},
    )
    return broadcast


@transaction.atomic
def pause_broadcast(*, staff: Staff, broadcast_id: int) -> Broadcast:
    """Hold a broadcast's queued messages (those being sent finish); resume sends the rest."""
    return _set_status(staff, broadcast_id, BroadcastStatus.PAUSED, "reach.broadcast.pause")


@transaction.atomic
def resume_broadcast(*, staff: Staff, broadcast_id: int, now: datetime | None = None) -> Broadcast:
    """Send a paused broadcast's queued messages again (late slots go out at once)."""
    now = now or timezone.now()
    broadcast = get_broadcast(merchant_id=staff.merchant_id, broadcast_id=broadcast_id)
    target = (
        BroadcastStatus.SENDING
        if broadcast.send_at is None or broadcast.send_at <= now
        else BroadcastStatus.SCHEDULED
    )
    return _set_status(staff, broadcast_id, target, "reach.broadcast.resume")


@transaction.atomic
def cancel_broadcast(*, staff: Staff, broadcast_id: int, now: datetime | None = None) -> Broadcast:
    """Stop a broadcast for good: its queued messages are cancelled; those in flight finish."""
    now = now or timezone.now()
    broadcast = _set_status(staff, broadcast_id, BroadcastStatus.CANCELLED, "reach.broadcast.cancel")
    Message.objects.filter(
        broadcast=broadcast, status__in=[MessageStatus.QUEUED, MessageStatus.PLANNED]
    ).update(status=MessageStatus.CANCELLED, lease_owner="", leased_until=None)
    Broadcast.objects.filter(pk=broadcast.pk).update(finished_at=now)
    broadcast.finished_at = now
    return broadcast


def finish_broadcasts(*, now: datetime | None = None) -> int:
    """Mark sending/scheduled broadcasts done once no message of theirs is queued or in flight."""
    now = now or timezone.now()
    open_ = Message.objects.filter(
        broadcast=OuterRef("pk"),
        status__in=[MessageStatus.QUEUED, MessageStatus.PLANNED, MessageStatus.SENDING],
    )
    return (
        Broadcast.objects.filter(
            status__in=[BroadcastStatus.SENDING, BroadcastStatus.SCHEDULED], planned_at__isnull=False
        )
        .exclude(Exists(open_))
        .update(status=BroadcastStatus.DONE, finished_at=now)
    )


# ---- single sends ------------------------------------------------------------------------------------


def send_message(
    *,
    merchant_id: int,
    customer_id: int,
    template_id: int,
    key: str,
    origin: str,
    origin_id: int | None = None,
    transactional: bool = False,
    priority: int = 50,
    context: dict[str, Any] | None = None,
    send_at: datetime | None = None,
    over_budget: str = OverBudget.SKIP,
    now: datetime | None = None,
) -> Message:
    """Queue one message to one customer (journeys, transactional notices): idempotent by ``key``.

    A replayed key returns the first message unchanged. Consent and reachability are decided here
    (a skipped message is returned with its reason); the budget is decided when it is claimed.
    ``context`` adds variables (``{"order.number": "D2028..."}``) the template may use.
    """
    from siyu.reach.planning import choose_channel

    now = now or timezone.now()
    earlier = Message.objects.filter(merchant_id=merchant_id, key=key).first()
    if earlier is not None:
        return earlier
    if over_budget not in OverBudget.values:
        raise InvalidInput(detail={"field": "over_budget"})
    template = get_template(merchant_id=merchant_id, template_id=template_id)
    customer = Customer.objects.for_merchant(merchant_id).filter(pk=customer_id).first()
    if customer is None:
        raise NotFound(detail={"customer_id": customer_id})
    slot = send_at or now
    bad = [k for k in (context or {}) if k not in render.VARIABLES]
    if bad:
        raise InvalidTemplate(detail={"field": "context", "unknown_variables": sorted(bad)})
    status, reason = MessageStatus.QUEUED, ""
    if customer.is_blocked:
        status, reason = MessageStatus.SKIPPED, "blocked"
    else:
        reason = choose_channel(customer, template, transactional=transactional) or ""
        if reason:
            status = MessageStatus.SKIPPED
    from siyu.reach.budget import local_day

    message = Message(
        merchant_id=merchant_id,
        customer=customer,
        origin=origin[:16],
        origin_id=origin_id,
        key=key,
        channel=template.channel,
        template=template,
        status=status,
        reason=reason,
        priority=priority,
        transactional=transactional,
        over_budget=over_budget,
        send_at=slot,
        budget_day=local_day(merchant_id, slot),
        payload={"_context": {k: str(v) for k, v in (context or {}).items()}} if context else {},
    )
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:
        return Message.objects.get(merchant_id=merchant_id, key=key)
    return message


# ---- subscription grants -----------------------------------------------------------------------------


@transaction.atomic
def record_subscription_grants(
    *, customer: Customer, results: dict[str, str], long_term_ids: Iterable[str] = ()
) -> dict[str, int]:
    """Record what ``wx.requestSubscribeMessage`` answered: each "accept" adds one send to that
    template's quota (a long-term template: unlimited). Other answers change nothing. Returns each
    template's remaining quota (long-term: -1)."""
    long_term = set(long_term_ids)
    bad = {k: v for k, v in results.items() if v not in GRANT_RESULTS or not k or len(k) > 128}
    if bad:
        raise InvalidInput(detail={"results": sorted(bad)})
    out: dict[str, int] = {}
    for template_id, answer in sorted(results.items()):
        if answer != "accept":
            continue
        SubscriptionGrant.objects.bulk_create(
            [SubscriptionGrant(merchant_id=customer.merchant_id, customer=customer, template_id=template_id)],
            ignore_conflicts=True,
        )
        grants = SubscriptionGrant.objects.filter(customer=customer, template_id=template_id)
        if template_id in long_term:
            grants.update(long_term=True)
        else:
            grants.update(remaining=F("remaining") + 1)
        grant = grants.get()
        out[template_id] = -1 if grant.long_term else grant.remaining
    return out


def spend_grant(*, customer_id: int, template_id: str) -> bool:
    """Take one send from a customer's subscription quota; False when none is left.

    One conditional UPDATE (remaining > 0), so two sends racing for the last grant cannot both
    take it; a long-term grant is never spent. Call inside the claim's transaction.
    """
    if SubscriptionGrant.objects.filter(
        customer_id=customer_id, template_id=template_id, long_term=True
    ).exists():
        return True
    return (
        SubscriptionGrant.objects.filter(
            customer_id=customer_id, template_id=template_id, remaining__gt=0
        ).update(remaining=F("remaining") - 1)
        == 1
    )


# ---- unsubscribes and receipts -----------------------------------------------------------------------


@transaction.atomic
def unsubscribe(
    *,
    merchant_id: int,
    customer_id: int,
    channel: str,
    message_id: int | None = None,
    now: datetime | None = None,
) -> None:
    """The customer opts out of ``channel`` (an SMS "T" reply, an email's one-click link).

    Queued messages to them on that channel are skipped (no consent); the message they answered,
    if known, records when.
    """
    from siyu.members.services import set_contact_preference

    now = now or timezone.now()
    customer = Customer.objects.for_merchant(merchant_id).filter(pk=customer_id).first()
    if customer is None:
        raise NotFound(detail={"customer_id": customer_id})
    set_contact_preference(customer=customer, channel=channel, opted_in=False)
    if message_id is not None:
        Message.objects.filter(
            merchant_id=merchant_id, pk=message_id, customer_id=customer_id, unsubscribed_at__isnull=True
        ).update(unsubscribed_at=now)
    Message.objects.filter(
        merchant_id=merchant_id,
        customer_id=customer_id,
        channel=channel,
        status=MessageStatus.QUEUED,
        transactional=False,
    ).update(status=MessageStatus.SKIPPED, reason="no_consent")


# Which states each receipt may follow: a late "sent" never undoes "delivered".
RECEIPT_FROM = {
    "sent": [MessageStatus.SENDING, MessageStatus.IN_DOUBT],
    "delivered": [MessageStatus.SENDING, MessageStatus.SENT, MessageStatus.IN_DOUBT, MessageStatus.FAILED],
    "failed": [MessageStatus.SENDING, MessageStatus.SENT, MessageStatus.IN_DOUBT],
}


def record_receipt(
    *,
    merchant_id: int,
    message_id: int | None = None,
    channel: str | None = None,
    provider_id: str | None = None,
    outcome: str,
    at: datetime,
    error: str = "",
) -> int:
    """Apply a provider's word on a send (a delivery callback, a WeCom task's result).

    The message is named by id or by (channel, provider_id). A compare-and-set from the states the
    outcome may follow, so a duplicate or late receipt changes nothing. Returns the rows moved.
    """
    if outcome not in RECEIPT_FROM:
        raise InvalidInput(detail={"outcome": outcome})
    qs = Message.objects.filter(merchant_id=merchant_id)
    if message_id is not None:
        qs = qs.filter(pk=message_id)
    elif channel and provider_id:
        qs = qs.filter(channel=channel, provider_id=provider_id)
    else:
        raise InvalidInput(detail={"field": "message_id"})
    changes: dict[str, Any] = {"status": outcome, "leased_until": None}
    if outcome == "sent":
        changes["sent_at"] = at
    elif outcome == "delivered":
        changes["delivered_at"] = at
        qs.filter(sent_at__isnull=True).update(sent_at=at)
    else:
        changes["error"] = error[:255]
    return qs.filter(status__in=RECEIPT_FROM[outcome]).filter(~Q(status=outcome)).update(**changes)
