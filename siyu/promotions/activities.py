"""How activities (秒杀, 拼团, 砍价, 预售, 助力 ...) plug into checkout.

A checkout line may name an activity: ``LineRequest(sku_id, quantity, activity=ActivityRef(kind, id))``.
For each such line checkout asks the registered provider of that ``kind``:

1. ``quote(...)`` (read-only, also used by the checkout preview) -> an :class:`ActivityQuote`: the
   engine rule that prices those units (an ``ActivityPrice`` whose ``id`` is ``ref.rule_id``) and
   whether the order must wait before it ships (``hold_reason``, e.g. "group_forming").
   Refuse with a ``SiyuError`` (activity over, limit reached, not a member of that group ...).
2. ``reserve(...)`` inside the order's transaction, after the order and its lines exist: take the
   activity's quota / seat / bargain atomically (conditional UPDATE or compare-and-set) and link it
   to the order. Refuse with a ``SiyuError``: the whole order rolls back.

Everything after that (payment, cancellation, refund) reaches the provider through the order
signals in ``siyu.orders.signals``; order lines carry ``activity_kind`` and ``activity_id`` so a
receiver finds its own lines. A provider that holds an order back clears ``Order.hold_reason``
with ``siyu.orders.services.lifecycle.release_hold`` (e.g. when the group forms).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from siyu.core.errors import InvalidInput
from siyu.promotions.engine import ActivityPrice

if TYPE_CHECKING:
    from siyu.catalog.models import Sku
    from siyu.members.models import Customer
    from siyu.orders.models import Order


@dataclass(frozen=True)
class ActivityRef:
    """Which activity a line is bought through: ``kind`` names the provider, ``id`` is its own id
    (a flash sale, a group-buy team, a bargain, a presale booking ...)."""

    kind: str
    id: int

    @property
    def rule_id(self) -> str:
        return f"{self.kind}:{self.id}"

    @classmethod
    def parse(cls, rule_id: str) -> ActivityRef:
        kind, _, raw = rule_id.partition(":")
        return cls(kind=kind, id=int(raw))


@dataclass(frozen=True)
class ActivityQuote:
    rule: ActivityPrice
    hold_reason: str = ""  # non-empty: the paid order may not ship/be picked up until released


class ActivityProvider(Protocol):
    kind: str

    def quote(
        self, *, customer: Customer, ref: ActivityRef, sku: Sku, quantity: int, now: datetime
    ) -> ActivityQuote: ...

    def reserve(
        self, *, customer: Customer, ref: ActivityRef, order: Order, sku: Sku, quantity: int
    ) -> None: ...


_PROVIDERS: dict[str, ActivityProvider] = {}


def register(provider: ActivityProvider) -> ActivityProvider:
    """Register a provider (call from the providing app's ``AppConfig.ready``)."""
    _PROVIDERS[provider.kind] = provider
    return provider


def get_provider(kind: str) -> ActivityProvider:
    provider = _PROVIDERS.get(kind)
    if provider is None:
        raise InvalidInput(detail={"activity_kind": kind, "known": sorted(_PROVIDERS)})
    return provider


def registered_kinds() -> list[str]:
    return sorted(_PROVIDERS)
