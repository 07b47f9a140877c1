"""Draining the send queue: lease, claim, send, record; and recovering sends whose worker died.

One pass (``dispatch_messages``), per (merchant, channel) with due messages:

1. **Throttle**: ``throttle.take`` grants up to the channel's ``rate_per_minute`` for this minute.
2. **Lease**: ``UPDATE ... SET lease_owner, leased_until WHERE id IN (SELECT ... ORDER BY priority
   DESC, send_at LIMIT n FOR UPDATE SKIP LOCKED)``: due = queued, ``send_at <= now``, no live lease,
   broadcast (if any) scheduled or sending. Two workers never lease the same row. The status stays
   ``queued``: a worker killed now leaves rows whose lease simply runs out; nothing was sent.
3. **Claim** (one transaction per message): the budget (budget.claim_budget, customer's row locked),
   the address, ``adapter.prepare`` (a subscription grant), the broadcast's coupon (issued with the
   message's key, so only recipients actually sent get one, never holdouts), and the rendered
   request stored as ``payload``; then ``status = sending`` with a send lease. After this commit the
   provider may be called, so from here the row counts against the budget.
4. **Send** outside any transaction (a thread pool of ``ChannelSetting.concurrency`` per channel).
5. **Record** with a compare-and-set on (status sending, our lease): ``sent``/``delivered``; a
   retryable failure goes back to ``queued`` with backoff (at most ``MAX_ATTEMPTS``), others ``failed``;
   ``accepted`` (a WeCom task awaiting the guide) stays ``sending`` with ``batch_key`` and a long lease
   until the channel's results job settles it through ``services.record_receipt``.

**Crash safety** (``recover_sends``): a row still ``sending`` when its send lease ran out belongs to a
worker that died between the claim and the record: the provider may or may not have it. A channel
that can be asked (``adapter.queryable``) settles it (``query``: sent/delivered/failed; a retryable
failure means the provider never got it, so it is queued again). Otherwise it becomes ``in_doubt``
for review and is never sent again: a customer gets a message at most once.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.db import connection, connections, transaction
from django.db.models import Q, Subquery
from django.utils import timezone

from siyu.reach import budget, render, throttle
from siyu.reach.channels import SendResult, adapters
from siyu.reach.models import (
    Broadcast,
    BroadcastStatus,
    ChannelSetting,
    Message,
    MessageStatus,
    OverBudget,
)

log = logging.getLogger(__name__)

PICK_LEASE = dt.timedelta(seconds=60)
SEND_LEASE = dt.timedelta(seconds=120)
ACCEPTED_LEASE = dt.timedelta(days=7)
MAX_ATTEMPTS = 5
BATCH = 200
ROUNDS = 25  # batches per channel per pass: a pass ends so other channels and the clock get a turn


def worker_name() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _due(now: dt.datetime) -> Any:
    live = Broadcast.objects.filter(status__in=[BroadcastStatus.SCHEDULED, BroadcastStatus.SENDING]).values(
        "pk"
    )
    return (
        Message.objects.filter(status=MessageStatus.QUEUED, send_at__lte=now)
        .filter(Q(leased_until__isnull=True) | Q(leased_until__lt=now))
        .filter(Q(broadcast__isnull=True) | Q(broadcast_id__in=Subquery(live)))
    )


def lease(*, merchant_id: int, channel: str, n: int, owner: str, now: dt.datetime) -> list[int]:
    """Lease up to ``n`` due messages of one channel to ``owner``; their ids."""
    if n <= 0:
        return []
    ids_qs = (
        _due(now)
        .filter(merchant_id=merchant_id, channel=channel)
        .order_by("-priority", "send_at", "id")
        .values_list("id")[:n]
    )
    until = now + PICK_LEASE
    if connection.vendor == "postgresql":
        sql, params = ids_qs.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE reach_message SET lease_owner = %s, leased_until = %s "
                f"WHERE id IN ({sql} FOR UPDATE SKIP LOCKED) RETURNING id",
                [owner, until, *params],
            )
            return sorted(r[0] for r in cursor.fetchall())
    ids = [r[0] for r in ids_qs]
    Message.objects.filter(pk__in=ids, status=MessageStatus.QUEUED).update(
        lease_owner=owner, leased_until=until
    )
    return ids


def dispatch_messages(
    *, now: dt.datetime | None = None, owner: str | None = None, limit: int = BATCH
) -> dict[str, int]:
    """One pass over every channel with due messages. Returns counts by outcome."""
    now = now or timezone.now()
    owner = owner or worker_name()
    totals: dict[str, int] = {}
    pairs = list(_due(now).values_list("merchant_id", "channel").distinct().order_by())
    installed = adapters()
    for merchant_id, channel in pairs:
        setting = ChannelSetting.objects.filter(
            merchant_id=merchant_id, channel=channel, enabled=True
        ).first()
        adapter = installed.get(channel)
        if setting is None or adapter is None:
            continue  # off or not installed: the messages wait (the console shows the channel's health)
        for _round in range(ROUNDS):
            done = _drain(merchant_id, channel, adapter, setting, owner, now, limit, totals)
            if done:
                break
    return totals


def _drain(
    merchant_id: int,
    channel: str,
    adapter: Any,
    setting: ChannelSetting,
    owner: str,
    now: dt.datetime,
    limit: int,
    totals: dict[str, int],
) -> bool:
    """Lease, claim and send one batch of one channel; True when the channel has nothing more now."""
    granted = throttle.take(
        merchant_id=merchant_id, channel=channel, wanted=limit, rate=setting.rate_per_minute, now=now
    )
    ids = lease(merchant_id=merchant_id, channel=channel, n=granted, owner=owner, now=now)
    if len(ids) < granted:
        throttle.give_back(merchant_id=merchant_id, channel=channel, n=granted - len(ids), now=now)
    Broadcast.objects.filter(
        pk__in=Message.objects.filter(pk__in=ids).values("broadcast_id"), status=BroadcastStatus.SCHEDULED
    ).update(status=BroadcastStatus.SENDING)
    claimed: list[Message] = []
    for pk in ids:
        outcome, message = claim(pk, owner=owner, now=now)
        totals[outcome] = totals.get(outcome, 0) + 1
        if message is not None:
            claimed.append(message)
    for outcome in send_claimed(claimed, adapter=adapter, setting=setting, owner=owner, now=now):
        totals[outcome] = totals.get(outcome, 0) + 1
    return granted < limit or len(ids) < granted


def _release(pk: int, owner: str) -> None:
    Message.objects.filter(pk=pk, lease_owner=owner, status=MessageStatus.QUEUED).update(
        lease_owner="", leased_until=None
    )


def claim(pk: int, *, owner: str, now: dt.datetime) -> tuple[str, Message | None]:
    """Claim one leased message: (outcome, the message ready to send or None)."""
    from siyu.promotions.services.coupons import issue_coupon

    with transaction.atomic():
        message = (
            Message.objects.select_for_update(of=("self",))
            .select_related("template", "broadcast")
            .filter(pk=pk, status=MessageStatus.QUEUED, lease_owner=owner)
            .first()
        )
        if message is None:
            return "lost", None
        adapter = adapters()[message.channel]
        template = message.template
        if template is None:  # the template was deleted after planning
            Message.objects.filter(pk=pk).update(
                status=MessageStatus.FAILED, error="template deleted", lease_owner="", leased_until=None
            )
            return "failed", None
        reason = budget.claim_reason(message, now)
        if reason is not None:
            if message.over_budget == OverBudget.DEFER:
                at = budget.next_day(
                    message.send_at if message.send_at > now else now,
                    budget.merchant_zone(message.merchant_id),
                )
                Message.objects.filter(pk=pk).update(
                    send_at=at,
                    budget_day=budget.local_day(message.merchant_id, at),
                    lease_owner="",
                    leased_until=None,
                )
                return "deferred", None
            Message.objects.filter(pk=pk).update(
                status=MessageStatus.SKIPPED, reason=reason, lease_owner="", leased_until=None
            )
            return "skipped", None
        rendered = bool(message.payload) and "_context" not in message.payload
        if not message.address:
            found = adapter.addresses(message.merchant_id, [message.customer_id], template)
            message.address = found.get(message.customer_id, "")
            if not message.address:
                Message.objects.filter(pk=pk).update(
                    status=MessageStatus.SKIPPED, reason="unreachable", lease_owner="", leased_until=None
                )
                return "skipped", None
        if not rendered:
            reason = adapter.prepare(message)
            if reason:
                Message.objects.filter(pk=pk).update(
                    status=MessageStatus.SKIPPED, reason=reason, lease_owner="", leased_until=None
                )
                return "skipped", None
            broadcast = message.broadcast
            if broadcast is not None and broadcast.coupon_template is not None and message.coupon_id is None:
                from siyu.core.errors import SiyuError

                try:
                    with transaction.atomic():
                        coupon = issue_coupon(
                            template=broadcast.coupon_template,
                            customer=message.customer,
                            source="reach",
                            claim_key=f"reach:{message.pk}",
                            now=now,
                        )
                except SiyuError as exc:
                    Message.objects.filter(pk=pk).update(
                        status=MessageStatus.FAILED,
                        error=f"coupon: {exc.code}"[:255],
                        lease_owner="",
                        leased_until=None,
                    )
                    return "failed", None
                message.coupon = coupon
            context = render.contexts_for([message])[message.pk]
            message.payload = adapter.render(template, context, message)
        message.status = MessageStatus.SENDING
        message.leased_until = now + SEND_LEASE
        message.attempts += 1
        message.save(update_fields=["status", "leased_until", "attempts", "payload", "address", "coupon"])
        return "claimed", message


def _send_all(adapter: Any, messages: Sequence[Message], concurrency: int) -> dict[int, SendResult | None]:
    """Call the provider; a result of None means the call raised (the outcome is unknown)."""
    if adapter.batch_size > 1:
        out: dict[int, SendResult | None] = {}
        for i in range(0, len(messages), adapter.batch_size):
            chunk = messages[i : i + adapter.batch_size]
            try:
                out.update(adapter.send_batch(chunk))
            except Exception:
                log.exception("reach: %s batch send raised", adapter.channel)
                out.update({m.pk: None for m in chunk})
        return out

    def one(m: Message) -> SendResult | None:
        try:
            return adapter.send(m)
        except Exception:
            log.exception("reach: %s send raised", adapter.channel)
            return None
        finally:
            if threaded:
                connections.close_all()

    # Inside a transaction (the test suite), another thread cannot see our rows: send inline.
    threaded = concurrency > 1 and len(messages) > 1 and not connection.in_atomic_block
    if not threaded:
        return {m.pk: one(m) for m in messages}
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return dict(zip([m.pk for m in messages], pool.map(one, messages), strict=True))


def send_claimed(
    messages: Sequence[Message], *, adapter: Any, setting: ChannelSetting, owner: str, now: dt.datetime
) -> list[str]:
    if not messages:
        return []
    results = _send_all(adapter, messages, setting.concurrency)
    outcomes = []
    for m in messages:
        result = results.get(m.pk)
        outcomes.append(record_result(m, result, now=timezone.now() if now is None else now))
    ok = [o for o in outcomes if o in ("sent", "delivered", "accepted")]
    if ok:
        ChannelSetting.objects.filter(pk=setting.pk).update(last_success_at=now)
    if len(ok) < len(outcomes):
        errors = [r.error for r in results.values() if r is not None and r.outcome == "failed"]
        ChannelSetting.objects.filter(pk=setting.pk).update(
            last_error_at=now, last_error=(errors[0] if errors else "")[:200]
        )
    return outcomes


def record_result(message: Message, result: SendResult | None, *, now: dt.datetime) -> str:
    """Write what the provider said, if the row is still ours (compare-and-set)."""
    mine = Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING)
    if result is None:
        return "unknown"  # left sending: recover_sends settles it when the lease runs out
    if result.outcome in ("sent", "delivered"):
        changes: dict[str, Any] = {
            "status": result.outcome,
            "provider_id": result.provider_id[:128],
            "sent_at": now,
            "leased_until": None,
        }
        if result.outcome == "delivered":
            changes["delivered_at"] = now
        mine.update(**changes)
        return result.outcome
    if result.outcome == "accepted":
        mine.update(
            provider_id=result.provider_id[:128],
            batch_key=result.batch_key[:128],
            leased_until=now + ACCEPTED_LEASE,
        )
        return "accepted"
    if result.retryable and message.attempts < MAX_ATTEMPTS:
        backoff = dt.timedelta(seconds=30 * 2 ** (message.attempts - 1))
        mine.update(
            status=MessageStatus.QUEUED,
            send_at=now + backoff,
            error=result.error[:255],
            lease_owner="",
            leased_until=None,
        )
        return "retry"
    mine.update(status=MessageStatus.FAILED, error=result.error[:255], leased_until=None)
    return "failed"


RECHECK = dt.timedelta(minutes=2)  # a send the provider cannot tell about yet is asked again after this
RECOVER_FOR = dt.timedelta(minutes=15)  # ... until this long after its send lease ran out: then in doubt
RECOVER_PASSES = 8  # ... and at most this many times
_RECOVERING = "recover:"


def _recovery(message: Message) -> tuple[int, dt.datetime]:
    """(passes asked so far, when the send lease first ran out) of a row recovery holds.

    While a queryable channel cannot tell yet, recovery holds the row with ``lease_owner =
    "recover:<passes>:<first expiry, epoch seconds>"`` and a fresh lease of ``RECHECK``.
    """
    expired = message.leased_until or timezone.now()
    if not message.lease_owner.startswith(_RECOVERING):
        return 0, expired
    try:
        passes, first = message.lease_owner.removeprefix(_RECOVERING).split(":")
        return int(passes), dt.datetime.fromtimestamp(int(first), tz=dt.UTC)
    except ValueError:
        return 0, expired


def recover_sends(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Settle sends whose worker died mid-send (lease expired while ``sending``): ask or mark in doubt.

    A queryable channel whose ``query`` cannot tell yet (None) keeps the row ``sending`` under a new
    lease of ``RECHECK`` and is asked again, up to ``RECOVER_PASSES`` times and ``RECOVER_FOR`` after
    the send lease first ran out; then the row is ``in_doubt``. The adapter sees the message with
    ``leased_until`` at that first expiry (what "the send lease ran out" means to it).
    """
    now = now or timezone.now()
    totals: dict[str, int] = {}
    stale = Message.objects.filter(status=MessageStatus.SENDING, leased_until__lt=now).select_related(
        "template"
    )
    installed = adapters()
    for message in stale[:1000]:
        adapter = installed.get(message.channel)
        result = None
        mine = Message.objects.filter(
            pk=message.pk,
            status=MessageStatus.SENDING,
            leased_until=message.leased_until,
            lease_owner=message.lease_owner,
        )
        passes, first_expiry = _recovery(message)
        asked = adapter is not None and adapter.queryable and not message.batch_key
        if asked and adapter is not None:
            message.leased_until = first_expiry
            try:
                result = adapter.query(message)
            except Exception:
                log.exception("reach: %s query raised", message.channel)
        if result is None:
            passes += 1
            if asked and passes < RECOVER_PASSES and now + RECHECK <= first_expiry + RECOVER_FOR:
                outcome = "recheck"  # the provider cannot tell yet: ask again on a later pass
                mine.update(
                    leased_until=now + RECHECK,
                    lease_owner=f"{_RECOVERING}{passes}:{int(first_expiry.timestamp())}",
                )
            else:
                outcome = "in_doubt"
                mine.update(status=MessageStatus.IN_DOUBT, leased_until=None, error="worker lost during send")
        elif result.outcome in ("sent", "delivered"):
            outcome = result.outcome
            mine.update(
                status=result.outcome, provider_id=result.provider_id[:128], sent_at=now, leased_until=None
            )
        elif result.outcome == "failed" and result.retryable:
            outcome = "requeued"  # the provider never got it: sending it now sends it once
            mine.update(status=MessageStatus.QUEUED, lease_owner="", leased_until=None)
        elif result.outcome == "failed":
            outcome = "failed"
            mine.update(status=MessageStatus.FAILED, error=result.error[:255], leased_until=None)
        else:
            outcome = "accepted"
            mine.update(batch_key=result.batch_key[:128], leased_until=now + ACCEPTED_LEASE)
        totals[outcome] = totals.get(outcome, 0) + 1
    return totals


def run_once(*, now: dt.datetime | None = None) -> dict[str, int]:
    """What the periodic task does: recover, dispatch, close finished broadcasts."""
    from siyu.reach.services import finish_broadcasts

    now = now or timezone.now()
    totals = {f"recovered_{k}": v for k, v in recover_sends(now=now).items()}
    totals.update(dispatch_messages(now=now))
    totals["broadcasts_done"] = finish_broadcasts(now=now)
    return totals
