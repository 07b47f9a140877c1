"""Console forms: list filters (GET) and action inputs (POST), each with bounds.

A filter that does not validate is refused as ``InvalidInput`` (400) rather than ignored, so a
bookmarked URL never silently shows something other than what it says.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from siyu.catalog.models import ProductRole, ProductStatus
from siyu.core.errors import InvalidInput
from siyu.members.models import Source
from siyu.orders.couriers import courier_choices
from siyu.orders.models import AfterSaleStatus, Fulfilment, OrderFlag, OrderStatus
from siyu.tenancy.models import Role


def _blank(choices: Any) -> list[tuple[str, Any]]:
    return [("", _("All")), *choices]


def cleaned(form: forms.Form) -> dict[str, Any]:
    """The form's cleaned data, or InvalidInput naming the fields that failed."""
    if not form.is_valid():
        raise InvalidInput(detail={name: [str(e) for e in errs] for name, errs in form.errors.items()})
    return form.cleaned_data


class LoginForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(label=_("Password"), max_length=128, widget=forms.PasswordInput)


class DateInput(forms.DateInput):
    input_type = "date"


class OrderFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=64, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=_blank(OrderStatus.choices), required=False)
    fulfilment = forms.ChoiceField(label=_("Fulfilment"), choices=_blank(Fulfilment.choices), required=False)
    created_from = forms.DateField(label=_("Placed from"), required=False, widget=DateInput)
    created_to = forms.DateField(label=_("Placed to"), required=False, widget=DateInput)
    customer = forms.IntegerField(min_value=1, max_value=2**63 - 1, required=False, widget=forms.HiddenInput)
    flag = forms.ChoiceField(
        label=_("Flag"), choices=_blank([("any", _("Any flag")), *OrderFlag.choices]), required=False
    )


class ShipForm(forms.Form):
    carrier = forms.ChoiceField(label=_("Courier"), choices=courier_choices)
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=64)


class PickupForm(forms.Form):
    code = forms.RegexField(
        label=_("Pickup code"),
        regex=r"^\d{4,8}$",
        max_length=8,
        error_messages={"invalid": _("A pickup code is 4 to 8 digits.")},
    )


class ReviewForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class AfterSaleFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=_blank(AfterSaleStatus.choices), required=False)


class ProductFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=50, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=_blank(ProductStatus.choices), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=_blank(ProductRole.choices), required=False)
    category = forms.IntegerField(label=_("Category"), min_value=1, max_value=2**63 - 1, required=False)


class BulkStatusForm(forms.Form):
    product_ids = forms.TypedMultipleChoiceField(coerce=int, choices=())
    status = forms.ChoiceField(choices=[(ProductStatus.ON_SALE, ""), (ProductStatus.OFF_SHELF, "")])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any positive id passes here; the service refuses ids that are not the merchant's.
        field = self.fields["product_ids"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.valid_value = lambda value: str(value).isdigit() and 0 < int(value) < 2**63  # type: ignore[method-assign]

    def clean_product_ids(self) -> list[int]:
        ids = self.cleaned_data["product_ids"]
        if len(ids) > 200:
            raise forms.ValidationError(_("Choose at most 200 products at a time."))
        return ids


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("Product roles"),
        choices=ProductRole.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class StockFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=64, required=False)
    place = forms.CharField(max_length=20, required=False)
    low = forms.BooleanField(label=_("Low stock only"), required=False)


class StockForm(forms.Form):
    on_hand = forms.IntegerField(label=_("On hand"), min_value=0, max_value=10**9)
    low_stock_threshold = forms.IntegerField(
        label=_("Alert at"), min_value=0, max_value=10**9, required=False
    )


class CustomerFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=64, required=False)
    source = forms.ChoiceField(label=_("Source"), choices=_blank(Source.choices), required=False)
    city = forms.CharField(label=_("City"), max_length=32, required=False)
    bought = forms.ChoiceField(
        label=_("Has bought"),
        choices=[("", _("All")), ("yes", _("Has bought")), ("no", _("Never bought"))],
        required=False,
    )
    registered_from = forms.DateField(label=_("Registered from"), required=False, widget=DateInput)
    registered_to = forms.DateField(label=_("Registered to"), required=False, widget=DateInput)


class StaffForm(forms.Form):
    username = forms.RegexField(label=_("Username"), regex=r"^[\w.@+-]{3,64}$", max_length=64)
    password = forms.CharField(label=_("Password"), min_length=8, max_length=128, widget=forms.PasswordInput)
    display_name = forms.CharField(label=_("Name"), max_length=64)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    outlets = forms.TypedMultipleChoiceField(
        label=_("Outlets (none = all)"),
        coerce=int,
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, outlets: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["outlets"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = outlets


class AuditFilterForm(forms.Form):
    action = forms.CharField(label=_("Action"), max_length=64, required=False)
    staff = forms.IntegerField(label=_("Staff"), min_value=1, max_value=2**63 - 1, required=False)
    object_type = forms.CharField(label=_("Object type"), max_length=64, required=False)


class RangeForm(forms.Form):
    days = forms.TypedChoiceField(coerce=int, choices=[(7, "7"), (30, "30"), (90, "90")], required=False)


# ---- fields the edit forms share ------------------------------------------------------------------


class DateTimeInput(forms.DateTimeInput):
    """A browser date-time picker; the value is read in the merchant's timezone (console_view sets it)."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class DateTimeField(forms.DateTimeField):
    widget = DateTimeInput


class YuanField(forms.DecimalField):
    """Money typed in yuan (12.50), cleaned to integer fen (1250)."""

    def __init__(self, *, max_yuan: int = 10_000_000, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 0)
        super().__init__(max_value=max_yuan, max_digits=12, decimal_places=2, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{value / 100:.2f}"  # an initial value in fen shows as yuan
        return value

    def clean(self, value: Any) -> int | None:
        amount = super().clean(value)
        return None if amount is None else int(amount * 100)


class PercentField(forms.DecimalField):
    """A share in percent (85 = the customer pays 85 %, 8.5折), cleaned to basis points (8500)."""

    def __init__(self, *, low: float = 0.01, high: float = 100, **kwargs: Any) -> None:
        super().__init__(min_value=low, max_value=high, max_digits=5, decimal_places=2, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{value / 100:g}"
        return value

    def clean(self, value: Any) -> int | None:
        share = super().clean(value)
        return None if share is None else int(share * 100)


class ZheField(forms.DecimalField):
    """A discount as Chinese merchants say it, in 折: 8.5 means the customer pays 85 % (8.5折);
    cleaned to basis points of the price paid (8500). 0 is free (the Nth item of 第二件0元)."""

    def __init__(self, *, low: float = 0.1, high: float = 9.99, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", _("8.5 zhe = the customer pays 85%."))
        super().__init__(min_value=low, max_value=high, max_digits=4, decimal_places=2, **kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs.update(step="0.01", placeholder="8.5")
        return attrs

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{value / 1000:g}"  # basis points shown back in 折: 8500 -> 8.5
        return value

    def clean(self, value: Any) -> int | None:
        zhe = super().clean(value)
        return None if zhe is None else int(zhe * 1000)


class LinesField(forms.CharField):
    """One item a line, fields separated by commas: cleaned to a list of lists of stripped strings."""

    widget = forms.Textarea(attrs={"rows": 4})

    def __init__(self, *, columns: tuple[int, int], most: int = 50, **kwargs: Any) -> None:
        self.columns = columns
        self.most = most
        kwargs.setdefault("max_length", 20_000)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "\n".join(", ".join(str(c) for c in row) for row in value)
        return value

    def clean(self, value: Any) -> list[list[str]]:
        text = super().clean(value) or ""
        rows = []
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            cells = [c.strip() for c in line.replace("，", ",").split(",")]
            lo, hi = self.columns
            if not lo <= len(cells) <= hi:
                raise forms.ValidationError(
                    _("Line %(n)d: expected %(lo)d to %(hi)d values separated by commas.")
                    % {"n": n, "lo": lo, "hi": hi}
                )
            rows.append(cells)
        if len(rows) > self.most:
            raise forms.ValidationError(_("At most %(n)d lines.") % {"n": self.most})
        return rows


def yuan_to_fen(text: str, where: str) -> int:
    """A yuan amount inside a line field ("12.5") as fen; a ValidationError naming ``where``."""
    from decimal import Decimal, InvalidOperation

    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = Decimal(-1)
    if not amount.is_finite() or amount < 0 or amount > 10**7 or amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise forms.ValidationError(
            _("%(where)s: %(value)s is not an amount in yuan.") % {"where": where, "value": text}
        )
    return int(amount * 100)


def percent_to_bp(text: str, where: str, *, low: int = 0, high: int = 10_000) -> int:
    """A percentage inside a line field ("85" or "8.5") as basis points, within bounds."""
    from decimal import Decimal, InvalidOperation

    try:
        share = Decimal(text)
    except InvalidOperation:
        share = Decimal(-1)
    bp = int(share * 100) if share.is_finite() else -1
    if share.is_finite() and share.as_tuple().exponent < -2:  # type: ignore[operator]
        bp = -1
    if not low <= bp <= high:
        raise forms.ValidationError(
            _("%(where)s: %(value)s is not a percentage from %(low)s to %(high)s.")
            % {"where": where, "value": text, "low": f"{low / 100:g}", "high": f"{high / 100:g}"}
        )
    return bp


def zhe_to_bp(text: str, where: str, *, low: int = 0, high: int = 9_990) -> int:
    """A discount in 折 inside a row ("8.5") as basis points of the price paid (8500), within bounds."""
    from decimal import Decimal, InvalidOperation

    try:
        zhe = Decimal(text)
    except InvalidOperation:
        zhe = Decimal(-1)
    bp = int(zhe * 1000) if zhe.is_finite() else -1
    # A finite Decimal's exponent is an int; typeshed also allows the "n"/"N"/"F" of NaN and infinity.
    if zhe.is_finite() and zhe.as_tuple().exponent < -2:  # type: ignore[operator]
        bp = -1
    if not low <= bp <= high:
        raise forms.ValidationError(
            _("%(where)s: %(value)s is not a discount from %(low)s to %(high)s zhe.")
            % {"where": where, "value": text, "low": f"{low / 1000:g}", "high": f"{high / 1000:g}"}
        )
    return bp


def whole(text: str, where: str, *, low: int = 0, high: int = 10**7) -> int:
    """A whole number inside a line field, within bounds; a ValidationError naming ``where``."""
    if not text.isdigit() or not low <= int(text) <= high:
        raise forms.ValidationError(
            _("%(where)s: %(value)s is not a whole number from %(low)d to %(high)d.")
            % {"where": where, "value": text, "low": low, "high": high}
        )
    return int(text)


def apply_refusal(form: forms.Form, exc: Any) -> None:
    """Put a service's refusal on the form: detail keys naming a field ("amount", "config.tiers")
    become that field's errors, the rest a form-wide error."""
    detail = exc.detail if isinstance(exc.detail, dict) else {}
    placed = False
    for key, problem in detail.items():
        name = str(key).split(".")[0].split("[")[0]
        target = FIELD_ALIASES.get(name, name)
        if name == "config":
            target = getattr(form, "config_field", target)
        text = problem if isinstance(problem, str) else str(problem)
        if target in form.fields and target not in getattr(form, "locked", ()):
            form.add_error(target, f"{exc.text} ({text})" if key != target else str(text))
            placed = True
    if not placed:
        form.add_error(None, f"{exc.text} {detail}" if detail else str(exc.text))


# A service names a field by its own name; the form may call it something else.
FIELD_ALIASES = {
    "rate_bp": "rate",
    "sku_ids": "scope_sku_ids",
    "sku_id": "sku",
    "deposit_sku_id": "deposit_sku",
    "customer_ids": "customers",
    "segment_id": "segment",
    "scope": "scope_product_ids",
    "outlet_ids": "outlets",
    "floor_min_cost_bp": "floor_min_cost",
    "floor_min_list_bp": "floor_min_list",
}
