"""Order lifecycle and behaviour events -> value rows: the customer is refreshed once it commits.

Payments, refunds and closings move the order figures; a stored value behaviour (search, product
view, favourite, add to cart, follow: ``VALUE_KINDS``) moves engagement, semi-private membership
and the contact hour; so do a visitor's events attached at login, and a merge (the survivor now
holds both histories). ``schedule_refresh`` enqueues one task per committed transaction.
"""

from __future__ import annotations

from typing import Any

from siyu.audience.values.services import schedule_refresh
from siyu.events.ingest import EventRow
from siyu.events.models import VALUE_KINDS
from siyu.orders.models import Order


def on_order_changed(sender: Any, order: Order, **kwargs: Any) -> None:
    schedule_refresh(order.merchant_id, [order.customer_id])


def on_events_stored(sender: Any, merchant_id: int, events: list[EventRow], **kwargs: Any) -> None:
    engaged = {r.customer_id for r in events if r.customer_id is not None and r.kind in VALUE_KINDS}
    if engaged:
        schedule_refresh(merchant_id, engaged)


def on_visitor_linked(sender: Any, customer: Any, **kwargs: Any) -> None:
    schedule_refresh(customer.merchant_id, [customer.pk])


def on_customers_merged(sender: Any, merge: Any, **kwargs: Any) -> None:
    schedule_refresh(merge.merchant_id, [merge.survivor_id])


def connect() -> None:
    from siyu.events import signals as event_signals
    from siyu.events.models import Event
    from siyu.orders import signals

    signals.order_paid.connect(on_order_changed, sender=Order, dispatch_uid="values.order_paid")
    signals.order_refunded.connect(on_order_changed, sender=Order, dispatch_uid="values.order_refunded")
    signals.order_closed.connect(on_order_changed, sender=Order, dispatch_uid="values.order_closed")
    event_signals.events_stored.connect(on_events_stored, sender=Event, dispatch_uid="values.events_stored")
    event_signals.visitor_linked.connect(on_visitor_linked, dispatch_uid="values.visitor_linked")
    event_signals.customers_merged.connect(on_customers_merged, dispatch_uid="values.customers_merged")
