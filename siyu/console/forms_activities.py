"""Create forms of the playbooks (秒杀, 拼团, 砍价, 预售, 助力, 瓜分, 抽奖, 盲盒).

Each form cleans what staff type (yuan, SKU codes, one item a line) into the inputs of its app's
create service, and ``create(staff)`` calls that service; the service validates the rules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from siyu.console.forms import (
    DateInput,
    DateTimeField,
    LinesField,
    YuanField,
    percent_to_bp,
    whole,
    yuan_to_fen,
)
from siyu.promotions.bargain.services.activities import BargainInput, create_bargain
from siyu.promotions.campaigns.services.assist import create_assist
from siyu.promotions.campaigns.services.pools import PrizeInput, create_blind_box, create_lottery
from siyu.promotions.campaigns.services.split import create_split
from siyu.promotions.flashsale.services.manage import ItemInput, create_flash_sale
from siyu.promotions.groupbuy.services.activities import GroupBuyInput, GroupBuySkuInput, create_group_buy
from siyu.promotions.presale.services.admin import create_presale
from siyu.tenancy.models import Staff

REWARDS = [("coupon", _("Coupon (value in yuan)")), ("points", _("Points"))]
PRIZE_KINDS = ("item", "coupon", "points", "nothing")


class ActivityForm(forms.Form):
    """A playbook's create form. ``lookup`` (set by the view) maps SKU codes to this merchant's ids."""

    lookup: Callable[[set[str]], dict[str, int]] = staticmethod(lambda codes: {})
    sku_ids: dict[str, int]
    code_fields: tuple[str, ...] = ()  # single SKU code fields
    lines_field = ""  # a LinesField whose first column is a SKU code

    def codes_named(self) -> dict[str, set[str]]:
        named: dict[str, set[str]] = {}
        for name in self.code_fields:
            code = (self.cleaned_data.get(name) or "").strip()
            if code:
                named[name] = {code}
        if self.lines_field and self.cleaned_data.get(self.lines_field):
            named[self.lines_field] = {row[0] for row in self.cleaned_data[self.lines_field] if row[0]}
        return named

    def clean(self) -> dict[str, Any] | None:
        data = super().clean()
        named = self.codes_named()
        wanted = set().union(*named.values()) if named else set()
        self.sku_ids = self.lookup(wanted) if wanted else {}
        for name, codes in named.items():
            missing = sorted(codes - set(self.sku_ids))
            if missing:
                self.add_error(name, _("No SKU has the code %(codes)s.") % {"codes": ", ".join(missing)})
        if not self.errors:
            try:
                self.inputs = self.build()
            except forms.ValidationError as exc:
                self.add_error(self.lines_field or None, exc)
        return data

    def build(self) -> dict[str, Any]:
        """The create service's keyword arguments (without ``staff``)."""
        raise NotImplementedError

    def create(self, staff: Staff) -> Any:
        raise NotImplementedError

    def sku(self, name: str) -> int:
        return self.sku_ids[self.cleaned_data[name].strip()]


class WindowMixin(forms.Form):
    starts_at = DateTimeField(label=_("Starts"))
    ends_at = DateTimeField(label=_("Ends"))


class FlashSaleForm(WindowMixin, ActivityForm):
    title = forms.CharField(label=_("Title"), max_length=60)
    per_customer_limit = forms.IntegerField(
        label=_("Units per customer"), min_value=1, max_value=99, initial=1
    )
    payment_minutes = forms.IntegerField(
        label=_("Minutes to pay (empty = the shop's)"), min_value=1, max_value=1440, required=False
    )
    publish = forms.BooleanField(label=_("Publish now (else a draft)"), required=False, initial=True)
    items = LinesField(
        label=_("One SKU a line: SKU code, flash price (yuan), quota"), columns=(3, 3), most=50
    )
    field_order = [
        "title",
        "starts_at",
        "ends_at",
        "items",
        "per_customer_limit",
        "payment_minutes",
        "publish",
    ]
    lines_field = "items"

    def build(self) -> dict[str, Any]:
        d = self.cleaned_data
        items = [
            ItemInput(self.sku_ids[code], yuan_to_fen(price, code), whole(quota, code, low=1, high=1_000_000))
            for code, price, quota in d["items"]
        ]
        if not items:
            raise forms.ValidationError(_("List at least one SKU."))
        return {
            "title": d["title"],
            "starts_at": d["starts_at"],
            "ends_at": d["ends_at"],
            "items": items,
            "per_customer_limit": d["per_customer_limit"],
            "payment_minutes": d["payment_minutes"],
            "publish": d["publish"],
        }

    def create(self, staff: Staff) -> Any:
        return create_flash_sale(staff=staff, **self.inputs)


class GroupBuyForm(WindowMixin, ActivityForm):
    name = forms.CharField(label=_("Name"), max_length=64)
    group_size = forms.IntegerField(label=_("People per team"), min_value=2, max_value=100, initial=2)
    time_limit_hours = forms.IntegerField(
        label=_("Hours to fill a team"), min_value=1, max_value=168, initial=24
    )
    max_per_member = forms.IntegerField(label=_("Units per member"), min_value=1, max_value=99, initial=1)
    skus = LinesField(
        label=_("One SKU a line: SKU code, group price (yuan), leader price (yuan, optional)"),
        columns=(2, 3),
        most=50,
    )
    lottery = forms.BooleanField(label=_("Lottery group buy (only drawn members buy)"), required=False)
    lottery_winners = forms.IntegerField(label=_("Winners per team"), min_value=0, max_value=99, initial=0)
    virtual_fill = forms.BooleanField(label=_("Fill an unfilled team at its deadline"), required=False)
    pickup_only = forms.BooleanField(label=_("Members collect at an outlet"), required=False)
    consolation_coupon_template_id = forms.IntegerField(
        label=_("Coupon for lottery losers (template id)"), min_value=1, max_value=2**63 - 1, required=False
    )
    field_order = ["name", "starts_at", "ends_at", "skus", "group_size", "time_limit_hours"]
    lines_field = "skus"

    def build(self) -> dict[str, Any]:
        d = self.cleaned_data
        rows = [
            GroupBuySkuInput(
                self.sku_ids[row[0]],
                yuan_to_fen(row[1], row[0]),
                yuan_to_fen(row[2], row[0]) if len(row) > 2 and row[2] else None,
            )
            for row in d["skus"]
        ]
        data = GroupBuyInput(
            name=d["name"],
            starts_at=d["starts_at"],
            ends_at=d["ends_at"],
            group_size=d["group_size"],
            time_limit_hours=d["time_limit_hours"],
            skus=rows,
            max_per_member=d["max_per_member"],
            lottery=d["lottery"],
            lottery_winners=d["lottery_winners"],
            virtual_fill=d["virtual_fill"],
            pickup_only=d["pickup_only"],
            consolation_coupon_template_id=d["consolation_coupon_template_id"],
        )
        return {"data": data}

    def create(self, staff: Staff) -> Any:
        return create_group_buy(staff=staff, **self.inputs)


class BargainForm(WindowMixin, ActivityForm):
    name = forms.CharField(label=_("Name"), max_length=64)
    sku_code = forms.CharField(label=_("SKU code"), max_length=64)
    floor_price = YuanField(label=_("Lowest price (yuan; 0 = free)"))
    helpers_needed = forms.IntegerField(label=_("Helpers to reach it"), min_value=1, max_value=100, initial=5)
    hours_to_finish = forms.IntegerField(label=_("Hours to finish"), min_value=1, max_value=168, initial=24)
    quota = forms.IntegerField(
        label=_("Orders in all (empty = no cap)"), min_value=1, max_value=10**7, required=False
    )
    per_customer_limit = forms.IntegerField(label=_("Per customer"), min_value=1, max_value=99, initial=1)
    field_order = ["name", "sku_code", "starts_at", "ends_at"]
    code_fields = ("sku_code",)

    def build(self) -> dict[str, Any]:
        d = self.cleaned_data
        data = BargainInput(
            name=d["name"],
            sku_id=self.sku("sku_code"),
            starts_at=d["starts_at"],
            ends_at=d["ends_at"],
            floor_price=d["floor_price"],
            helpers_needed=d["helpers_needed"],
            hours_to_finish=d["hours_to_finish"],
            quota=d["quota"],
            per_customer_limit=d["per_customer_limit"],
        )
        return {"data": data}

    def create(self, staff: Staff) -> Any:
        return create_bargain(staff=staff, **self.inputs)


class PresaleForm(ActivityForm):
    name = forms.CharField(label=_("Name"), max_length=64)
    sku_code = forms.CharField(label=_("SKU code of the goods"), max_length=64)
    deposit_sku_code = forms.CharField(label=_("SKU code standing for the deposit"), max_length=64)
    deposit = YuanField(label=_("Deposit per unit (yuan)"), min_value=0.01)
    deduction = YuanField(label=_("Off the balance per unit (yuan, at least the deposit)"), min_value=0.01)
    deposit_starts_at = DateTimeField(label=_("Deposits from"))
    deposit_ends_at = DateTimeField(label=_("Deposits until"))
    balance_starts_at = DateTimeField(label=_("Balance from"))
    balance_ends_at = DateTimeField(label=_("Balance until"))
    ship_date = forms.DateField(label=_("Ships on"), widget=DateInput)
    deposit_refundable = forms.BooleanField(label=_("Deposit refundable"), required=False)
    per_customer_limit = forms.IntegerField(
        label=_("Units per customer"), min_value=1, max_value=999, required=False
    )
    quota = forms.IntegerField(
        label=_("Units in all (empty = no cap)"), min_value=1, max_value=10**7, required=False
    )
    code_fields = ("sku_code", "deposit_sku_code")

    def build(self) -> dict[str, Any]:
        d = self.cleaned_data
        fields = {
            k: d[k] for k in ("name", "deposit", "deduction", "ship_date", "deposit_refundable", "quota")
        }
        windows = ("deposit_starts_at", "deposit_ends_at", "balance_starts_at", "balance_ends_at")
        return {
            **fields,
            **{k: d[k] for k in windows},
            "per_customer_limit": d["per_customer_limit"],
            "sku_id": self.sku("sku_code"),
            "deposit_sku_id": self.sku("deposit_sku_code"),
        }

    def create(self, staff: Staff) -> Any:
        return create_presale(staff=staff, **self.inputs)


def _reward(kind: str, value: Any, where: str) -> int:
    """A reward typed as yuan for a coupon or as points."""
    text = str(value)
    return yuan_to_fen(text, where) if kind == "coupon" else whole(text, where, low=1, high=10**9)


class AssistForm(WindowMixin, ActivityForm):
    name = forms.CharField(label=_("Name"), max_length=64)
    assists_needed = forms.IntegerField(label=_("Helps needed"), min_value=1, max_value=100, initial=3)
    hours = forms.IntegerField(label=_("Hours to collect them"), min_value=1, max_value=720, initial=24)
    reward_kind = forms.ChoiceField(label=_("Reward"), choices=REWARDS)
    reward_value = forms.DecimalField(
        label=_("Reward value"), min_value=0.01, max_digits=12, decimal_places=2
    )
    coupon_template_id = forms.IntegerField(
        label=_("Coupon template id (coupon rewards)"), min_value=1, max_value=2**63 - 1, required=False
    )
    new_helpers_only = forms.BooleanField(label=_("Only new customers may help"), required=False)
    reward_stock = forms.IntegerField(
        label=_("Rewards in all (empty = unlimited)"), min_value=1, max_value=10**7, required=False
    )

    def build(self) -> dict[str, Any]:
        d = self.cleaned_data
        try:
            value = _reward(d["reward_kind"], d["reward_value"], str(_("Reward value")))
        except forms.ValidationError as exc:
            self.add_error("reward_value", exc)
            return {}
        keys = (
            "name",
            "starts_at",
            "ends_at",
            "assists_needed",
            "hours",
            "reward_kind",
            "coupon_template_id",
        )
        return {
            **{k: d[k] for k in keys},
            "reward_value": value,
            "new_helpers_only": d["new_helpers_only"],
            "reward_stock": d["reward_stock"],
        }

    def create(self, staff: Staff) -> Any:
        return create_assist(staff=staff, **self.inputs)


class SplitForm(WindowMixin, ActivityForm):
    name = forms.CharField(label=_("Name"), max_length=64)
    team_size = forms.IntegerField(label=_("People per team"), min_value=2, max_value=50, initial=3)
    reward_kind = forms.ChoiceField(label=_("Reward"), choices=REWARDS)
    pool_amount = forms.DecimalField(
        label=_("Pool per team"), min_value=0.02, max_digits=12, decimal_places=2
    )
    min_share = forms.DecimalField(label=_("Least share"), min_value=0.01, max_digits=12, decimal_places=2)
    hours = forms.IntegerField(label=_("Hours to fill a team"), min_value=1, max_value=720, initial=24)
    coupon_template_id = forms.IntegerField(
        label=_("Coupon template id (coupon rewards)"), min_value=1, max_value=2**63 - 1, required=False
    )
    team_stock = forms.IntegerField(
        label=_("Pools in all (empty = unlimited)"), min_value=1, max_value=10**7, required=False
    )

    def build(self) -> dict[str, Any]:
        d = self.cleaned_data
        try:
            pool = _reward(d["reward_kind"], d["pool_amount"], str(_("Pool per team")))
            least = _reward(d["reward_kind"], d["min_share"], str(_("Least share")))
        except forms.ValidationError as exc:
            self.add_error("pool_amount", exc)
            return {}
        keys = ("name", "starts_at", "ends_at", "team_size", "hours", "reward_kind", "coupon_template_id")
        return {
            **{k: d[k] for k in keys},
            "pool_amount": pool,
            "min_share": least,
            "team_stock": d["team_stock"],
        }

    def create(self, staff: Staff) -> Any:
        return create_split(staff=staff, **self.inputs)


PRIZES_HELP = _(
    "One prize a line: name, kind (item, coupon, points, nothing), chance (%), stock (empty = unlimited), "
    "value (yuan, or points), coupon template id or SKU code"
)


class DrawForm(WindowMixin, ActivityForm):
    """A prize pool: shared by the pay-and-draw lottery and the blind box."""

    name = forms.CharField(label=_("Name"), max_length=64)
    prizes = LinesField(label=PRIZES_HELP, columns=(3, 6), most=20)
    lines_field = "prizes"

    def codes_named(self) -> dict[str, set[str]]:
        named = {
            n: {(self.cleaned_data.get(n) or "").strip()}
            for n in self.code_fields
            if self.cleaned_data.get(n)
        }
        codes = {
            row[5]
            for row in self.cleaned_data.get("prizes", [])
            if len(row) > 5 and row[1] == "item" and row[5]
        }
        if codes:
            named["prizes"] = codes
        return named

    def prize_inputs(self) -> list[PrizeInput]:
        prizes = []
        for n, row in enumerate(self.cleaned_data["prizes"], start=1):
            where = _("Prize %(n)d") % {"n": n}
            name, kind = row[0], row[1]
            if kind not in PRIZE_KINDS:
                raise forms.ValidationError(
                    _("%(where)s: the kind is one of item, coupon, points, nothing.") % {"where": where}
                )
            stock = whole(row[3], where, high=10**7) if len(row) > 3 and row[3] else None
            value_text = row[4] if len(row) > 4 and row[4] else "0"
            value = (
                whole(value_text, where, high=10**9) if kind == "points" else yuan_to_fen(value_text, where)
            )
            link = row[5] if len(row) > 5 and row[5] else ""
            template_id = whole(link, where, low=1, high=2**62) if kind == "coupon" and link else None
            prizes.append(
                PrizeInput(
                    name=name,
                    kind=kind,
                    weight_bp=percent_to_bp(row[2], where, low=1),
                    stock=stock,
                    value=value,
                    coupon_template_id=template_id,
                    sku_id=self.sku_ids.get(link) if kind == "item" and link else None,
                )
            )
        if not prizes:
            raise forms.ValidationError(_("List at least one prize."))
        return prizes


class LotteryForm(DrawForm):
    min_order_amount = YuanField(label=_("Order amount for one chance (yuan)"))
    chance_days = forms.IntegerField(
        label=_("Days a chance may be used"), min_value=1, max_value=90, initial=7
    )

    def build(self) -> dict[str, Any]:
        d = self.cleaned_data
        keys = ("name", "starts_at", "ends_at", "min_order_amount", "chance_days")
        return {**{k: d[k] for k in keys}, "prizes": self.prize_inputs()}

    def create(self, staff: Staff) -> Any:
        return create_lottery(staff=staff, **self.inputs)


class BlindBoxForm(DrawForm):
    sku_code = forms.CharField(label=_("SKU code of the box"), max_length=64)
    box_price = YuanField(label=_("Box price (yuan)"), min_value=0.01)
    per_customer_limit = forms.IntegerField(
        label=_("Boxes per customer"), min_value=1, max_value=999, required=False
    )
    code_fields = ("sku_code",)

    def build(self) -> dict[str, Any]:
        d = self.cleaned_data
        keys = ("name", "starts_at", "ends_at", "box_price", "per_customer_limit")
        return {**{k: d[k] for k in keys}, "sku_id": self.sku("sku_code"), "prizes": self.prize_inputs()}

    def create(self, staff: Staff) -> Any:
        return create_blind_box(staff=staff, **self.inputs)
