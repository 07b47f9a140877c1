"""Events signals, sent by ``record_events`` inside the transaction that stored the events."""

from django.dispatch import Signal

# kwargs merchant_id: int, events: list[siyu.events.ingest.EventRow]: the events this call stored
# (a duplicate of an event id seen before is not among them), customers already resolved.
events_stored = Signal()
