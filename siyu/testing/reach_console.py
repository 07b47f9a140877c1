"""Test helpers for the console's 触达 pages: a channel that reaches everyone and sends nowhere,
consent rows and a static segment written straight to the tables.

(Helper A's siyu/testing/reach.py has a recording adapter with more knobs; these pages only need a
channel to exist, be set up and reach customers.)
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

from django.db.models import Q
from django.utils import timezone

from siyu.audience.models import Segment, SegmentKind, SegmentMember
from siyu.members.models import ContactPreference, Customer
from siyu.reach import channels as registry
from siyu.reach.channels import ChannelAdapter, SendResult
from siyu.reach.models import Message, MessageTemplate
from siyu.reach.render import check_length, render_fields
from siyu.tenancy.models import Merchant


class EveryoneAdapter(ChannelAdapter):
    """A channel that reaches every customer, is set up for every merchant and "sends" each message.

    ``validate`` holds each field to ``limit`` characters (like a subscribe message's 20 for thing).
    """

    channel: ClassVar[str] = "sms"

    def __init__(self, channel: str, *, limit: int = 20) -> None:
        self.channel = channel  # type: ignore[misc]
        self.limit = limit

    def reachable(self, merchant_id: int, template: MessageTemplate) -> Q:
        return Q()

    def addresses(
        self, merchant_id: int, customer_ids: Sequence[int], template: MessageTemplate
    ) -> dict[int, str]:
        return {c: f"{self.channel}:{c}" for c in customer_ids}

    def validate(self, template: MessageTemplate) -> None:
        for key, text in (template.fields or {}).items():
            if isinstance(text, str):
                check_length(key, text, self.limit)

    def render(self, template: MessageTemplate, context: dict[str, Any], message: Message) -> dict[str, Any]:
        return {"to": message.address, "fields": render_fields(template.fields, context)}

    def send(self, message: Message) -> SendResult:
        return SendResult("sent", provider_id=f"p{message.pk}")

    def ready(self, merchant_id: int) -> bool:
        return True


@contextlib.contextmanager
def channels_installed(*adapters: ChannelAdapter) -> Iterator[None]:
    """Register ``adapters`` for the block, restoring whatever was registered before."""
    saved = registry.adapters()
    try:
        for adapter in adapters:
            registry.register(adapter)
        yield
    finally:
        registry._ADAPTERS.clear()
        registry._ADAPTERS.update(saved)


def give_consent(customers: Sequence[Customer], *channels: str) -> None:
    for channel in channels:
        ContactPreference.objects.bulk_create(
            [
                ContactPreference(merchant_id=c.merchant_id, customer=c, channel=channel, opted_in=True)
                for c in customers
            ]
        )


def member_segment(merchant: Merchant, customers: Sequence[Customer], name: str = "老客") -> Segment:
    """A static segment holding exactly ``customers``."""
    segment = Segment.objects.create(merchant=merchant, name=name, rule={}, kind=SegmentKind.STATIC)
    SegmentMember.objects.bulk_create(
        SegmentMember(merchant=merchant, segment=segment, customer=c, added_at=timezone.now())
        for c in customers
    )
    return segment


def switch_on(merchant: Merchant, *channels: str) -> None:
    """The merchant's channels on (ChannelSetting.enabled), as the channels page would leave them."""
    from siyu.reach.models import ChannelSetting

    for channel in channels:
        ChannelSetting.objects.update_or_create(
            merchant=merchant, channel=channel, defaults={"enabled": True}
        )
