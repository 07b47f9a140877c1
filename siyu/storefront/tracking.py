"""Behaviour events the H5 storefront records: share-link landings, product views, searches, carts.

Each is written through ``siyu.events.services.record_events``, the one writing path, exactly as a
mini-program's batch would be (validated, deduplicated, moving the customer's touches). Every
event id is derived from what it records, so a reload or a double click records it once (the
merchant's event-id key absorbs the repeat). A refused event (a visitor without a session) is
dropped: tracking must never break the page.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone

from siyu.events.models import EventKind
from siyu.events.services import record_events
from siyu.members.models import Customer, Source
from siyu.tenancy.models import Merchant

log = logging.getLogger(__name__)

_NAMESPACE = uuid.UUID("6f1d2a52-5a43-4f0e-9a8e-0c0bd5a8f7a1")

# Channels a share link may name; anything else is recorded as a plain referral.
SHARE_SOURCES = frozenset(Source.values) - {Source.IMPORT, Source.UNKNOWN}


def share_source(raw: str, *, has_sharer: bool) -> str:
    """The source a landing is recorded under: the link's channel if it is one we know."""
    if raw in SHARE_SOURCES:
        return raw
    return Source.REFERRAL if has_sharer else ""


def _record(
    *,
    merchant: Merchant,
    kind: str,
    dedupe: str,
    customer: Customer | None = None,
    anonymous_id: str = "",
    properties: dict[str, Any] | None = None,
    source: str = "",
    sharer_id: int | None = None,
) -> None:
    event_id = uuid.uuid5(_NAMESPACE, f"{merchant.pk}|{kind}|{dedupe}")
    event: dict[str, Any] = {
        "event_id": str(event_id),
        "type": kind,
        "occurred_at": timezone.now().isoformat(),
        "properties": properties or {},
        "source": {"channel": source, "sharer_id": sharer_id},
        "device": "h5",
    }
    if customer is None:
        event["anonymous_id"] = anonymous_id[:64]
    record_events(merchant=merchant, events=[event], customer=customer)


def record_share_landing(
    *,
    merchant: Merchant,
    customer: Customer | None,
    anonymous_id: str,
    path: str,
    sharer_id: int | None,
    source: str,
) -> None:
    """A visitor arrived through a share link (once per session, page, sharer and channel)."""
    who = f"c{customer.pk}" if customer else f"a{anonymous_id}"
    _record(
        merchant=merchant,
        kind=EventKind.VISIT,
        dedupe=f"{who}|{path}|{sharer_id}|{source}",
        customer=customer,
        anonymous_id=anonymous_id,
        properties={"path": path, "via": "share_link"},
        source=source,
        sharer_id=sharer_id,
    )


def record_visit(*, merchant: Merchant, customer: Customer | None, anonymous_id: str, day: str) -> bool:
    """The visitor (customer or anonymous id) opened the shop on local ``day``: one ``visit`` event
    per visitor and day (its id is derived from both, so a second session records nothing new).
    Never raises: a failure is logged and the page goes on (returns False so it is tried again)."""
    who = f"c{customer.pk}" if customer else f"a{anonymous_id}"
    try:
        with transaction.atomic():  # a savepoint: a failure here never spoils the page's transaction
            _record(
                merchant=merchant,
                kind=EventKind.VISIT,
                dedupe=f"{who}|day|{day}",
                customer=customer,
                anonymous_id=anonymous_id,
                properties={"via": "page_view"},
            )
    except Exception:
        log.exception("could not record the storefront visit of %s to merchant %s", who, merchant.pk)
        return False
    return True


def record_product_view(*, customer: Customer, product_id: int, source: str = "") -> None:
    """A logged-in customer looked at a product (once per customer, product and minute)."""
    minute = timezone.now().strftime("%Y%m%d%H%M")
    _record(
        merchant=customer.merchant,
        kind=EventKind.PRODUCT_VIEW,
        dedupe=f"{customer.pk}|{product_id}|{minute}",
        customer=customer,
        properties={"product_id": product_id},
        source=source,
    )


def record_search(*, customer: Customer, keywords: str, results: int) -> None:
    minute = timezone.now().strftime("%Y%m%d%H%M")
    _record(
        merchant=customer.merchant,
        kind=EventKind.SEARCH,
        dedupe=f"{customer.pk}|{keywords}|{minute}",
        customer=customer,
        properties={"keywords": keywords[:100], "results": results},
    )


def record_add_to_cart(*, customer: Customer, product_id: int, sku_id: int, quantity: int) -> None:
    _record(
        merchant=customer.merchant,
        kind=EventKind.ADD_TO_CART,
        dedupe=f"{customer.pk}|{sku_id}|{uuid.uuid4()}",
        customer=customer,
        properties={"product_id": product_id, "sku_id": sku_id, "quantity": quantity},
    )


def record_share(*, customer: Customer, path: str, source: str) -> None:
    """A customer copied a share link (once per customer, page, channel and minute)."""
    minute = timezone.now().strftime("%Y%m%d%H%M")
    _record(
        merchant=customer.merchant,
        kind=EventKind.SHARE,
        dedupe=f"{customer.pk}|{path}|{source}|{minute}",
        customer=customer,
        properties={"path": path},
        source=source,
    )
