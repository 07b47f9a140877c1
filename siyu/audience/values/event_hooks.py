"""Behaviour events -> value rows: the customer is refreshed once the transaction commits.

Position 30 in ``siyu/events/event_hooks.py``. A stored value behaviour (search, product view,
favourite, add to cart, follow: ``VALUE_KINDS``) moves engagement, semi-private membership and the
contact hour; so do a visitor's events attached at login, and a merge (the survivor now holds both
histories). ``schedule_refresh`` enqueues one task per committed transaction. What orders move
reaches the values through ``hooks.py``.
"""

from __future__ import annotations

from siyu.audience.values.services import schedule_refresh
from siyu.events.event_hooks import EventHooks
from siyu.events.ingest import EventRow
from siyu.events.models import VALUE_KINDS
from siyu.members.models import Customer, CustomerMerge


class ValueEventHooks(EventHooks):
    """Schedule the refresh of the customers whose engagement or history just changed."""

    def on_events_stored(self, merchant_id: int, events: list[EventRow]) -> None:
        engaged = {r.customer_id for r in events if r.customer_id is not None and r.kind in VALUE_KINDS}
        if engaged:
            schedule_refresh(merchant_id, engaged)

    def on_visitor_linked(self, customer: Customer, *, anonymous_id: str, attached: int) -> None:
        schedule_refresh(customer.merchant_id, [customer.pk])

    def on_customers_merged(self, merge: CustomerMerge) -> None:
        schedule_refresh(merge.merchant_id, [merge.survivor_id])
