"""The activities running in a shop now, every playbook: the 活动 page lists them and the home page's
活动 tile counts them, from one definition of "running" per playbook.

Running means a shopper can take part right now: published (not a draft, not paused, not ended)
and inside its window. A presale runs from its first deposit to its last balance payment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, IntegerField, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from siyu.promotions.bargain import selectors as bargain_selectors
from siyu.promotions.campaigns.models import (
    AssistCampaign,
    DrawCampaign,
    DrawKind,
    SplitCampaign,
)
from siyu.promotions.flashsale.models import SELLING, FlashSale
from siyu.promotions.groupbuy import selectors as group_selectors
from siyu.promotions.kit.models import ActivityStatus
from siyu.promotions.presale.models import Presale, PresaleStatus
from siyu.tenancy.models import Merchant

LIST_SIZE = 10  # per playbook on the 活动 page


@dataclass(frozen=True)
class Entry:
    """One running activity as the 活动 page lists it."""

    kind: str
    label: str | Promise
    name: str
    url_name: str
    pk: int
    ends_at: datetime


def _campaigns(model: Any, merchant: Merchant, now: datetime, **filters: Any) -> QuerySet:
    return (
        model.objects.for_merchant(merchant)
        .filter(status=ActivityStatus.ACTIVE, starts_at__lte=now, ends_at__gt=now, **filters)
        .order_by("ends_at", "pk")
    )


@dataclass(frozen=True)
class Playbook:
    kind: str
    label: str | Promise
    url_name: str
    running: Callable[[Merchant, datetime], QuerySet]
    name: Callable[[Any], str]
    ends_at: Callable[[Any, datetime], datetime]


def _ends(row: Any, now: datetime) -> datetime:
    return row.ends_at


def _presale_ends(row: Presale, now: datetime) -> datetime:
    """A presale's next deadline: deposits close, then balances close."""
    return row.deposit_ends_at if now < row.deposit_ends_at else row.balance_ends_at


PLAYBOOKS: tuple[Playbook, ...] = (
    Playbook(
        "flash_sale",
        pgettext_lazy("activity", "Flash sale"),
        "flash_sale",
        lambda m, now: (
            FlashSale.objects.for_merchant(m)
            .filter(status__in=SELLING, starts_at__lte=now, ends_at__gt=now)
            .order_by("ends_at", "pk")
        ),
        lambda row: row.title,
        _ends,
    ),
    Playbook(
        "group_buy",
        _("Group buy"),
        "group_buy",
        lambda m, now: group_selectors.live_group_buys(m.pk, now),
        lambda row: row.name,
        _ends,
    ),
    Playbook(
        "bargain",
        _("Bargain"),
        "bargain",
        lambda m, now: bargain_selectors.live_bargains(m.pk, now),
        lambda row: row.name,
        _ends,
    ),
    Playbook(
        "presale",
        _("Presale"),
        "presale",
        lambda m, now: (
            Presale.objects.for_merchant(m)
            .exclude(status=PresaleStatus.CANCELLED)
            .filter(deposit_starts_at__lte=now, balance_ends_at__gt=now)
            .order_by("deposit_ends_at", "pk")
        ),
        lambda row: row.name,
        _presale_ends,
    ),
    Playbook(
        "assist",
        _("Friend assist"),
        "assist",
        lambda m, now: _campaigns(AssistCampaign, m, now),
        lambda row: row.name,
        _ends,
    ),
    Playbook(
        "split",
        _("Friend split"),
        "split",
        lambda m, now: _campaigns(SplitCampaign, m, now),
        lambda row: row.name,
        _ends,
    ),
    Playbook(
        "lottery",
        _("Pay and draw"),
        "lottery",
        lambda m, now: _campaigns(DrawCampaign, m, now, kind=DrawKind.PAY_LOTTERY),
        lambda row: row.name,
        _ends,
    ),
    Playbook(
        "blind_box",
        _("Blind box"),
        "blind_box",
        lambda m, now: _campaigns(DrawCampaign, m, now, kind=DrawKind.BLIND_BOX),
        lambda row: row.name,
        _ends,
    ),
)


def running(*, merchant: Merchant, now: datetime) -> list[Entry]:
    """Every running activity, playbook by playbook (flash sales first), each ending soonest first;
    one query per playbook, at most ``LIST_SIZE`` of each."""
    entries = []
    for book in PLAYBOOKS:
        for row in book.running(merchant, now)[:LIST_SIZE]:
            ends_at = book.ends_at(row, now)
            entries.append(Entry(book.kind, book.label, book.name(row), book.url_name, row.pk, ends_at))
    return entries


def _per_merchant(qs: QuerySet) -> QuerySet:
    return qs.order_by().values("merchant")


def running_count(*, merchant: Merchant, now: datetime) -> int:
    """How many activities run now, every playbook counted, in one query."""
    counts = {
        book.kind: Coalesce(
            Subquery(_per_merchant(book.running(merchant, now)).annotate(n=Count("pk")).values("n")),
            Value(0),
            output_field=IntegerField(),
        )
        for book in PLAYBOOKS
    }
    row = Merchant.objects.filter(pk=merchant.pk).annotate(**counts).values(*counts).get()
    return sum(row.values())
