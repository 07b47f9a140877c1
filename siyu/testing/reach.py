"""Reach test helpers: a recording channel adapter, installing it for a test, audiences in bulk."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from typing import Any, ClassVar

from django.db.models import Q
from django.utils import timezone

from siyu.audience.models import Segment, SegmentKind, SegmentMember
from siyu.members.models import ContactPreference, Customer
from siyu.reach import channels as registry
from siyu.reach.channels import ChannelAdapter, SendResult
from siyu.reach.models import ChannelSetting, Message, MessageTemplate
from siyu.reach.render import check_length, render_fields
from siyu.tenancy.models import Merchant


class RecordingAdapter(ChannelAdapter):
    """A channel that sends nowhere: it records each send and answers what ``answer`` says.

    Reaches every customer unless ``reach`` narrows it; ``answer(message)`` defaults to "sent".
    """

    channel: ClassVar[str] = "sms"

    def __init__(
        self,
        channel: str = "sms",
        *,
        reach: Q | None = None,
        answer: Callable[[Message], SendResult] | None = None,
        queryable: bool = False,
        limit: int = 70,
    ) -> None:
        self.channel = channel  # type: ignore[misc]
        self.reach = reach if reach is not None else Q()
        self.answer = answer or (lambda m: SendResult("sent", provider_id=f"p{m.pk}"))
        self.queryable = queryable  # type: ignore[misc]
        self.limit = limit
        self.sent: list[Message] = []
        self.prepared: list[int] = []

    def reachable(self, merchant_id: int, template: MessageTemplate) -> Q:
        return self.reach

    def addresses(self, merchant_id: int, customer_ids: Sequence[int], template: MessageTemplate) -> dict[int, str]:
        return {c: f"{self.channel}:{c}" for c in customer_ids}

    def validate(self, template: MessageTemplate) -> None:
        for key, text in template.fields.items():
            if isinstance(text, str):
                check_length(key, text, self.limit)

    def render(self, template: MessageTemplate, context: dict[str, Any], message: Message) -> dict[str, Any]:
        return {"to": message.address, "fields": render_fields(template.fields, context)}

    def prepare(self, message: Message) -> str | None:
        self.prepared.append(message.pk)
        return None

    def send(self, message: Message) -> SendResult:
        self.sent.append(message)
        return self.answer(message)

    def query(self, message: Message) -> SendResult | None:
        return None

    def ready(self, merchant_id: int) -> bool:
        return True


@contextlib.contextmanager
def installed(*adapters: ChannelAdapter) -> Iterator[None]:
    """Register ``adapters`` for the block, restoring whatever was registered before."""
    saved = dict(registry._ADAPTERS)
    try:
        for adapter in adapters:
            registry.register(adapter)
        yield
    finally:
        registry._ADAPTERS.clear()
        registry._ADAPTERS.update(saved)


def enable(merchant: Merchant, channel: str, **fields: Any) -> ChannelSetting:
    setting, _ = ChannelSetting.objects.update_or_create(
        merchant=merchant, channel=channel, defaults={"enabled": True, **fields}
    )
    return setting


def make_customers(merchant: Merchant, n: int, *, prefix: str = "c", **fields: Any) -> list[Customer]:
    now = timezone.now()
    rows = [
        Customer(merchant=merchant, nickname=f"{prefix}{i}", registered_at=now - dt.timedelta(days=30), **fields)
        for i in range(n)
    ]
    Customer.objects.bulk_create(rows)
    return list(Customer.objects.filter(merchant=merchant, nickname__startswith=prefix).order_by("id"))


def consent(customers: Sequence[Customer], *channels: str, opted_in: bool = True) -> None:
    for channel in channels:
        ContactPreference.objects.bulk_create(
            [ContactPreference(merchant_id=c.merchant_id, customer=c, channel=channel, opted_in=opted_in) for c in customers],
            update_conflicts=True,
            unique_fields=["customer", "channel"],
            update_fields=["opted_in"],
        )


def static_segment(merchant: Merchant, customers: Sequence[Customer], name: str = "everyone") -> Segment:
    segment = Segment.objects.create(merchant=merchant, name=name, rule={}, kind=SegmentKind.STATIC)
    SegmentMember.objects.bulk_create(
        SegmentMember(merchant=merchant, segment=segment, customer=c, added_at=timezone.now()) for c in customers
    )
    return segment
