"""Forms of the marketing pages: coupon templates, codes, targeted issuing, promotions per kind, the
pricing policy. Money is typed in yuan and rates in percent paid; each form's ``service_fields()``
gives what the promotions services take (fen, basis points, scope JSON), and the services validate.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from siyu.catalog.models import ProductRole
from siyu.console.forms import (
    DateTimeField,
    PercentField,
    YuanField,
    ZheField,
    _blank,
    whole,
    yuan_to_fen,
    zhe_to_bp,
)
from siyu.console.forms_pickers import Col, PickerForm, PickField, RowsField
from siyu.promotions.models import CouponTrigger, PromotionKind, PromotionStatus, TemplateStatus, Validity
from siyu.promotions.models.coupons import CodeMode, CouponKindChoice

STAGES = [
    ("activity", _("Activity prices")),
    ("item", _("Item promotions")),
    ("order", _("Order promotions")),
    ("coupon", _("Coupons")),
]
CHECKS = forms.CheckboxSelectMultiple


class CouponFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=64, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=_blank(TemplateStatus.choices), required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=_blank(CouponKindChoice.choices), required=False)


class PromotionFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=64, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=_blank(PromotionStatus.choices), required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=_blank(PromotionKind.choices), required=False)


class ScopeMixin(PickerForm):
    """Which goods a coupon or promotion covers: empty = everything. Products and SKUs are picked."""

    scope_product_ids = PickField(kind="product", label=_("Only these products"))
    scope_sku_ids = PickField(kind="sku", label=_("Only these SKUs"))
    scope_category_ids = forms.TypedMultipleChoiceField(
        label=_("Only these categories"), coerce=int, choices=(), required=False, widget=CHECKS
    )
    scope_roles = forms.MultipleChoiceField(
        label=_("Only products in these roles"), choices=ProductRole.choices, required=False, widget=CHECKS
    )
    scope_exclude_product_ids = PickField(kind="product", label=_("Except these products"))

    def set_categories(self, categories: list[tuple[int, str]]) -> None:
        field = self.fields["scope_category_ids"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = categories

    def scope(self) -> dict[str, Any]:
        d = self.cleaned_data
        scope = {
            "product_ids": d.get("scope_product_ids") or [],
            "sku_ids": d.get("scope_sku_ids") or [],
            "category_ids": sorted(d.get("scope_category_ids") or []),
            "roles": sorted(d.get("scope_roles") or []),
            "exclude_product_ids": d.get("scope_exclude_product_ids") or [],
        }
        return {k: v for k, v in scope.items() if v}

    @staticmethod
    def scope_initial(scope: dict[str, Any]) -> dict[str, Any]:
        return {
            "scope_product_ids": scope.get("product_ids", []),
            "scope_sku_ids": scope.get("sku_ids", []),
            "scope_category_ids": scope.get("category_ids", []),
            "scope_roles": scope.get("roles", []),
            "scope_exclude_product_ids": scope.get("exclude_product_ids", []),
        }


class CouponTemplateForm(ScopeMixin):
    """Every field ``create_template`` accepts. Once coupons were issued, what a coupon gives is fixed."""

    FROZEN = (
        "kind",
        "amount",
        "rate",
        "max_discount",
        "threshold",
        "validity",
        "valid_days",
        "scope_product_ids",
        "scope_sku_ids",
        "scope_category_ids",
        "scope_roles",
        "scope_exclude_product_ids",
    )

    title = forms.CharField(label=_("Title"), max_length=64)
    kind = forms.ChoiceField(label=_("Kind"), choices=CouponKindChoice.choices)
    amount = YuanField(label=_("Amount off (yuan; shipping: 0 = the whole fee)"), required=False)
    rate = ZheField(label=_("Discount (zhe)"), required=False)
    max_discount = YuanField(label=_("At most off (yuan)"), required=False, min_value=0.01)
    threshold = YuanField(label=_("Minimum spend (yuan)"), required=False)
    new_customers_only = forms.BooleanField(label=_("New customers only"), required=False)
    validity = forms.ChoiceField(label=_("Validity"), choices=Validity.choices)
    valid_from = DateTimeField(label=_("Valid from"), required=False)
    valid_until = DateTimeField(label=_("Valid until"), required=False)
    valid_days = forms.IntegerField(
        label=_("Days valid after claim"), min_value=1, max_value=3650, required=False
    )
    total_quantity = forms.IntegerField(
        label=_("Total quantity (empty = unlimited)"), min_value=1, max_value=10**8, required=False
    )
    per_customer_limit = forms.IntegerField(label=_("Per customer"), min_value=1, max_value=100, initial=1)
    claimable = forms.BooleanField(label=_("Offered in the coupon centre"), required=False, initial=True)
    claim_starts_at = DateTimeField(label=_("Claimable from"), required=False)
    claim_ends_at = DateTimeField(label=_("Claimable until"), required=False)
    code_mode = forms.ChoiceField(
        label=_("Redeemed by code"), choices=CodeMode.choices, initial=CodeMode.NONE
    )
    triggers = forms.MultipleChoiceField(
        label=_("Also issued automatically"), choices=CouponTrigger.choices, required=False, widget=CHECKS
    )
    stack_group = forms.CharField(label=_("Stacking group (empty = goods)"), max_length=16, required=False)
    stacks_with_groups = forms.CharField(
        label=_("Combines with groups (comma separated; empty = any other group)"),
        max_length=200,
        required=False,
    )
    stacks_with_stages = forms.MultipleChoiceField(
        label=_("Shares lines with (none ticked = all)"), choices=STAGES, required=False, widget=CHECKS
    )

    def __init__(
        self, *args: Any, categories: list[tuple[int, str]], locked: bool = False, **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        self.set_categories(categories)
        self.order_fields([f for f in self.fields if not f.startswith("scope_")])  # the goods last
        self.locked = self.FROZEN if locked else ()
        for name in self.locked:
            self.fields[name].disabled = True

    def service_fields(self) -> dict[str, Any]:
        """What ``create_template``/``update_template`` take, from the cleaned form."""
        d = self.cleaned_data
        groups = [g.strip() for g in d["stacks_with_groups"].replace("，", ",").split(",") if g.strip()]
        fields: dict[str, Any] = {
            "title": d["title"].strip(),
            "new_customers_only": d["new_customers_only"],
            "valid_from": d["valid_from"],
            "valid_until": d["valid_until"],
            "total_quantity": d["total_quantity"],
            "per_customer_limit": d["per_customer_limit"],
            "claimable": d["claimable"],
            "claim_starts_at": d["claim_starts_at"],
            "claim_ends_at": d["claim_ends_at"],
            "code_mode": d["code_mode"],
            "triggers": sorted(d["triggers"]),
            "stack_group": d["stack_group"].strip(),
            "stacks_with_groups": groups or None,
            "stacks_with_stages": sorted(d["stacks_with_stages"]),
        }
        if not self.locked:
            fields.update(
                kind=d["kind"],
                amount=d["amount"] or 0,
                rate_bp=d["rate"] if d["rate"] is not None else 10_000,
                max_discount=d["max_discount"] or None,
                threshold=d["threshold"] or 0,
                validity=d["validity"],
                valid_days=d["valid_days"],
                scope=self.scope(),
            )
        return fields

    @classmethod
    def initial_of(cls, t: Any) -> dict[str, Any]:
        return {
            "title": t.title,
            "kind": t.kind,
            "amount": t.amount,
            "rate": t.rate_bp if t.rate_bp != 10_000 else None,
            "max_discount": t.max_discount,
            "threshold": t.threshold,
            "new_customers_only": t.new_customers_only,
            "validity": t.validity,
            "valid_from": t.valid_from,
            "valid_until": t.valid_until,
            "valid_days": t.valid_days,
            "total_quantity": t.total_quantity,
            "per_customer_limit": t.per_customer_limit,
            "claimable": t.claimable,
            "claim_starts_at": t.claim_starts_at,
            "claim_ends_at": t.claim_ends_at,
            "code_mode": t.code_mode,
            "triggers": t.triggers or [],
            "stack_group": t.stack_group,
            "stacks_with_groups": ", ".join(t.stacks_with_groups or []),
            "stacks_with_stages": t.stacks_with_stages or [],
            **cls.scope_initial(t.scope or {}),
        }


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=TemplateStatus.choices)


class CodesForm(forms.Form):
    count = forms.IntegerField(label=_("How many single-use codes"), min_value=1, max_value=10_000, initial=1)
    code = forms.RegexField(
        label=_("Code (empty = generated)"), regex=r"^[A-Za-z0-9]{4,32}$", max_length=32, required=False
    )


class IssueForm(PickerForm):
    """定向发券 to picked customers, or to every member of a picked segment."""

    customers = PickField(kind="customer", label=_("To these customers"), most=10_000)
    segment = PickField(kind="segment", multiple=False, label=_("Or to everyone in a segment"))
    batch_key = forms.RegexField(
        label=_("Batch name (sending the same batch again issues nothing twice)"),
        regex=r"^[\w.-]{1,40}$",
        max_length=40,
        required=False,
    )

    def clean(self) -> dict[str, Any] | None:
        data = super().clean()
        if self.errors:
            return data
        if data and data.get("customers") and data.get("segment"):
            self.add_error(None, _("Pick customers or a segment, not both."))
        elif data is not None and not data.get("customers") and not data.get("segment"):
            self.add_error(None, _("Pick the customers or the segment to issue to."))
        return data


class PricingPolicyForm(forms.Form):
    floor_min_cost = PercentField(
        label=_("Never below this share of cost (%)"), low=0, high=1000, required=False
    )
    floor_min_list = PercentField(
        label=_("Never below this share of the selling price (%)"), low=0, high=100, required=False
    )
    max_goods_coupons = forms.IntegerField(label=_("Goods coupons per order"), min_value=0, max_value=10)
    max_shipping_coupons = forms.IntegerField(
        label=_("Shipping coupons per order"), min_value=0, max_value=10
    )

    def service_fields(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "floor_min_cost_bp": d["floor_min_cost"],
            "floor_min_list_bp": d["floor_min_list"],
            "max_goods_coupons": d["max_goods_coupons"],
            "max_shipping_coupons": d["max_shipping_coupons"],
        }


# ---- promotions: the fields every kind has, then a config form per kind ------------------------------

BASIS = [("amount", _("Spend (yuan)")), ("quantity", _("Quantity (items)"))]


class PromotionForm(ScopeMixin):
    title = forms.CharField(label=_("Title"), max_length=64)
    starts_at = DateTimeField(label=_("Starts"), required=False)
    ends_at = DateTimeField(label=_("Ends"), required=False)
    priority = forms.IntegerField(
        label=_("Priority (lower first)"), min_value=0, max_value=10_000, initial=100
    )
    stacks_with = forms.MultipleChoiceField(
        label=_("Shares lines with (none ticked = the kind's default)"),
        choices=STAGES,
        required=False,
        widget=CHECKS,
    )
    exclusive_group = forms.CharField(
        label=_("Exclusive group (empty = the kind's default)"), max_length=16, required=False
    )
    audience_tiers = forms.MultipleChoiceField(
        label=_("Member tiers only (none ticked = everyone)"), choices=(), required=False, widget=CHECKS
    )
    audience_new = forms.BooleanField(label=_("New customers only"), required=False)
    audience_returning = forms.BooleanField(label=_("Returning customers only"), required=False)

    kind: str = ""
    has_scope = True

    def __init__(self, *args: Any, categories: list[tuple[int, str]], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.set_categories(categories)
        self.order_fields([f for f in self.fields if not f.startswith("scope_")])  # the goods last
        tiers = self.fields["audience_tiers"]
        assert isinstance(tiers, forms.MultipleChoiceField)
        tiers.choices = self.picks.tiers()
        if not self.has_scope:
            for name in list(self.fields):
                if name.startswith("scope_"):
                    del self.fields[name]

    config_field = "title"  # where a problem in the kind's own fields is shown
    config_data: dict[str, Any]

    def config(self) -> dict[str, Any]:
        """The kind's own ``config``, from the cleaned form (SKUs are picked ids)."""
        return {}

    def gift_stock(self) -> dict[int, int]:
        return {}

    def clean(self) -> dict[str, Any] | None:
        data = super().clean()
        if not self.errors:
            try:
                self.config_data = self.config()
            except forms.ValidationError as exc:
                self.add_error(self.config_field, exc)
        return data

    def service_fields(self) -> dict[str, Any]:
        d = self.cleaned_data
        audience: dict[str, Any] = {}
        if d["audience_tiers"]:
            audience["tiers"] = sorted(d["audience_tiers"])
        if d["audience_new"]:
            audience["new_customers_only"] = True
        if d["audience_returning"]:
            audience["returning_only"] = True
        return {
            "title": d["title"].strip(),
            "starts_at": d["starts_at"],
            "ends_at": d["ends_at"],
            "priority": d["priority"],
            "stacks_with": sorted(d["stacks_with"]) or None,
            "exclusive_group": d["exclusive_group"].strip() or None,
            "audience": audience,
            "scope": self.scope() if self.has_scope else {},
            "config": self.config_data,
        }

    @classmethod
    def initial_of(cls, p: Any) -> dict[str, Any]:
        audience = p.audience or {}
        initial = {
            "title": p.title,
            "starts_at": p.starts_at,
            "ends_at": p.ends_at,
            "priority": p.priority,
            "stacks_with": p.stacks_with or [],
            "exclusive_group": p.exclusive_group or "",
            "audience_tiers": audience.get("tiers", []),
            "audience_new": audience.get("new_customers_only", False),
            "audience_returning": audience.get("returning_only", False),
            **cls.scope_initial(p.scope or {}),
        }
        initial.update(cls.config_initial(p.config or {}))
        return initial

    @classmethod
    def config_initial(cls, config: dict[str, Any]) -> dict[str, Any]:
        return {}


class LimitedTimeDiscountForm(PromotionForm):
    kind = PromotionKind.LIMITED_TIME_DISCOUNT
    rate = ZheField(label=_("Discount (zhe)"), required=False)
    fixed_price = YuanField(label=_("Or a fixed price (yuan)"), required=False)
    per_customer_limit = forms.IntegerField(
        label=_("Discounted units per customer (empty = no limit)"),
        min_value=1,
        max_value=10_000,
        required=False,
    )
    config_field = "rate"

    def config(self) -> dict[str, Any]:
        d = self.cleaned_data
        config = {
            "rate_bp": d["rate"],
            "fixed_price": d["fixed_price"],
            "per_customer_limit": d["per_customer_limit"],
        }
        return {k: v for k, v in config.items() if v is not None}

    @classmethod
    def config_initial(cls, config: dict[str, Any]) -> dict[str, Any]:
        return {
            "rate": config.get("rate_bp"),
            "fixed_price": config.get("fixed_price"),
            "per_customer_limit": config.get("per_customer_limit"),
        }


def _zhe(bp: Any) -> str:
    return f"{bp / 1000:g}" if isinstance(bp, int) else ""


class MemberPriceForm(PromotionForm):
    kind = PromotionKind.MEMBER_PRICE
    tier_rates = RowsField(
        label=_("A discount per member tier"),
        columns=(
            Col("tier", _("Member tier"), kind="choice", source="tiers"),
            Col("rate", _("Discount (zhe)"), hint="9.5"),
        ),
        keyed=False,
        most=20,
    )
    config_field = "tier_rates"

    def config(self) -> dict[str, Any]:
        rates = {}
        for row in self.cleaned_data["tier_rates"]:
            if not row["tier"]:
                raise forms.ValidationError(_("Choose the tier of each line."))
            rates[row["tier"]] = zhe_to_bp(row["rate"], row["tier"], low=10)
        return {"tier_rate_bp": rates}

    @classmethod
    def config_initial(cls, config: dict[str, Any]) -> dict[str, Any]:
        rates = config.get("tier_rate_bp", {})
        return {"tier_rates": [{"tier": t, "rate": _zhe(bp)} for t, bp in rates.items()]}


class NthItemForm(PromotionForm):
    kind = PromotionKind.NTH_ITEM
    nth = forms.IntegerField(label=_("Every Nth item"), min_value=2, max_value=10, initial=2)
    rate = ZheField(label=_("The Nth item's discount (zhe; 0 = free)"), low=0, initial=5000)
    per_sku = forms.BooleanField(label=_("Count each item on its own"), required=False, initial=True)
    config_field = "nth"

    def config(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {"nth": d["nth"], "rate_bp": d["rate"], "per_sku": d["per_sku"]}

    @classmethod
    def config_initial(cls, config: dict[str, Any]) -> dict[str, Any]:
        return {
            "nth": config.get("nth", 2),
            "rate": config.get("rate_bp", 5000),
            "per_sku": config.get("per_sku", True),
        }


class BuyNGetMForm(PromotionForm):
    kind = PromotionKind.BUY_N_GET_M
    buy = forms.IntegerField(label=_("Buy"), min_value=1, max_value=20, initial=2)
    free = forms.IntegerField(label=_("Get free"), min_value=1, max_value=20, initial=1)
    config_field = "buy"

    def config(self) -> dict[str, Any]:
        return {"buy": self.cleaned_data["buy"], "free": self.cleaned_data["free"]}

    @classmethod
    def config_initial(cls, config: dict[str, Any]) -> dict[str, Any]:
        return {"buy": config.get("buy"), "free": config.get("free", 1)}


class BundleForm(PromotionForm):
    kind = PromotionKind.BUNDLE
    has_scope = False
    components = RowsField(
        label=_("The bundle's SKUs"),
        columns=(Col("sku", _("SKU"), kind="sku"), Col("units", _("Units"), step="1", hint="1")),
        most=10,
    )
    price = YuanField(label=_("Bundle price (yuan)"), min_value=0.01)
    config_field = "components"

    def config(self) -> dict[str, Any]:
        parts = []
        for row in self.cleaned_data["components"]:
            card = self.card("sku", row["sku"])
            where = card.code if card else str(_("SKU"))
            units = whole(row["units"], where, low=1, high=20) if row["units"] else 1
            parts.append({"sku_id": row["sku"], "units": units})
        return {"components": parts, "price": self.cleaned_data["price"]}

    @classmethod
    def config_initial(cls, config: dict[str, Any]) -> dict[str, Any]:
        rows = [{"sku": p.get("sku_id"), "units": p.get("units", 1)} for p in config.get("components", [])]
        return {"components": rows, "price": config.get("price")}


class TieredForm(PromotionForm):
    """满减 / 满折 / 满送: tiers of a spend (or quantity) threshold with money off, a discount or a gift."""

    kind = PromotionKind.TIERED
    basis = forms.ChoiceField(label=_("Threshold on"), choices=BASIS)
    tiers = RowsField(
        label=_("Tiers"),
        columns=(
            Col("threshold", _("Threshold (yuan, or items)"), hint="100"),
            Col("reduce", _("Off (yuan)"), hint="20"),
            Col("rate", _("Discount (zhe)"), hint="9"),
            Col("gift", _("Gift SKU"), kind="sku"),
            Col("gift_units", _("Gift units"), step="1", hint="1"),
        ),
        keyed=False,
        most=10,
    )
    repeat = forms.BooleanField(label=_("Repeat for every multiple of the threshold"), required=False)
    gift_units = forms.IntegerField(
        label=_("Gift units in stock (each gift SKU)"), min_value=0, max_value=10**6, required=False
    )
    config_field = "tiers"

    def config(self) -> dict[str, Any]:
        d = self.cleaned_data
        tiers = []
        for n, row in enumerate(d["tiers"], start=1):
            where = _("Tier %(n)d") % {"n": n}
            threshold = (
                yuan_to_fen(row["threshold"], where)
                if d["basis"] == "amount"
                else whole(row["threshold"], where, low=1, high=10_000)
            )
            tier: dict[str, Any] = {
                "threshold": threshold,
                "reduce": yuan_to_fen(row["reduce"] or "0", where),
            }
            if row["rate"]:
                tier["rate_bp"] = zhe_to_bp(row["rate"], where, low=10)
            if row["gift"]:
                units = row["gift_units"]
                tier["gifts"] = [
                    {"sku_id": row["gift"], "quantity": whole(units, where, low=1, high=100) if units else 1}
                ]
            tiers.append(tier)
        if not tiers:
            raise forms.ValidationError(_("Add at least one tier."))
        return {"basis": d["basis"], "tiers": tiers, "repeat": d["repeat"]}

    def gift_stock(self) -> dict[int, int]:
        units = self.cleaned_data.get("gift_units")
        if units is None:
            return {}
        return {row["gift"]: units for row in self.cleaned_data.get("tiers", []) if row["gift"]}

    @classmethod
    def config_initial(cls, config: dict[str, Any]) -> dict[str, Any]:
        basis = config.get("basis", "amount")
        rows = []
        for t in config.get("tiers", []):
            gifts = t.get("gifts") or [{}]
            rows.append(
                {
                    "threshold": f"{t.get('threshold', 0) / 100:.2f}"
                    if basis == "amount"
                    else t.get("threshold"),
                    "reduce": f"{t.get('reduce', 0) / 100:.2f}",
                    "rate": _zhe(t.get("rate_bp")),
                    "gift": gifts[0].get("sku_id"),
                    "gift_units": gifts[0].get("quantity", "") if gifts[0] else "",
                }
            )
        return {"basis": basis, "tiers": rows, "repeat": config.get("repeat", False)}


class AddOnForm(PromotionForm):
    """加价购: after the threshold, add a SKU at a special price."""

    kind = PromotionKind.ADD_ON
    basis = forms.ChoiceField(label=_("Threshold on"), choices=BASIS)
    threshold = forms.DecimalField(
        label=_("Threshold (yuan, or items)"), min_value=0.01, max_digits=12, decimal_places=2
    )
    sku = PickField(kind="sku", multiple=False, required=True, label=_("Add-on SKU"))
    price = YuanField(label=_("Add-on price (yuan)"))
    max_quantity = forms.IntegerField(label=_("At most units"), min_value=1, max_value=10, initial=1)
    config_field = "sku"

    def config(self) -> dict[str, Any]:
        d = self.cleaned_data
        threshold = int(d["threshold"] * 100) if d["basis"] == "amount" else int(d["threshold"])
        return {
            "basis": d["basis"],
            "threshold": threshold,
            "sku_id": d["sku"],
            "price": d["price"],
            "max_quantity": d["max_quantity"],
        }

    @classmethod
    def config_initial(cls, config: dict[str, Any]) -> dict[str, Any]:
        basis = config.get("basis", "amount")
        threshold = config.get("threshold", 0)
        return {
            "basis": basis,
            "threshold": f"{threshold / 100:.2f}" if basis == "amount" else threshold,
            "sku": config.get("sku_id"),
            "price": config.get("price"),
            "max_quantity": config.get("max_quantity", 1),
        }


class FreeShippingForm(PromotionForm):
    kind = PromotionKind.FREE_SHIPPING
    basis = forms.ChoiceField(label=_("Threshold on"), choices=BASIS)
    threshold = forms.DecimalField(
        label=_("Threshold (yuan, or items)"), min_value=0.01, max_digits=12, decimal_places=2
    )
    config_field = "threshold"

    def config(self) -> dict[str, Any]:
        d = self.cleaned_data
        threshold = int(d["threshold"] * 100) if d["basis"] == "amount" else int(d["threshold"])
        return {"basis": d["basis"], "threshold": threshold}

    @classmethod
    def config_initial(cls, config: dict[str, Any]) -> dict[str, Any]:
        basis = config.get("basis", "amount")
        threshold = config.get("threshold", 0)
        return {"basis": basis, "threshold": f"{threshold / 100:.2f}" if basis == "amount" else threshold}


PROMOTION_FORMS: dict[str, type[PromotionForm]] = {
    f.kind: f
    for f in (
        LimitedTimeDiscountForm,
        MemberPriceForm,
        NthItemForm,
        BuyNGetMForm,
        BundleForm,
        TieredForm,
        AddOnForm,
        FreeShippingForm,
    )
}
