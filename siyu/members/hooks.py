"""What the other apps do when a customer registers.

The contract, step by step:

1. An app that reacts writes one class that implements ``CustomerHooks``, overriding only the
   hooks it needs (the others do nothing), and registers one instance from its
   ``AppConfig.ready``: ``register(RegisterTriggerHooks(), order=40)``.
2. The members services call the hooks by name, inside the transaction that made the change and
   after the customer's own rows are written: a login that registers a new customer
   (``services._log_in``, mini-program or official account) calls ``customer_registered`` before
   the visitor's events are linked and the token issued.
3. The registered hooks run one after the other in ascending ``order``. A hook writes its own rows
   in that same transaction and defers anything outside the database with
   ``transaction.on_commit``. A hook that raises rolls the whole change back: the registration
   fails with it.

The order, lowest first (``siyu/members/tests/test_hooks.py`` holds the apps to it)::

    40  coupons   promotions/services/triggers.py
        registered: issue the coupon templates that go out on registration

Each app keeps the position it has among the order hooks (``siyu/orders/hooks.py``). A new app
takes a free position and adds its line here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from siyu.members.models import Customer


class CustomerHooks(Protocol):
    """What an app does when a customer registers. Subclass it and override what you need; every
    hook runs inside the transaction that made the change."""

    def on_registered(self, customer: Customer) -> None:
        """``customer`` was just created: seen for the first time, not blocked."""
        return None


_HOOKS: dict[int, CustomerHooks] = {}


def register(hooks: CustomerHooks, *, order: int) -> CustomerHooks:
    """Register an app's hooks to run at position ``order`` (call from its ``AppConfig.ready``).

    Registering the same class again replaces it; two classes may not share a position, so the
    order in which hooks run never depends on import order.
    """
    taken = _HOOKS.get(order)
    if taken is not None and type(taken) is not type(hooks):
        raise ValueError(f"customer hook position {order} is taken by {type(taken).__name__}")
    _HOOKS[order] = hooks
    return hooks


def registered() -> list[tuple[int, CustomerHooks]]:
    """The registered hooks with their positions, in the order they run."""
    return sorted(_HOOKS.items(), key=lambda item: item[0])


def customer_registered(customer: Customer) -> None:
    """Run every ``on_registered``: called by the login once a new customer's rows exist."""
    for _position, hooks in registered():
        hooks.on_registered(customer)
