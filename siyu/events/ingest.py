"""One event as a client sends it -> a row ready to insert, or the reason it is refused.

Pure validation: no database. Every rule has a machine code (``Rejection.code``) and a translated
message; docs/events.md lists them. The format::

    {"event_id": "<uuid>", "type": "product_view", "occurred_at": "2025-05-20T20:30:00+08:00",
     "anonymous_id": "dev-1", "properties": {"product_id": 7},
     "source": {"channel": "moments", "campaign": "618", "content_id": "post-9", "sharer_id": 42},
     "device": "ios"}

``occurred_at`` is ISO 8601 with an offset (or ``Z``), or epoch milliseconds. Times may arrive in
any order; a time more than ``MAX_FUTURE_SKEW`` ahead of the server's clock, or older than the
caller's ``max_age`` (clients: ``CLIENT_MAX_AGE``), or before ``EARLIEST`` at all, is refused.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from siyu.core.text import lone_surrogate_path
from siyu.events.models import CLIENT_KINDS, EventKind
from siyu.members.models import Source

MAX_BATCH = 500
# A device's clock may run a little fast; more than this ahead is a wrong clock, not a late event.
MAX_FUTURE_SKEW = timedelta(minutes=5)
# A mini-program's offline queue is flushed on the next launch; 30 days covers a phone left in a drawer.
CLIENT_MAX_AGE = timedelta(days=30)
# Nothing (not even a backfill of history) predates WeChat commerce: an earlier time is a reset clock.
EARLIEST = datetime(2012, 1, 1, tzinfo=UTC)
MAX_PROPERTIES_BYTES = 4096
MAX_KEYWORDS = 100
FIELDS = frozenset({"event_id", "type", "occurred_at", "anonymous_id", "properties", "source", "device"})
SOURCE_FIELDS = frozenset({"channel", "campaign", "content_id", "sharer_id"})
# Channels an event may name; "import" and "unknown" are the server's own labels, not entry points.
CHANNELS = frozenset(Source.values) - {Source.IMPORT, Source.UNKNOWN}
FOLLOW_TARGETS = frozenset({"official_account", "shop"})
PRODUCT_KINDS = frozenset({EventKind.PRODUCT_VIEW, EventKind.FAVOURITE, EventKind.ADD_TO_CART})
MAX_ID = 2**62


@dataclass(frozen=True)
class Rejection:
    index: int
    code: str
    message: str | Promise
    field: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "code": self.code, "message": str(self.message), "field": self.field}


@dataclass
class EventRow:
    """One valid event, in the columns of ``events_event`` (customer resolved later for visitors)."""

    event_id: uuid.UUID
    kind: str
    occurred_at: datetime
    properties: str  # JSON text
    anonymous_id: str = ""
    customer_id: int | None = None
    source: str = ""
    campaign: str = ""
    content_id: str = ""
    sharer_id: int | None = None
    device: str = ""


class _Refused(Exception):
    def __init__(self, code: str, message: str | Promise, field: str = "") -> None:
        self.code, self.message, self.field = code, message, field


MESSAGES: dict[str, str | Promise] = {
    "not_an_object": _("An event must be a JSON object."),
    "unknown_field": _("This field is not part of an event."),
    "missing_field": _("This field is required."),
    "invalid_event_id": _("The event id must be a UUID."),
    "unknown_type": _("Unknown event type."),
    "server_only_type": _("This event type is recorded by the server, not sent by clients."),
    "invalid_time": _("The time must be ISO 8601 with a time zone offset, or epoch milliseconds."),
    "time_in_future": _("The time is more than 5 minutes ahead of the server's clock."),
    "time_too_old": _("The time is too old to be accepted."),
    "anonymous_id_required": _("Without a customer token each event needs an anonymous_id."),
    "invalid_anonymous_id": _("The anonymous id must be 1 to 64 printable characters."),
    "invalid_properties": _("Properties must be a JSON object of at most 4 KB."),
    "invalid_property": _("A property this event type needs is missing or invalid."),
    "unknown_channel": _("Unknown source channel."),
    "invalid_source": _("The source must be an object with channel, campaign, content_id and sharer_id."),
    "invalid_device": _("The device must be a string of at most 16 characters."),
    "invalid_text": _("This text is not valid Unicode (it holds a lone surrogate)."),
}


def _refuse(code: str, field: str = "") -> _Refused:
    return _Refused(code, MESSAGES[code], field)


def _text(value: Any, field: str, limit: int, code: str = "invalid_source") -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > limit:
        raise _refuse(code, field)
    return value.strip()


def parse_time(value: Any) -> datetime:
    if isinstance(value, bool):
        raise _refuse("invalid_time", "occurred_at")
    if isinstance(value, int):
        try:
            return datetime.fromtimestamp(value / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise _refuse("invalid_time", "occurred_at") from exc
    if not isinstance(value, str) or len(value) > 40:
        raise _refuse("invalid_time", "occurred_at")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise _refuse("invalid_time", "occurred_at") from exc
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise _refuse("invalid_time", "occurred_at")
    return moment.astimezone(UTC)


def _properties(kind: str, raw: Any) -> dict[str, Any]:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise _refuse("invalid_properties", "properties")
    if kind == EventKind.SEARCH:
        keywords = raw.get("keywords")
        if not isinstance(keywords, str) or not keywords.strip() or len(keywords) > MAX_KEYWORDS:
            raise _refuse("invalid_property", "properties.keywords")
        raw = {**raw, "keywords": keywords.strip()}
    elif kind in PRODUCT_KINDS:
        product_id = raw.get("product_id")
        if isinstance(product_id, bool) or not isinstance(product_id, int) or not 1 <= product_id <= MAX_ID:
            raise _refuse("invalid_property", "properties.product_id")
    elif kind == EventKind.FOLLOW and raw.get("target") not in FOLLOW_TARGETS:
        raise _refuse("invalid_property", "properties.target")
    return raw


def _source(raw: Any, row: EventRow) -> None:
    if raw is None:
        return
    if isinstance(raw, str):  # shorthand: just the channel
        raw = {"channel": raw}
    if not isinstance(raw, dict) or set(raw) - SOURCE_FIELDS:
        raise _refuse("invalid_source", "source")
    channel = raw.get("channel")
    if channel is not None and channel != "":
        if channel not in CHANNELS:
            raise _refuse("unknown_channel", "source.channel")
        row.source = channel
    row.campaign = _text(raw.get("campaign"), "source.campaign", 64)
    row.content_id = _text(raw.get("content_id"), "source.content_id", 64)
    sharer = raw.get("sharer_id")
    if sharer is not None:
        if isinstance(sharer, bool) or not isinstance(sharer, int) or not 1 <= sharer <= MAX_ID:
            raise _refuse("invalid_source", "source.sharer_id")
        row.sharer_id = sharer


def _anonymous_id(raw: Any) -> str:
    if raw is None or raw == "":
        return ""
    if not isinstance(raw, str) or len(raw) > 64 or not raw.isprintable() or not raw.strip():
        raise _refuse("invalid_anonymous_id", "anonymous_id")
    return raw


def parse_event(
    raw: Any, *, now: datetime, max_age: timedelta | None, has_customer: bool, trusted: bool
) -> EventRow:
    """The row for one raw event; raises ``_Refused`` (see ``parse_batch``) when a rule fails."""
    if not isinstance(raw, dict):
        raise _refuse("not_an_object")
    bad_text = lone_surrogate_path(raw)
    if bad_text is not None:
        raise _refuse("invalid_text", bad_text.encode("utf-8", "backslashreplace").decode("ascii"))
    unknown = sorted(set(raw) - FIELDS)
    if unknown:
        raise _refuse("unknown_field", str(unknown[0]))
    for name in ("event_id", "type", "occurred_at"):
        if raw.get(name) in (None, ""):
            raise _refuse("missing_field", name)
    try:
        event_id = uuid.UUID(str(raw["event_id"])) if isinstance(raw["event_id"], str) else None
    except ValueError:
        event_id = None
    if event_id is None:
        raise _refuse("invalid_event_id", "event_id")
    kind = raw["type"]
    if not isinstance(kind, str) or kind not in EventKind.values:
        raise _refuse("unknown_type", "type")
    if not trusted and kind not in CLIENT_KINDS:
        raise _refuse("server_only_type", "type")
    occurred_at = parse_time(raw["occurred_at"])
    if occurred_at > now + MAX_FUTURE_SKEW:
        raise _refuse("time_in_future", "occurred_at")
    if occurred_at < EARLIEST or (max_age is not None and occurred_at < now - max_age):
        raise _refuse("time_too_old", "occurred_at")
    anonymous_id = _anonymous_id(raw.get("anonymous_id"))
    if not has_customer and not anonymous_id:
        raise _refuse("anonymous_id_required", "anonymous_id")
    properties = json.dumps(
        _properties(kind, raw.get("properties")), ensure_ascii=False, separators=(",", ":")
    )
    if len(properties.encode()) > MAX_PROPERTIES_BYTES:
        raise _refuse("invalid_properties", "properties")
    row = EventRow(
        event_id=event_id,
        kind=kind,
        occurred_at=occurred_at,
        properties=properties,
        anonymous_id=anonymous_id,
        device=_text(raw.get("device"), "device", 16, code="invalid_device"),
    )
    _source(raw.get("source"), row)
    return row


@dataclass
class ParsedBatch:
    rows: list[EventRow]
    rejected: list[Rejection]
    repeated: int  # event ids sent twice in the same batch: duplicates, counted as such


def parse_batch(
    events: list[Any], *, now: datetime, max_age: timedelta | None, has_customer: bool, trusted: bool
) -> ParsedBatch:
    """Validate each event on its own: one bad event refuses only itself."""
    rows: list[EventRow] = []
    rejected: list[Rejection] = []
    seen: set[uuid.UUID] = set()
    repeated = 0
    for index, raw in enumerate(events):
        try:
            row = parse_event(raw, now=now, max_age=max_age, has_customer=has_customer, trusted=trusted)
        except _Refused as refused:
            rejected.append(Rejection(index, refused.code, refused.message, refused.field))
            continue
        if row.event_id in seen:
            repeated += 1
            continue
        seen.add(row.event_id)
        rows.append(row)
    return ParsedBatch(rows, rejected, repeated)
