"""The playbooks the marketing pages manage: for each, its list (with numbers), its stats, the
status actions its state machine offers, and its create form.

Every action goes through the activity kit's status service (which checks the permission and the
status machine, and writes the audit row); nothing here changes a row by itself. Stats are the
playbook's typed ``ActivityStats``: each figure carries its own label.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from siyu.console import forms_activities as f
from siyu.console.readable import counts_text
from siyu.console.readable import label as value_label
from siyu.console.selectors import marketing as sel
from siyu.promotions.bargain.playbook import BARGAINS
from siyu.promotions.campaigns import selectors as campaign_selectors
from siyu.promotions.campaigns.models import DrawKind
from siyu.promotions.campaigns.services import assist as assist_services
from siyu.promotions.campaigns.services import pools
from siyu.promotions.campaigns.services import split as split_services
from siyu.promotions.flashsale.playbook import FLASH_SALES
from siyu.promotions.groupbuy.playbook import GROUP_BUYS
from siyu.promotions.kit.playbook import Playbook as Kit
from siyu.promotions.kit.services import set_status
from siyu.promotions.kit.stats import ActivityStats, Figure
from siyu.promotions.presale import selectors as presale_selectors
from siyu.promotions.presale.services import admin as presale_services
from siyu.tenancy.models import Staff

Action = Callable[[Staff, int], Any]

# Which actions each status allows (the services refuse the others anyway).
SIMPLE: Mapping[str, tuple[str, ...]] = {"active": ("pause", "end"), "paused": ("resume", "end")}
ACTION_LABELS: dict[str, str | Promise] = {
    "publish": _("Publish"),
    "pause": _("Pause"),
    "resume": _("Resume"),
    "end": _("End"),
    "cancel": _("Cancel and refund deposits"),
}


@dataclass(frozen=True)
class Fact:
    """One line of an activity's settings: a label, an attribute path, how to show it."""

    label: str | Promise
    path: str
    fmt: str = ""  # "", "yuan", "bool", "datetime"


@dataclass(frozen=True)
class Playbook:
    """One playbook's pages: ``kit`` is the playbook as the activity kit knows it (its model, stats
    and status verbs); the rest is how the console lists, describes and creates its activities."""

    key: str
    slug: str  # the URL segment under /console/marketing/
    label: str | Promise
    rows: Callable[[int], QuerySet]  # merchant id -> the annotated list
    allowed: Mapping[str, tuple[str, ...]]
    form: type[f.ActivityForm]
    kit: Kit | None = None
    title_field: str = "name"
    window: tuple[str, str] = ("starts_at", "ends_at")
    facts: tuple[Fact, ...] = field(default_factory=tuple)
    # Interim, for presale and the campaigns until they are on the kit: their own status setters and
    # stats dicts. A playbook on the kit leaves both empty.
    interim_actions: Mapping[str, Action] = field(default_factory=dict)
    interim_stats: Callable[[Any], dict[str, Any]] | None = None

    def title(self, row: Any) -> str:
        return str(getattr(row, self.title_field))

    def actions_for(self, row: Any) -> list[tuple[str, str | Promise]]:
        return [(a, ACTION_LABELS[a]) for a in self.allowed.get(row.status, ())]

    @property
    def actions(self) -> frozenset[str]:
        """The status actions this playbook offers in some status."""
        return frozenset(action for actions in self.allowed.values() for action in actions)

    def act(self, action: str, staff: Staff, pk: int) -> Any:
        """Run one status action on activity ``pk`` of the staff member's merchant."""
        if self.kit is not None:
            return set_status(self.kit, action, staff=staff, activity_id=pk)
        return self.interim_actions[action](staff, pk)

    def stats(self, row: Any) -> ActivityStats:
        if self.kit is not None:
            return self.kit.stats(row)
        assert self.interim_stats is not None
        return _interim_stats(self.interim_stats(row))


def _call(setter: Callable[..., Any], id_name: str, extra: dict[str, Any], staff: Staff, pk: int) -> Any:
    return setter(staff=staff, **{id_name: pk}, **extra)


def _campaign(setter: Callable[..., Any], **extra: Any) -> dict[str, Action]:
    return {
        action: partial(_call, setter, "campaign_id", {"action": action, **extra})
        for action in ("pause", "resume", "end")
    }


def _presale_actions() -> dict[str, Action]:
    actions: dict[str, Action] = {
        a: partial(_call, presale_services.set_presale_status, "presale_id", {"action": a})
        for a in ("pause", "resume", "end")
    }
    actions["cancel"] = partial(_call, presale_services.cancel_presale, "presale_id", {})
    return actions


WINDOW = (Fact(_("Starts"), "starts_at", "datetime"), Fact(_("Ends"), "ends_at", "datetime"))

PLAYBOOKS: dict[str, Playbook] = {
    p.key: p
    for p in (
        Playbook(
            key="flash_sale",
            slug="flash-sales",
            label=_("Flash sales"),
            rows=sel.flash_sales,
            kit=FLASH_SALES,
            allowed={
                "draft": ("publish", "end"),
                "scheduled": ("pause", "end"),
                "running": ("pause", "end"),
                "paused": ("resume", "end"),
            },
            form=f.FlashSaleForm,
            title_field="title",
            facts=(
                *WINDOW,
                Fact(_("Units per customer"), "per_customer_limit"),
                Fact(_("Minutes to pay"), "payment_minutes"),
            ),
        ),
        Playbook(
            key="group_buy",
            slug="group-buys",
            label=_("Group buys"),
            rows=sel.group_buys,
            kit=GROUP_BUYS,
            allowed=SIMPLE,
            form=f.GroupBuyForm,
            facts=(
                *WINDOW,
                Fact(_("People per team"), "group_size"),
                Fact(_("Hours to fill a team"), "time_limit_hours"),
                Fact(_("Units per member"), "max_per_member"),
                Fact(_("Lottery group buy"), "lottery", "bool"),
                Fact(_("Fill at the deadline"), "virtual_fill", "bool"),
                Fact(_("Pickup only"), "pickup_only", "bool"),
            ),
        ),
        Playbook(
            key="bargain",
            slug="bargains",
            label=_("Bargains"),
            rows=sel.bargains,
            kit=BARGAINS,
            allowed=SIMPLE,
            form=f.BargainForm,
            facts=(
                *WINDOW,
                Fact(_("Product"), "sku.product.name"),
                Fact(_("SKU"), "sku.code"),
                Fact(_("Starting price"), "start_price", "yuan"),
                Fact(_("Lowest price"), "floor_price", "yuan"),
                Fact(_("Helpers to reach it"), "helpers_needed"),
                Fact(_("Hours to finish"), "hours_to_finish"),
                Fact(_("Orders in all"), "quota"),
                Fact(_("Sold"), "sold"),
            ),
        ),
        Playbook(
            key="presale",
            slug="presales",
            label=_("Presales"),
            rows=sel.presales,
            interim_stats=presale_selectors.presale_stats,
            interim_actions=_presale_actions(),
            allowed={
                "active": ("pause", "end", "cancel"),
                "paused": ("resume", "end", "cancel"),
                "ended": ("cancel",),
            },
            form=f.PresaleForm,
            window=("deposit_starts_at", "balance_ends_at"),
            facts=(
                Fact(_("Product"), "sku.product.name"),
                Fact(_("SKU"), "sku.code"),
                Fact(_("Deposit"), "deposit", "yuan"),
                Fact(_("Off the balance"), "deduction", "yuan"),
                Fact(_("Deposits from"), "deposit_starts_at", "datetime"),
                Fact(_("Deposits until"), "deposit_ends_at", "datetime"),
                Fact(_("Balance from"), "balance_starts_at", "datetime"),
                Fact(_("Balance until"), "balance_ends_at", "datetime"),
                Fact(_("Ships on"), "ship_date"),
                Fact(_("Deposit refundable"), "deposit_refundable", "bool"),
                Fact(_("Units booked"), "units_booked"),
            ),
        ),
        Playbook(
            key="assist",
            slug="assists",
            label=_("Assist campaigns"),
            rows=sel.assists,
            interim_stats=campaign_selectors.assist_stats,
            interim_actions=_campaign(assist_services.set_assist_status),
            allowed=SIMPLE,
            form=f.AssistForm,
            facts=(
                *WINDOW,
                Fact(_("Helps needed"), "assists_needed"),
                Fact(_("Hours to collect them"), "hours"),
                Fact(_("Reward"), "reward_kind"),
                Fact(_("Reward value"), "reward_value"),
                Fact(_("Rewards in all"), "reward_stock"),
                Fact(_("Records started"), "records_started"),
            ),
        ),
        Playbook(
            key="split",
            slug="splits",
            label=_("Split campaigns"),
            rows=sel.splits,
            interim_stats=campaign_selectors.split_stats,
            interim_actions=_campaign(split_services.set_split_status),
            allowed=SIMPLE,
            form=f.SplitForm,
            facts=(
                *WINDOW,
                Fact(_("People per team"), "team_size"),
                Fact(_("Pool per team"), "pool_amount"),
                Fact(_("Least share"), "min_share"),
                Fact(_("Reward"), "reward_kind"),
                Fact(_("Teams started"), "teams_started"),
            ),
        ),
        Playbook(
            key="lottery",
            slug="lotteries",
            label=_("Pay-and-draw lotteries"),
            rows=lambda merchant_id: sel.draw_campaigns(merchant_id, DrawKind.PAY_LOTTERY),
            interim_stats=campaign_selectors.draw_stats,
            interim_actions=_campaign(pools.set_draw_campaign_status, kind=DrawKind.PAY_LOTTERY),
            allowed=SIMPLE,
            form=f.LotteryForm,
            facts=(
                *WINDOW,
                Fact(_("Order amount for one chance"), "min_order_amount", "yuan"),
                Fact(_("Days a chance may be used"), "chance_days"),
            ),
        ),
        Playbook(
            key="blind_box",
            slug="blind-boxes",
            label=_("Blind boxes"),
            rows=lambda merchant_id: sel.draw_campaigns(merchant_id, DrawKind.BLIND_BOX),
            interim_stats=campaign_selectors.draw_stats,
            interim_actions=_campaign(pools.set_draw_campaign_status, kind=DrawKind.BLIND_BOX),
            allowed=SIMPLE,
            form=f.BlindBoxForm,
            facts=(
                *WINDOW,
                Fact(_("Product"), "sku.product.name"),
                Fact(_("SKU"), "sku.code"),
                Fact(_("Box price"), "box_price", "yuan"),
                Fact(_("Boxes per customer"), "per_customer_limit"),
                Fact(_("Boxes for sale"), "box_quota"),
                Fact(_("Boxes taken"), "boxes_taken"),
            ),
        ),
    )
}

# Interim, until presale and the campaigns return ActivityStats: how their stats dicts' keys read,
# and which are money. Unknown keys show with their own name.
INTERIM_STAT_LABELS: dict[str, tuple[str | Promise, bool]] = {
    "participants": (_("Participants"), False),
    "orders": (_("Paid orders"), False),
    "gmv": (_("GMV"), True),
    "discount_cost": (_("Discount cost"), True),
    "refunded": (_("Refunded"), True),
    "records": (_("Records"), False),
    "helps": (_("Helps"), False),
    "helpers": (_("Helpers"), False),
    "initiators": (_("Initiators"), False),
    "ongoing": (_("Ongoing"), False),
    "expired": (_("Expired"), False),
    "bookings": (_("Bookings"), False),
    "units": (_("Units"), False),
    "deposits": (_("Deposits"), True),
    "forfeited": (_("Deposits forfeited"), True),
    "balances": (_("Balances"), True),
    "rewards": (_("Rewards given"), False),
    "reward_kind": (_("Reward"), False),
    "reward_cost": (_("Reward cost (fen or points)"), False),
    "teams": (_("Teams"), False),
    "draws": (_("Draws"), False),
    "prize_cost": (_("Prize cost (fen; points in points)"), False),
    "units_boxes": (_("Boxes sold"), False),
}
INTERIM_HIDDEN = {"presale_id", "campaign_id", "status", "items", "prizes"}


def _interim_stats(stats: dict[str, Any]) -> ActivityStats:
    figures = tuple(_figure(key, value) for key, value in stats.items() if key not in INTERIM_HIDDEN)
    extra = {key: value for key, value in stats.items() if key in INTERIM_HIDDEN}
    return ActivityStats("id", 0, figures, extra=extra)


def _figure(key: str, value: Any) -> Figure:
    label, money = INTERIM_STAT_LABELS.get(key, (key, False))
    return Figure(key, label, value, money=money)


def stat_rows(stats: ActivityStats) -> list[tuple[str | Promise, Any, str]]:
    """An activity's figures as (label, value, format) rows; nested counts read "key: n, key: n"."""
    rows = []
    for figure in stats.figures:
        value, fmt = figure.value, "yuan" if figure.money else ""
        if isinstance(value, dict):
            value, fmt = counts_text(value), "text"
        elif isinstance(value, str):
            value = value_label(value)
        rows.append((figure.label, value, fmt))
    return rows


def playbook_by_slug(slug: str) -> Playbook | None:
    return next((p for p in PLAYBOOKS.values() if p.slug == slug), None)
