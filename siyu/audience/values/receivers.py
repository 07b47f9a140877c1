"""Behaviour events -> value rows: the customer is refreshed once the transaction commits.

A stored value behaviour (search, product view, favourite, add to cart, follow: ``VALUE_KINDS``)
moves engagement, semi-private membership and the contact hour; so do a visitor's events attached
at login, and a merge (the survivor now holds both histories). ``schedule_refresh`` enqueues one
task per committed transaction. What orders move reaches the values through ``hooks.py``.
"""

from __future__ import annotations

from typing import Any

from siyu.audience.values.services import schedule_refresh
from siyu.events import signals as event_signals
from siyu.events.ingest import EventRow
from siyu.events.models import VALUE_KINDS, Event


def on_events_stored(sender: Any, merchant_id: int, events: list[EventRow], **kwargs: Any) -> None:
    engaged = {r.customer_id for r in events if r.customer_id is not None and r.kind in VALUE_KINDS}
    if engaged:
        schedule_refresh(merchant_id, engaged)


def on_visitor_linked(sender: Any, customer: Any, **kwargs: Any) -> None:
    schedule_refresh(customer.merchant_id, [customer.pk])


def on_customers_merged(sender: Any, merge: Any, **kwargs: Any) -> None:
    schedule_refresh(merge.merchant_id, [merge.survivor_id])


def connect() -> None:
    event_signals.events_stored.connect(on_events_stored, sender=Event, dispatch_uid="values.events_stored")
    event_signals.visitor_linked.connect(on_visitor_linked, dispatch_uid="values.visitor_linked")
    event_signals.customers_merged.connect(on_customers_merged, dispatch_uid="values.customers_merged")
