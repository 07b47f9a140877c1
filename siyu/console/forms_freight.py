"""Console forms of freight templates (运费模板): a template with its default charge and excluded
regions, a rule for named regions, the products a template prices.

Money is typed in yuan and units in pieces or kilograms (by weight, 0.5 = 500 g); the services take
fen and pieces or grams (``siyu.freight.calc.Charge``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from siyu.console.forms import YuanField
from siyu.freight import regions
from siyu.freight.calc import Basis, Charge
from siyu.freight.models import Basis as BasisChoice
from siyu.freight.models import ChargeFields


def region_choices() -> list[tuple[str, str]]:
    """Every province and city, as codes a picker may send."""
    return [(d.code, d.name) for p in regions.provinces() for d in (p, *regions.children(p.code))]


class RegionsField(forms.MultipleChoiceField):
    """Province and city codes from the region picker (``console/freight/_regions.html``)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=region_choices, **kwargs)


class UnitsField(forms.DecimalField):
    """Pieces (whole numbers) or kilograms (up to three decimals); cleaned by the form to pieces or grams."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            min_value=Decimal("0.001"), max_value=100_000, max_digits=9, decimal_places=3, **kwargs
        )


def shown_units(units: int, basis: str) -> str:
    """Stored units as the form shows them: pieces as they are, grams as kilograms."""
    return f"{Decimal(units) / 1000:g}" if basis == Basis.WEIGHT else str(units)


class ChargeForm(forms.Form):
    """首件/首重 + 续件/续重 and the free-shipping condition; ``basis`` says what a unit is."""

    first_units = UnitsField(label=_("First units (pieces or kg)"), initial=1)
    first_fee = YuanField(label=_("First fee (yuan)"), max_yuan=100_000)
    additional_units = UnitsField(label=_("Each further units (pieces or kg)"), initial=1)
    additional_fee = YuanField(label=_("Further fee (yuan)"), max_yuan=100_000)
    free_over_amount = YuanField(label=_("Free over (yuan)"), required=False)
    free_over_pieces = forms.IntegerField(
        label=_("Free from (pieces)"), min_value=1, max_value=10_000, required=False
    )

    def basis(self) -> str:
        raise NotImplementedError

    def _units(self, name: str) -> int | None:
        value = self.cleaned_data.get(name)
        if value is None:
            return None
        if self.basis() == Basis.WEIGHT:
            return int(value * 1000)
        if value != value.to_integral_value():
            self.add_error(name, _("By piece, units are whole pieces."))
            return None
        return int(value)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("first_units", "additional_units"):
            units = self._units(name)
            if units is not None:
                data[name] = units
        return data

    def charge(self) -> Charge:
        d = self.cleaned_data
        return Charge(
            first_units=d["first_units"],
            first_fee=d["first_fee"],
            additional_units=d["additional_units"],
            additional_fee=d["additional_fee"],
            free_over_amount=d.get("free_over_amount"),
            free_over_pieces=d.get("free_over_pieces"),
        )

    @staticmethod
    def charge_initial(row: ChargeFields, basis: str) -> dict[str, Any]:
        return {
            "first_units": shown_units(row.first_units, basis),
            "first_fee": row.first_fee,
            "additional_units": shown_units(row.additional_units, basis),
            "additional_fee": row.additional_fee,
            "free_over_amount": row.free_over_amount,
            "free_over_pieces": row.free_over_pieces,
        }


class TemplateForm(ChargeForm):
    name = forms.CharField(label=_("Name"), max_length=64)
    basis_choice = forms.ChoiceField(label=_("Charged by"), choices=BasisChoice.choices)
    is_default = forms.BooleanField(label=_("Default template (for products with none)"), required=False)
    excluded_regions = RegionsField(label=_("Not delivered to"), required=False)

    field_order = ["name", "basis_choice", "is_default"]

    def basis(self) -> str:
        return self.data.get(self.add_prefix("basis_choice"), Basis.PIECE) if self.is_bound else Basis.PIECE


class RuleForm(ChargeForm):
    regions = RegionsField(label=_("Regions"))

    def __init__(self, *args: Any, basis: str, **kwargs: Any) -> None:
        self._basis = basis
        super().__init__(*args, **kwargs)
        by_weight = basis == Basis.WEIGHT
        self.fields["first_units"].label = _("First weight (kg)") if by_weight else _("First pieces")
        self.fields["additional_units"].label = (
            _("Each further weight (kg)") if by_weight else _("Each further pieces")
        )

    def basis(self) -> str:
        return self._basis


class ProductsForm(forms.Form):
    product_ids = forms.TypedMultipleChoiceField(coerce=int, choices=(), required=False)

    def __init__(self, *args: Any, product_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["product_ids"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = [(pk, str(pk)) for pk in product_ids]
