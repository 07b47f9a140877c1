"""What the other apps do when behaviour events are stored or a customer's identity changes.

The contract, step by step:

1. An app that reacts writes one class that implements ``EventHooks``, overriding only the hooks
   it needs (the others do nothing), and registers one instance from its ``AppConfig.ready``:
   ``register(ValueEventHooks(), order=30)``.
2. The events services call the hooks by name, inside the transaction that made the change and
   after their own rows are written: ``record_events`` calls ``events_stored`` with the events it
   actually stored (a duplicate replayed under a known id is not among them; it stores them with
   one bulk insert, so this is the one place to react to events); ``identity.link_visitor``
   calls ``visitor_linked`` when it attached some of a visitor's events to a customer;
   ``identity.merge_customers`` calls ``customers_merged`` once every row has moved and the
   ``CustomerMerge`` and its audit row are written.
3. The registered hooks run one after the other in ascending ``order``. A hook writes its own rows
   in that same transaction and defers anything outside the database with
   ``transaction.on_commit``. A hook that raises rolls the whole change back: the events stored,
   the link or the merge included.

The order, lowest first (``siyu/events/tests/test_event_hooks.py`` holds the apps to it)::

    30  values    audience/values/event_hooks.py
        stored (value behaviours), linked, merged: refresh those customers' value rows once the
        transaction commits
    40  coupons   promotions/services/triggers.py
        stored: issue the follow and share coupons of the customers whose follow/share events
        were stored

Each app keeps the position it has among the order hooks (``siyu/orders/hooks.py``), and the order
is the one the signal receivers these hooks replaced ran in (their apps' order in
``INSTALLED_APPS``). A new app takes a free position and adds its line here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from siyu.events.ingest import EventRow
    from siyu.members.models import Customer, CustomerMerge


class EventHooks(Protocol):
    """What an app does when events are stored or customers are linked or merged. Subclass it and
    override what you need; every hook runs inside the transaction that made the change."""

    def on_events_stored(self, merchant_id: int, events: list[EventRow]) -> None:
        """``events`` (never empty) were stored for ``merchant_id``, their customers resolved."""
        return None

    def on_visitor_linked(self, customer: Customer, *, anonymous_id: str, attached: int) -> None:
        """``attached`` (at least one) of visitor ``anonymous_id``'s events now belong to ``customer``
        (a login or a phone binding)."""
        return None

    def on_customers_merged(self, merge: CustomerMerge) -> None:
        """Every row of ``merge.merged`` now belongs to ``merge.survivor``."""
        return None


_HOOKS: dict[int, EventHooks] = {}


def register(hooks: EventHooks, *, order: int) -> EventHooks:
    """Register an app's hooks to run at position ``order`` (call from its ``AppConfig.ready``).

    Registering the same class again replaces it; two classes may not share a position, so the
    order in which hooks run never depends on import order.
    """
    taken = _HOOKS.get(order)
    if taken is not None and type(taken) is not type(hooks):
        raise ValueError(f"event hook position {order} is taken by {type(taken).__name__}")
    _HOOKS[order] = hooks
    return hooks


def registered() -> list[tuple[int, EventHooks]]:
    """The registered hooks with their positions, in the order they run."""
    return sorted(_HOOKS.items(), key=lambda item: item[0])


def events_stored(*, merchant_id: int, events: list[EventRow]) -> None:
    """Run every ``on_events_stored``: called by ``record_events`` once its events are written."""
    for _position, hooks in registered():
        hooks.on_events_stored(merchant_id, events)


def visitor_linked(customer: Customer, *, anonymous_id: str, attached: int) -> None:
    """Run every ``on_visitor_linked``: called by ``link_visitor`` once it attached events."""
    for _position, hooks in registered():
        hooks.on_visitor_linked(customer, anonymous_id=anonymous_id, attached=attached)


def customers_merged(merge: CustomerMerge) -> None:
    """Run every ``on_customers_merged``: called by ``merge_customers`` once the merge is written."""
    for _position, hooks in registered():
        hooks.on_customers_merged(merge)
