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
from siyu.orders.models import AfterSaleStatus, Fulfilment, OrderStatus
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


class ShipForm(forms.Form):
    carrier = forms.CharField(label=_("Carrier"), max_length=32)
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
