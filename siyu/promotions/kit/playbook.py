"""What the kit knows of one playbook, declared once in the playbook's own ``playbook.py``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from siyu.promotions.kit.stats import ActivityStats


@dataclass(frozen=True)
class Playbook:
    """One kind of activity: its model, how it counts, and what its status verbs check and do.

    ``key`` names it in audit actions (``group_buy.pause``) and in the console. ``check_status``
    runs before a verb moves an activity (a flash sale's publish checks its items and conflicts)
    and ``status_changed`` after, in the same transaction (a flash sale re-syncs its gate on commit).
    ``filters`` picks the playbook's rows when it shares its table with another (lotteries and
    blind boxes are both draw campaigns, told apart by ``kind``).
    """

    key: str
    model: type[Any]  # a subclass of ``siyu.promotions.kit.models.Activity``
    stats: Callable[[Any], ActivityStats]
    check_status: Callable[[Any, str], None] | None = None
    status_changed: Callable[[Any], None] | None = None
    filters: Mapping[str, Any] = field(default_factory=dict)

    def owned(self, merchant_id: int) -> Any:
        """This playbook's activities of one merchant, the queryset ``get_owned`` looks ids up in."""
        return self.model.objects.for_merchant(merchant_id).filter(**self.filters)
