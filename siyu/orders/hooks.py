"""What the other apps do when an order is placed, paid, cancelled, refunded or closed.

The contract, step by step:

1. An app that reacts to orders writes one class that implements ``OrderHooks``, overriding only
   the hooks it needs (the others do nothing), in its own ``hooks.py``, and registers one instance
   from its ``AppConfig.ready``: ``register(LoyaltyHooks(), order=10)``.
2. The order services call the hooks by name, inside the transaction that made the change and after
   the order's own rows are written: checkout's ``place_order`` calls ``order_placed``; payments'
   ``record_payment_notice``, once the order is paid, ``order_paid``; lifecycle's ``cancel_order``
   ``order_cancelled``; a refund (an after-sale approved or its goods returned, lifecycle's
   ``refund_and_close``) ``order_refunded`` and, once everything is refunded, ``order_closed``.
3. The registered hooks run one after the other in ascending ``order``. A hook writes its own rows
   in that same transaction (so a group forms exactly when its last member's payment commits, and a
   coupon comes back exactly when the order that used it is cancelled) and defers anything outside
   the database with ``transaction.on_commit``. A hook that raises rolls the whole change back,
   the order's own write included.

The order, lowest first (``siyu/orders/tests/test_hooks.py`` holds the apps to it)::

    10  loyalty     members/loyalty/hooks.py
        paid: earn points and growth; cancelled: give spent points back; refunded: take back the
        refunded share of what the order earned
    20  events      events/hooks.py
        placed/paid/refunded: the order_created/order_paid/refund behaviour events
    30  values      audience/values/hooks.py
        paid/refunded/closed: refresh the customer's value row once the transaction commits
    40  coupons     promotions/hooks.py
        paid: use the order's coupons, issue the first-order coupons; cancelled: the coupons and
        the gift stock come back
    50  flashsale   promotions/flashsale/hooks.py
        paid: settle the quota; cancelled: release it; closed: mark the units refunded
    60  groupbuy    promotions/groupbuy/hooks.py
        paid: count the member, form the team; cancelled: free the seat; closed: the member is out
    70  bargain     promotions/bargain/hooks.py
        cancelled: the record may be bought again, the quota gets the unit back
    80  campaigns   promotions/campaigns/hooks.py
        paid: draw the blind boxes, grant lottery chances; cancelled: void the draws; closed: close them
    90  presale     promotions/presale/hooks.py
        paid/cancelled/refunded/closed: move the booking whose deposit or balance order it is

This is the order the signal receivers these hooks replaced ran in (their apps' order in
``INSTALLED_APPS``), kept so every effect happens as before: the records of what happened first
(ledgers, behaviour events, the value refresh), then what the order took from promotions (coupons,
gifts), then the playbooks. A new app takes a free position and adds its line here. Mind that a
playbook's hook may settle orders (a group that forms releases or refunds its members' orders),
which runs those orders' hooks inside this one, this very order's included: a seat paid after its
team failed is refunded and closed at once, so the hooks after the group buy's see it closed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from siyu.orders.models import AfterSale, Order


class OrderHooks(Protocol):
    """What an app does at each step of an order's life. Subclass it and override what you need;
    every hook runs inside the transaction that changed the order."""

    def on_placed(self, order: Order) -> None:
        """The order was created, its stock held; it awaits payment."""
        return None

    def on_paid(self, order: Order) -> None:
        """The order was paid (``paid_at``, ``paid_amount`` set) and its stock deducted."""
        return None

    def on_cancelled(self, order: Order) -> None:
        """An unpaid order was cancelled (by the customer, staff or the payment timeout)."""
        return None

    def on_refunded(self, order: Order, *, amount: int, after_sale: AfterSale | None) -> None:
        """``amount`` fen went back to the customer; ``after_sale`` is None for a whole-order refund."""
        return None

    def on_closed(self, order: Order) -> None:
        """Everything was refunded: the order is over."""
        return None


_HOOKS: dict[int, OrderHooks] = {}


def register(hooks: OrderHooks, *, order: int) -> OrderHooks:
    """Register an app's hooks to run at position ``order`` (call from its ``AppConfig.ready``).

    Registering the same class again replaces it; two classes may not share a position, so the
    order in which hooks run never depends on import order.
    """
    taken = _HOOKS.get(order)
    if taken is not None and type(taken) is not type(hooks):
        raise ValueError(f"order hook position {order} is taken by {type(taken).__name__}")
    _HOOKS[order] = hooks
    return hooks


def registered() -> list[tuple[int, OrderHooks]]:
    """The registered hooks with their positions, in the order they run."""
    return sorted(_HOOKS.items(), key=lambda item: item[0])


def order_placed(order: Order) -> None:
    """Run every ``on_placed``: called by checkout once the order, its lines and reservations exist."""
    for _position, hooks in registered():
        hooks.on_placed(order)


def order_paid(order: Order) -> None:
    """Run every ``on_paid``: called by payments once the order is paid and its stock deducted."""
    for _position, hooks in registered():
        hooks.on_paid(order)


def order_cancelled(order: Order) -> None:
    """Run every ``on_cancelled``: called once an unpaid order's stock and payments are released."""
    for _position, hooks in registered():
        hooks.on_cancelled(order)


def order_refunded(order: Order, *, amount: int, after_sale: AfterSale | None) -> None:
    """Run every ``on_refunded``: called once the refund and the order's refunded figures are written."""
    for _position, hooks in registered():
        hooks.on_refunded(order, amount=amount, after_sale=after_sale)


def order_closed(order: Order) -> None:
    """Run every ``on_closed``: called once a fully refunded order has moved to closed."""
    for _position, hooks in registered():
        hooks.on_closed(order)
