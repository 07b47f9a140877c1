"""Reach test helpers: a recording channel adapter, installing it for a test, audiences in bulk."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from django.db.models import Q
from django.utils import timezone

from siyu.audience.models import Segment, SegmentKind, SegmentMember
from siyu.members.models import ContactPreference, Customer
from siyu.reach import channels as registry
from siyu.reach.channels import ChannelAdapter, SendResult
from siyu.reach.models import Broadcast, BroadcastChannel, ChannelSetting, Message, MessageTemplate
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

    def addresses(
        self, merchant_id: int, customer_ids: Sequence[int], template: MessageTemplate
    ) -> dict[int, str]:
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
        Customer(
            merchant=merchant, nickname=f"{prefix}{i}", registered_at=now - dt.timedelta(days=30), **fields
        )
        for i in range(n)
    ]
    Customer.objects.bulk_create(rows)
    return list(Customer.objects.filter(merchant=merchant, nickname__startswith=prefix).order_by("id"))


def consent(customers: Sequence[Customer], *channels: str, opted_in: bool = True) -> None:
    for channel in channels:
        ContactPreference.objects.bulk_create(
            [
                ContactPreference(merchant_id=c.merchant_id, customer=c, channel=channel, opted_in=opted_in)
                for c in customers
            ],
            update_conflicts=True,
            unique_fields=["customer", "channel"],
            update_fields=["opted_in"],
        )


def static_segment(merchant: Merchant, customers: Sequence[Customer], name: str = "everyone") -> Segment:
    segment = Segment.objects.create(merchant=merchant, name=name, rule={}, kind=SegmentKind.STATIC)
    SegmentMember.objects.bulk_create(
        SegmentMember(merchant=merchant, segment=segment, customer=c, added_at=timezone.now())
        for c in customers
    )
    return segment


# ---- the tenancy test's reach rows -------------------------------------------------------------------


@dataclass
class ReachRows:
    segment: Segment
    template: MessageTemplate
    broadcast: Broadcast
    message: Message


def reach_rows(world: Any) -> ReachRows:
    """A merchant's reach rows for the tenancy test (created once per world): a draft broadcast of
    one template to a static segment holding the world's customer, and one message."""
    cached = getattr(world, "_reach_rows", None)
    if cached is not None:
        return cached
    m = world.merchant
    segment = static_segment(m, [world.customer], name="reach-probe")
    template = MessageTemplate.objects.create(merchant=m, name="probe", channel="sms", fields={"text": "hi"})
    broadcast = Broadcast.objects.create(merchant=m, name="probe", segment=segment, created_by=world.owner)
    BroadcastChannel.objects.create(merchant=m, broadcast=broadcast, position=0, template=template)
    message = Message.objects.create(
        merchant=m,
        customer=world.customer,
        key="probe",
        channel="sms",
        template=template,
        send_at=timezone.now(),
    )
    rows = ReachRows(segment, template, broadcast, message)
    object.__setattr__(world, "_reach_rows", rows)
    return rows


def reach_probes(a: Any, b: Any) -> list[Any]:
    """Bodies and queries of A's reach routes naming B's rows: each a 404, or an empty list."""
    from siyu.testing.tenancy import Probe

    adm = "/api/v1/admin/reach"
    ra, rb = reach_rows(a), reach_rows(b)
    ok = {"name": "x", "segment_id": ra.segment.pk, "template_ids": [ra.template.pk]}
    probes = [
        Probe(
            [f"GET {adm}/messages query.broadcast_id"],
            "get",
            f"{adm}/messages",
            query={"broadcast_id": rb.broadcast.pk},
            empty_list=True,
        ),
        Probe(
            [f"GET {adm}/messages query.customer_id"],
            "get",
            f"{adm}/messages",
            query={"customer_id": b.customer.pk},
            empty_list=True,
        ),
        Probe(
            [f"POST {adm}/templates/{{template_id}}/preview body.customer_id"],
            "post",
            f"{adm}/templates/{ra.template.pk}/preview",
            {"customer_id": b.customer.pk},
        ),
    ]
    for field, value in (
        ("segment_id", rb.segment.pk),
        ("template_ids", [rb.template.pk]),
        ("coupon_template_id", b.coupon_template.pk),
    ):
        probes.append(
            Probe([f"POST {adm}/broadcasts body.{field}"], "post", f"{adm}/broadcasts", {**ok, field: value})
        )
        probes.append(
            Probe(
                [f"PATCH {adm}/broadcasts/{{broadcast_id}} body.{field}"],
                "patch",
                f"{adm}/broadcasts/{ra.broadcast.pk}",
                {field: value},
            )
        )
        if field != "coupon_template_id":
            probes.append(
                Probe(
                    [f"POST {adm}/broadcasts/preview body.{field}"],
                    "post",
                    f"{adm}/broadcasts/preview",
                    {"segment_id": ra.segment.pk, "template_ids": [ra.template.pk], field: value},
                )
            )
    return probes
