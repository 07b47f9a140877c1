"""Create forms of the playbooks (秒杀, 拼团, 砍价, 预售, 助力, 瓜分, 抽奖, 盲盒).

Each form cleans what staff enter (yuan, picked SKUs, a row per SKU or prize) into the inputs of its
app's create service, and ``create(staff)`` calls that service; the service validates the rules.
SKUs are picked (forms_pickers.py): an id that is not this merchant's is a form error.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from siyu.console.forms import (
    DateInput,
    DateTimeField,
    YuanField,
    percent_to_bp,
    whole,
    yuan_to_fen,
)
from siyu.console.forms_pickers import Col, PickerForm, PickField, RowsField, TemplateField
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


class ActivityForm(PickerForm):
    """A playbook's create form, built with ``picks`` (the merchant's SKUs and coupon templates)."""

    rows_field = ""  # the RowsField a problem in ``build`` belongs to

    def clean(self) -> dict[str, Any] | None:
        data = super().clean()
        if not self.errors:
            try:
                self.inputs = self.build()
            except forms.ValidationError as exc:
                self.add_error(self.rows_field or None, exc)
        return data

    def build(self) -> dict[str, Any]:
        """The create service's keyword arguments (without ``staff``)."""
        raise NotImplementedError

    def create(self, staff: Staff) -> Any:
        raise NotImplementedError

    def where(self, sku_id: int | None) -> str:
        """How a row is named in an error: its SKU's code."""
        card = self.card("sku", sku_id)
        return card.code if card else str(_("SKU"))


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
    items = RowsField(
        label=_("SKUs on sale"),
        columns=(
            Col("sku", _("SKU"), kind="sku"),
            Col("price", _("Flash price (yuan)"), hint="49.9"),
            Col("quota", _("Quota"), step="1", hint="100"),
        ),
        most=50,
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
    rows_field = "items"

    def build(self) -> dict[str, Any]:
        d = self.cleaned_data
        items = []
        for row in d["items"]:
            where = self.where(row["sku"])
            if row["sku"] is None:
                raise forms.ValidationError(_("Choose the SKU of each line."))
            price = yuan_to_fen(row["price"], where)
            items.append(ItemInput(row["sku"], price, whole(row["quota"], where, low=1, high=1_000_000)))
        if not items:
            raise forms.ValidationError(_("Choose at least one SKU."))
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
    skus = RowsField(
        label=_("SKUs in the group buy"),
        columns=(
            Col("sku", _("SKU"), kind="sku"),
            Col("group_price", _("Group price (yuan)"), hint="80"),
            Col("leader_price", _("Leader price (yuan, optional)"), hint="70"),
        ),
        most=50,
    )
    lottery = forms.BooleanField(label=_("Lottery group buy (only drawn members buy)"), required=False)
    lottery_winners = forms.IntegerField(label=_("Winners per team"), min_value=0, max_value=99, initial=0)
    virtual_fill = forms.BooleanField(label=_("Fill an unfilled team at its deadline"), required=False)
    pickup_only = forms.BooleanField(label=_("Members collect at an outlet"), required=False)
    consolation_coupon_template_id = TemplateField(label=_("Coupon for lottery losers"))
    field_order = ["name", "starts_at", "ends_at", "skus", "group_size", "time_limit_hours"]
    rows_field = "skus"

    def build(self) -> dict[str, Any]:
        d = self.cleaned_data
        rows = []
        for row in d["skus"]:
            if row["sku"] is None:
                raise forms.ValidationError(_("Choose the SKU of each line."))
            where = self.where(row["sku"])
            leader = yuan_to_fen(row["leader_price"], where) if row["leader_price"] else None
            rows.append(GroupBuySkuInput(row["sku"], yuan_to_fen(row["group_price"], where), leader))
        if not rows:
            raise forms.ValidationError(_("Choose at least one SKU."))
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
    sku = PickField(kind="sku", multiple=False, required=True, label=_("SKU"))
    floor_price = YuanField(label=_("Lowest price (yuan; 0 = free)"))
    helpers_needed = forms.IntegerField(label=_("Helpers to reach it"), min_value=1, max_value=100, initial=5)
    hours_to_finish = forms.IntegerField(label=_("Hours to finish"), min_value=1, max_value=168, initial=24)
    quota = forms.IntegerField(
        label=_("Orders in all (empty = no cap)"), min_value=1, max_value=10**7, required=False
    )
    per_customer_limit = forms.IntegerField(label=_("Per customer"), min_value=1, max_value=99, initial=1)
    field_order = ["name", "sku", "starts_at", "ends_at"]

    def build(self) -> dict[str, Any]:
        d = self.cleaned_data
        data = BargainInput(
            name=d["name"],
            sku_id=d["sku"],
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
    sku = PickField(kind="sku", multiple=False, required=True, label=_("SKU of the goods"))
    deposit_sku = PickField(
        kind="sku", multiple=False, required=True, label=_("SKU standing for the deposit")
    )
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
            "sku_id": d["sku"],
            "deposit_sku_id": d["deposit_sku"],
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
    coupon_template_id = TemplateField(label=_("Coupon (coupon rewards)"))
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
    coupon_template_id = TemplateField(label=_("Coupon (coupon rewards)"))
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


PRIZE_KIND_CHOICES = (
    ("item", pgettext_lazy("reward", "Goods")),
    ("coupon", pgettext_lazy("reward", "Coupon")),
    ("points", pgettext_lazy("reward", "Points")),
    ("nothing", pgettext_lazy("reward", "Nothing")),
)


class DrawForm(WindowMixin, ActivityForm):
    """A prize pool: shared by the pay-and-draw lottery and the blind box."""

    name = forms.CharField(label=_("Name"), max_length=64)
    prizes = RowsField(
        label=_("Prizes"),
        columns=(
            Col("name", _("Prize"), kind="text"),
            Col("kind", _("Kind"), kind="select", choices=PRIZE_KIND_CHOICES),
            Col("chance", _("Chance (%)"), hint="10"),
            Col("stock", _("Stock (empty = unlimited)"), step="1"),
            Col("value", _("Value (yuan, or points)")),
            Col("template", _("Coupon"), kind="choice", source="templates"),
            Col("sku", _("Goods SKU"), kind="sku"),
        ),
        keyed=False,
        most=20,
    )
    rows_field = "prizes"

    def prize_inputs(self) -> list[PrizeInput]:
        prizes = []
        for n, row in enumerate(self.cleaned_data["prizes"], start=1):
            where = _("Prize %(n)d") % {"n": n}
            kind = row["kind"]
            if kind not in PRIZE_KINDS:
                raise forms.ValidationError(
                    _("%(where)s: the kind is one of goods, coupon, points, nothing.") % {"where": where}
                )
            if not row["name"]:
                raise forms.ValidationError(_("%(where)s: give the prize a name.") % {"where": where})
            stock = whole(row["stock"], where, high=10**7) if row["stock"] else None
            value_text = row["value"] or "0"
            value = (
                whole(value_text, where, high=10**9) if kind == "points" else yuan_to_fen(value_text, where)
            )
            template_id = int(row["template"]) if kind == "coupon" and row["template"] else None
            prizes.append(
                PrizeInput(
                    name=row["name"],
                    kind=kind,
                    weight_bp=percent_to_bp(row["chance"], where, low=1),
                    stock=stock,
                    value=value,
                    coupon_template_id=template_id,
                    sku_id=row["sku"] if kind == "item" else None,
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
    sku = PickField(kind="sku", multiple=False, required=True, label=_("SKU of the box"))
    box_price = YuanField(label=_("Box price (yuan)"), min_value=0.01)
    per_customer_limit = forms.IntegerField(
        label=_("Boxes per customer"), min_value=1, max_value=999, required=False
    )
    field_order = ["name", "sku", "starts_at", "ends_at", "box_price", "per_customer_limit", "prizes"]

    def build(self) -> dict[str, Any]:
        d = self.cleaned_data
        keys = ("name", "starts_at", "ends_at", "box_price", "per_customer_limit")
        return {**{k: d[k] for k in keys}, "sku_id": d["sku"], "prizes": self.prize_inputs()}

    def create(self, staff: Staff) -> Any:
        return create_blind_box(staff=staff, **self.inputs)
