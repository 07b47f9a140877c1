"""Reads for the console's 触达 pages: channels with their health, templates, broadcasts with their
numbers, messages. Each list is a fixed number of queries whatever its length."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet

from siyu.members.models import Channel
from siyu.reach.channels import adapters
from siyu.reach.models import (
    Broadcast,
    BroadcastChannel,
    ChannelSetting,
    FatiguePolicy,
    Message,
    MessageStatus,
    MessageTemplate,
    TemplateStatus,
)

# Channels whose provider set-up lives in 设置 → 微信账号 (their account), not on the channel's form.
WECHAT_CHANNELS = frozenset(
    {Channel.SUBSCRIBE_MESSAGE, Channel.OFFICIAL_ACCOUNT, Channel.WECOM, Channel.WECOM_GROUP}
)


@dataclass(frozen=True)
class ChannelRow:
    channel: str
    label: str
    setting: ChannelSetting | None
    installed: bool  # an adapter for the channel is part of this Siyu
    ready: bool  # set up for this merchant (account, provider credentials)

    @property
    def enabled(self) -> bool:
        return bool(self.setting and self.setting.enabled)

    @property
    def edit_url(self) -> str:
        from django.urls import reverse

        return reverse(f"console:reach_channel_{self.channel}")

    @property
    def wechat(self) -> bool:
        return self.channel in WECHAT_CHANNELS

    @property
    def last_success_at(self) -> datetime | None:
        return self.setting.last_success_at if self.setting else None

    @property
    def last_error_at(self) -> datetime | None:
        return self.setting.last_error_at if self.setting else None


def channel_ready(channel: str, merchant_id: int) -> tuple[bool, bool]:
    """(installed, ready): is there an adapter for the channel, and is it set up for the merchant."""
    adapter = adapters().get(channel)
    if adapter is None:
        return False, False
    try:
        return True, bool(adapter.ready(merchant_id))
    except Exception:  # an adapter that cannot tell is not ready; the page must still show
        return True, False


def channel_rows(merchant_id: int) -> list[ChannelRow]:
    """Every channel Siyu knows, in Channel order, with the merchant's setting (one query) and whether
    it is set up (each adapter's ``ready``: a query or two each, seven channels at most)."""
    held = {s.channel: s for s in ChannelSetting.objects.for_merchant(merchant_id)}
    rows = []
    for value, label in Channel.choices:
        installed, ready = channel_ready(value, merchant_id)
        rows.append(ChannelRow(value, str(label), held.get(value), installed, ready))
    return rows


def channel_setting(merchant_id: int, channel: str) -> ChannelSetting | None:
    return ChannelSetting.objects.for_merchant(merchant_id).filter(channel=channel).first()


def fatigue_policy(merchant_id: int) -> FatiguePolicy | None:
    return FatiguePolicy.objects.for_merchant(merchant_id).first()


def templates(merchant_id: int, *, channel: str = "", archived: bool = False) -> QuerySet[MessageTemplate]:
    """The merchant's message templates, of one channel or all, active (or archived), newest first."""
    qs = MessageTemplate.objects.for_merchant(merchant_id).filter(
        status=TemplateStatus.ARCHIVED if archived else TemplateStatus.ACTIVE
    )
    if channel:
        qs = qs.filter(channel=channel)
    return qs.order_by("channel", "-id")


def template_choices(merchant_id: int) -> list[tuple[int, str]]:
    """Active templates as (id, "name · channel") for a broadcast's channel order (one query)."""
    labels = dict(Channel.choices)
    rows = templates(merchant_id).only("id", "name", "channel")
    return [(t.pk, f"{t.name} · {labels.get(t.channel, t.channel)}") for t in rows]


def broadcast_list(merchant_id: int, *, status: str = "") -> QuerySet[Broadcast]:
    """Broadcasts newest first, with their segment and their message counts (one query a page)."""
    sent = Q(messages__status__in=[MessageStatus.SENT, MessageStatus.DELIVERED])
    qs = (
        Broadcast.objects.for_merchant(merchant_id)
        .select_related("segment")
        .annotate(
            n_sent=Count("messages", filter=sent),
            n_delivered=Count("messages", filter=Q(messages__status=MessageStatus.DELIVERED)),
            n_clicked=Count("messages", filter=Q(messages__clicked_at__isnull=False)),
        )
    )
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-id")


def broadcast_templates(broadcast: Broadcast) -> list[MessageTemplate]:
    """The broadcast's templates in preference order (one query)."""
    rows = (
        BroadcastChannel.objects.filter(broadcast=broadcast).select_related("template").order_by("position")
    )
    return [r.template for r in rows]


def in_doubt(merchant_id: int) -> QuerySet[Message]:
    """Sends whose outcome is unknown, for review: newest first, with customer, template, broadcast."""
    return (
        Message.objects.for_merchant(merchant_id)
        .filter(status=MessageStatus.IN_DOUBT)
        .select_related("customer", "template", "broadcast")
        .order_by("-send_at", "-id")
    )


def customer_messages(merchant_id: int, customer_id: int, *, limit: int = 50) -> list[Message]:
    """The 360 timeline: the customer's messages newest first, with template and broadcast (one query)."""
    return list(
        Message.objects.for_merchant(merchant_id)
        .filter(customer_id=customer_id)
        .select_related("template", "broadcast")
        .order_by("-send_at", "-id")[:limit]
    )


def label_of(choices: Any, value: str) -> str:
    """A stored choice value as its label ("over_budget" -> 超出疲劳度预算), the value if unknown."""
    return str(dict(choices).get(value, value)) if value else ""


def sends_per_hour(broadcast: Broadcast, zone: Any) -> dict[str, Any]:
    """The broadcast's messages per local hour: when each was scheduled (every message that was to
    go out, whatever became of it) and when each was sent; two grouped queries."""
    from django.db.models.functions import TruncHour

    base = Message.objects.filter(merchant_id=broadcast.merchant_id, broadcast=broadcast)
    to_go = base.exclude(status=MessageStatus.SKIPPED)
    scheduled = dict(
        to_go.annotate(h=TruncHour("send_at", tzinfo=zone))
        .values_list("h")
        .annotate(n=Count("id"))
        .values_list("h", "n")
    )
    sent = dict(
        base.filter(sent_at__isnull=False)
        .annotate(h=TruncHour("sent_at", tzinfo=zone))
        .values_list("h")
        .annotate(n=Count("id"))
        .values_list("h", "n")
    )
    hours = sorted(set(scheduled) | set(sent))
    return {
        "labels": [h.astimezone(zone).strftime("%m-%d %H:00") for h in hours],
        "scheduled": [scheduled.get(h, 0) for h in hours],
        "sent": [sent.get(h, 0) for h in hours],
    }
