"""Behaviour events over HTTP: ``POST /api/v1/shop/{merchant}/events`` (batches of 1 to 500).

A customer token is optional (``ShopVisitor``): with one, every event is that customer's; without
one, each event names its ``anonymous_id``. Each event is validated on its own: the valid ones are
stored, the rest come back with their index, a code and a message (docs/events.md lists the codes).
A batch that is not a list, is empty or holds more than 500 events is a 422 and stores nothing.
"""

from __future__ import annotations

from typing import Any

from ninja import Field, Router, Schema

from siyu.api.auth import ShopRequest, ShopVisitor
from siyu.api.errors import ErrorOut
from siyu.api.schemas import MerchantSlug
from siyu.events.ingest import MAX_BATCH
from siyu.events.services import record_events

shop_router = Router(tags=["shop: events"])


class EventBatchIn(Schema):
    events: list[Any] = Field(
        ...,
        min_length=1,
        max_length=MAX_BATCH,
        description="Each: event_id (UUID), type, occurred_at (ISO 8601 with offset or epoch ms), "
        "anonymous_id (without a customer token), properties, source {channel, campaign, content_id, "
        "sharer_id}, device",
    )


class EventRejectionOut(Schema):
    index: int
    code: str
    message: str
    field: str


class EventBatchOut(Schema):
    accepted: int
    duplicates: int
    rejected: list[EventRejectionOut]


@shop_router.post("/events", response={200: EventBatchOut, 422: ErrorOut}, auth=ShopVisitor())
def ingest_events(request: ShopRequest, merchant: MerchantSlug, payload: EventBatchIn):
    """Record a batch of behaviour events; duplicates (an event id seen before) are counted, not stored."""
    result = record_events(merchant=request.merchant, events=payload.events, customer=request.customer)
    return result.as_dict()
