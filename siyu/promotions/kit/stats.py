"""The numbers of one activity, typed the same way for every playbook."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import BigIntegerField, Count, QuerySet, Sum
from django.db.models.functions import Cast, Coalesce
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from siyu.orders.models import OrderLine


@dataclass(frozen=True)
class Figure:
    """One number of an activity: its key in the API, how the console labels it, its value."""

    key: str
    label: str | Promise
    value: Any  # a count, fen when ``money``, a status word, or {status: count}
    money: bool = False


@dataclass(frozen=True)
class ActivityStats:
    """One activity's figures, in the order pages show them, and the rows behind them.

    ``as_dict`` is the API's stats body: ``{id_name: activity_id, **figures, **extra}``;
    ``extra`` holds what only the API shows whole (a flash sale's status, per-item rows).
    """

    id_name: str
    activity_id: int
    figures: tuple[Figure, ...]
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.as_dict()[key]

    def as_dict(self) -> dict[str, Any]:
        return {self.id_name: self.activity_id, **{f.key: f.value for f in self.figures}, **self.extra}


def sales_figures(merchant_id: int, kind: str, activity_ids: Iterable[int] | QuerySet) -> tuple[Figure, ...]:
    """What the activity lines of paid orders brought: orders, GMV (paid less refunded), and the
    discount given on the units that were kept (each line's discount, pro rata to units not refunded)."""
    lines = OrderLine.objects.filter(
        merchant_id=merchant_id,
        activity_kind=kind,
        activity_id__in=activity_ids,
        order__paid_at__isnull=False,
    )
    big = BigIntegerField()
    totals = lines.aggregate(
        orders=Count("order_id", distinct=True),
        paid=Coalesce(Sum(Cast("paid_amount", big)), 0),
        refunded=Coalesce(Sum(Cast("refunded_amount", big)), 0),
        discount=Coalesce(
            Sum(
                Cast("discount_amount", big)
                * (Cast("quantity", big) - Cast("refunded_quantity", big))
                / Cast("quantity", big)
            ),
            0,
        ),
    )
    return (
        Figure("orders", _("Paid orders"), totals["orders"]),
        Figure("gmv", _("GMV"), totals["paid"] - totals["refunded"], money=True),
        Figure("discount_cost", _("Discount cost"), totals["discount"], money=True),
    )
