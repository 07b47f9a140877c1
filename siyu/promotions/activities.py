"""How activities (秒杀, 拼团, 砍价, 预售, 助力 ...) plug into checkout.

A checkout line may name an activity: ``LineRequest(sku_id, quantity, activity=ActivityRef(kind, id))``.
For each such line checkout asks the registered provider of that ``kind``:

1. ``quote(...)`` (read-only, also used by the checkout preview) -> an :class:`ActivityQuote`: the
   engine rule that prices those units (an ``ActivityPrice`` whose ``id`` is ``ref.rule_id``) and
   whether the order must wait before it ships (``hold_reason``, e.g. "group_forming"), and whether
   the units ship at all (``ships``; a presale deposit does not, so its order pays no shipping).
   Refuse with a ``SiyuError`` (activity over, limit reached, not a member of that group ...).
2. ``reserve(...)`` inside the order's transaction, after the order and its lines exist: take the
   activity's quota / seat / bargain atomically (conditional UPDATE or compare-and-set) and link it
   to the order. Refuse with a ``SiyuError``: the whole order rolls back.

Everything after that (payment, cancellation, refund) reaches the activity through its app's order
hooks (``siyu.orders.hooks.OrderHooks``, registered in the same ``AppConfig.ready``); order lines
carry ``activity_kind`` and ``activity_id`` so a hook finds its own lines. A provider that holds an
order back clears ``Order.hold_reason`` with ``siyu.orders.services.lifecycle.release_hold`` (e.g.
when the group forms).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings

from siyu.catalog.models import Sku
from siyu.core.errors import InvalidInput, SiyuError
from siyu.promotions.engine import ActivityPrice
from siyu.promotions.errors import ActivityConflict

if TYPE_CHECKING:
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
    # False: these units are never shipped (a presale deposit). An order of nothing else pays no
    # shipping fee; the provider settles it (``lifecycle.complete_without_shipping``) when it is done.
    ships: bool = True


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


# ---- one SKU, one price-setting activity at a time ---------------------------------------------

# finder(merchant_id=, sku_ids=, starts_at=, ends_at=) -> [{"kind", "id", "sku_id"}, ...]: the live
# activities of one playbook that hold any of the SKUs in a window overlapping [starts_at, ends_at).
ConflictFinder = Callable[..., list[dict[str, Any]]]
_CONFLICT_FINDERS: dict[str, list[ConflictFinder]] = {}


def register_conflicts(family: str, finder: ConflictFinder) -> None:
    """Register how a playbook finds its live activities on some SKUs (from its ``AppConfig.ready``).

    A family is the playbooks that refuse each other with one error and check each other while
    the SKU rows are locked: ``flashsale``, ``groupbuy`` (group buys and bargains), ``campaigns``
    (blind boxes, presales); each of its playbooks registers its own finder under that name.
    """
    _CONFLICT_FINDERS.setdefault(family, []).append(finder)


def _found(
    families: Iterable[str], *, merchant_id: int, ids: list[int], starts_at: datetime, ends_at: datetime
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for name in families:
        for finder in _CONFLICT_FINDERS.get(name, []):
            found += finder(merchant_id=merchant_id, sku_ids=ids, starts_at=starts_at, ends_at=ends_at)
    return found


def conflicts_elsewhere(
    *, family: str, merchant_id: int, sku_ids: Iterable[int], starts_at: datetime, ends_at: datetime
) -> list[dict[str, Any]]:
    """Activities of the *other* families on these SKUs whose window overlaps [starts_at, ends_at).

    Each family checks its own kinds itself (with the SKU rows locked); this adds the rest, so one
    SKU is in at most one price-setting activity at a time across all playbooks. Merchants that
    want to run them side by side set ``SIYU_ONE_ACTIVITY_PER_SKU = False``.
    """
    if not getattr(settings, "SIYU_ONE_ACTIVITY_PER_SKU", True):
        return []
    ids = sorted(set(sku_ids))
    if not ids:
        return []
    others = [name for name in sorted(_CONFLICT_FINDERS) if name != family]
    return _found(others, merchant_id=merchant_id, ids=ids, starts_at=starts_at, ends_at=ends_at)


def check_skus_free(
    *,
    family: str,
    merchant_id: int,
    sku_ids: Iterable[int],
    starts_at: datetime,
    ends_at: datetime,
    exclude: tuple[str, int] | None = None,
    error: type[SiyuError] = ActivityConflict,
) -> None:
    """Refuse with ``error`` when one of ``sku_ids`` is in another activity overlapping the window:
    one of the family's own (always) or of another family (see :func:`conflicts_elsewhere`).

    It first locks the SKU rows in primary-key order, so two staff members saving activities on the
    same SKUs queue up instead of deadlocking; the lock is held until the caller commits, so two
    concurrent saves cannot both pass. ``exclude`` is ``(kind, id)`` of the activity being edited.
    """
    ids = sorted(set(sku_ids))
    list(Sku.objects.for_merchant(merchant_id).select_for_update().filter(pk__in=ids).order_by("pk"))
    own = _found([family], merchant_id=merchant_id, ids=ids, starts_at=starts_at, ends_at=ends_at)
    if exclude is not None:
        own = [row for row in own if (row["kind"], row["id"]) != exclude]
    found = own + conflicts_elsewhere(
        family=family, merchant_id=merchant_id, sku_ids=ids, starts_at=starts_at, ends_at=ends_at
    )
    if found:
        raise error(detail={"conflicts": found})
