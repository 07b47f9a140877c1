"""The playbooks the marketing pages manage: for each, its list (with numbers), its stats, the
status actions its state machine offers, and its create form.

Every action goes through the activity kit's status service (which checks the permission and the
status machine, and writes the audit row), or the playbook's own service when it does more than
move the status (a presale's cancel); nothing here changes a row by itself. Stats are the
playbook's typed ``ActivityStats``: each figure carries its own label.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from siyu.console import forms_activities as f
from siyu.console.readable import counts_text
from siyu.console.readable import label as value_label
from siyu.console.selectors import marketing as sel
from siyu.promotions.bargain.playbook import BARGAINS
from siyu.promotions.campaigns.models import DrawKind
from siyu.promotions.campaigns.playbook import ASSISTS, BLIND_BOXES, LOTTERIES, SPLITS
from siyu.promotions.flashsale.playbook import FLASH_SALES
from siyu.promotions.groupbuy.playbook import GROUP_BUYS
from siyu.promotions.kit.playbook import Playbook as Kit
from siyu.promotions.kit.services import set_status
from siyu.promotions.kit.stats import ActivityStats
from siyu.promotions.presale.playbook import PRESALES
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
    kit: Kit
    title_field: str = "name"
    window: tuple[str, str] = ("starts_at", "ends_at")
    facts: tuple[Fact, ...] = field(default_factory=tuple)
    # Actions that are more than a status move, run by the playbook's own service (a presale's
    # cancel refunds its deposits after the move).
    use_cases: Mapping[str, Action] = field(default_factory=dict)

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
        if action in self.use_cases:
            return self.use_cases[action](staff, pk)
        return set_status(self.kit, action, staff=staff, activity_id=pk)

    def stats(self, row: Any) -> ActivityStats:
        return self.kit.stats(row)


def _cancel_presale(staff: Staff, pk: int) -> Any:
    return presale_services.cancel_presale(staff=staff, presale_id=pk)


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
            kit=PRESALES,
            use_cases={"cancel": _cancel_presale},
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
            kit=ASSISTS,
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
            kit=SPLITS,
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
            kit=LOTTERIES,
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
            kit=BLIND_BOXES,
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
