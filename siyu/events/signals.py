"""Events signals, sent inside the transaction that made the change.

The bulk insert and the UPDATEs of ``record_events``/``identity`` send no ``post_save``: these are
the hooks other apps (promotions' trigger coupons, the value models) hang off.
"""

from django.dispatch import Signal

# kwargs merchant_id: int, events: list[siyu.events.ingest.EventRow]: the events this call stored
# (a duplicate of an event id seen before is not among them), customers already resolved.
events_stored = Signal()
# kwargs customer: Customer, anonymous_id: str, attached: int: a visitor's anonymous events were
# attached to the customer (login, phone binding); sent only when some were.
visitor_linked = Signal()
# kwargs merge: CustomerMerge (survivor, merged): every row of ``merged`` now belongs to ``survivor``.
customers_merged = Signal()
