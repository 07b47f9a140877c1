"""The playbooks the marketing pages manage: for each, its list (with numbers), its stats, the
status actions its own services offer, and its create form.

Every action calls the playbook app's service (which checks the permission and the status machine,
and writes the audit row); nothing here changes a row by itself.
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
from siyu.promotions.bargain import selectors as bargain_selectors
from siyu.promotions.bargain.services import activities as bargain_services
from siyu.promotions.campaigns import selectors as campaign_selectors
from siyu.promotions.campaigns.models import DrawKind
from siyu.promotions.campaigns.services import assist as assist_services
from siyu.promotions.campaigns.services import pools
from siyu.promotions.campaigns.services import split as split_services
from siyu.promotions.flashsale import selectors as flash_selectors
from siyu.promotions.flashsale.services import manage as flash_services
from siyu.promotions.groupbuy import selectors as groupbuy_selectors
from siyu.promotions.groupbuy.services import activities as groupbuy_services
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
    key: str
    slug: str  # the URL segment under /console/marketing/
    label: str | Promise
    rows: Callable[[int], QuerySet]  # merchant id -> the annotated list
    stats: Callable[[Any], dict[str, Any]]
    actions: dict[str, Action]
    allowed: Mapping[str, tuple[str, ...]]
    form: type[f.ActivityForm]
    title_field: str = "name"
    window: tuple[str, str] = ("starts_at", "ends_at")
    facts: tuple[Fact, ...] = field(default_factory=tuple)

    def title(self, row: Any) -> str:
        return str(getattr(row, self.title_field))

    def actions_for(self, row: Any) -> list[tuple[str, str | Promise]]:
        return [(a, ACTION_LABELS[a]) for a in self.allowed.get(row.status, ())]


def _flash(action: str) -> Action:
    return partial(_call, getattr(flash_services, f"{action}_flash_sale"), "flash_sale_id", {})


def _call(setter: Callable[..., Any], id_name: str, extra: dict[str, Any], staff: Staff, pk: int) -> Any:
    return setter(staff=staff, **{id_name: pk}, **extra)


def _simple(setter: Callable[..., Any], id_name: str) -> dict[str, Action]:
    status = {"pause": "paused", "resume": "active", "end": "ended"}
    return {action: partial(_call, setter, id_name, {"status": s}) for action, s in status.items()}


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
            stats=flash_selectors.flash_sale_stats,
            actions={a: _flash(a) for a in ("publish", "pause", "resume", "end")},
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
            stats=groupbuy_selectors.group_buy_stats,
            actions=_simple(groupbuy_services.set_group_buy_status, "group_buy_id"),
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
            stats=bargain_selectors.bargain_stats,
            actions=_simple(bargain_services.set_bargain_status, "bargain_id"),
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
            stats=presale_selectors.presale_stats,
            actions=_presale_actions(),
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
            stats=campaign_selectors.assist_stats,
            actions=_campaign(assist_services.set_assist_status),
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
            stats=campaign_selectors.split_stats,
            actions=_campaign(split_services.set_split_status),
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
            stats=campaign_selectors.draw_stats,
            actions=_campaign(pools.set_draw_campaign_status, kind=DrawKind.PAY_LOTTERY),
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
            stats=campaign_selectors.draw_stats,
            actions=_campaign(pools.set_draw_campaign_status, kind=DrawKind.BLIND_BOX),
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

# How the stats selectors' keys read, and which are money. Unknown keys show with their own name.
STAT_LABELS: dict[str, tuple[str | Promise, str]] = {
    "participants": (_("Participants"), ""),
    "orders": (_("Paid orders"), ""),
    "orders_paid": (_("Paid orders"), ""),
    "orders_pending": (_("Orders awaiting payment"), ""),
    "orders_cancelled": (_("Cancelled orders"), ""),
    "orders_refunded": (_("Refunded orders"), ""),
    "gmv": (_("GMV"), "yuan"),
    "discount_cost": (_("Discount cost"), "yuan"),
    "refunded_amount": (_("Refunded"), "yuan"),
    "refunded": (_("Refunded"), "yuan"),
    "quota": (_("Quota"), ""),
    "units_sold": (_("Units sold"), ""),
    "units_reserved": (_("Units held by unpaid orders"), ""),
    "members_paid": (_("Members who paid"), ""),
    "members_refunded": (_("Members refunded"), ""),
    "teams_opened": (_("Teams opened"), ""),
    "teams_forming": (_("Teams forming"), ""),
    "teams_formed": (_("Teams formed"), ""),
    "teams_failed": (_("Teams failed"), ""),
    "virtual_members": (_("Virtual members"), ""),
    "records": (_("Records"), ""),
    "helps": (_("Helps"), ""),
    "helpers": (_("Helpers"), ""),
    "initiators": (_("Initiators"), ""),
    "ongoing": (_("Ongoing"), ""),
    "reached_floor": (_("Reached the lowest price"), ""),
    "expired": (_("Expired"), ""),
    "ordered": (_("Ordered"), ""),
    "sold": (_("Sold"), ""),
    "bookings": (_("Bookings"), ""),
    "units": (_("Units"), ""),
    "deposits": (_("Deposits"), "yuan"),
    "forfeited": (_("Deposits forfeited"), "yuan"),
    "balances": (_("Balances"), "yuan"),
    "rewards": (_("Rewards given"), ""),
    "reward_kind": (_("Reward"), ""),
    "reward_cost": (_("Reward cost (fen or points)"), ""),
    "teams": (_("Teams"), ""),
    "draws": (_("Draws"), ""),
    "prize_cost": (_("Prize cost (fen; points in points)"), ""),
    "units_boxes": (_("Boxes sold"), ""),
}
HIDDEN_STATS = {"flash_sale_id", "group_buy_id", "bargain_id", "status", "items", "prizes"}


def stat_rows(stats: dict[str, Any]) -> list[tuple[str | Promise, Any, str]]:
    """A stats dict as (label, value, format) rows; nested counts read "key: n, key: n"."""
    rows = []
    for key, value in stats.items():
        if key in HIDDEN_STATS:
            continue
        label, fmt = STAT_LABELS.get(key, (key, ""))
        if isinstance(value, dict):
            value, fmt = counts_text(value), "text"
        elif isinstance(value, str):
            value = value_label(value)
        rows.append((label, value, fmt))
    return rows


def playbook_by_slug(slug: str) -> Playbook | None:
    return next((p for p in PLAYBOOKS.values() if p.slug == slug), None)
