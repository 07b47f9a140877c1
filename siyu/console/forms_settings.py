"""Edit forms of the catalogue (products, SKUs, categories), outlets, the merchant and staff."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from siyu.catalog.models import ProductRole, ProductStatus
from siyu.catalog.services import SkuInput
from siyu.console.forms import LinesField, YuanField, whole, yuan_to_fen
from siyu.console.forms_media import GalleryField, RichTextField
from siyu.tenancy.models import LoginAdapter, Role

DAYS = [
    ("mon", _("Monday")),
    ("tue", _("Tuesday")),
    ("wed", _("Wednesday")),
    ("thu", _("Thursday")),
    ("fri", _("Friday")),
    ("sat", _("Saturday")),
    ("sun", _("Sunday")),
]


class CategoryChoiceMixin(forms.Form):
    category = forms.TypedChoiceField(
        label=_("Category"), coerce=int, choices=(), required=False, empty_value=None
    )

    def set_categories(self, categories: list[tuple[int, str]]) -> None:
        field = self.fields["category"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "—"), *categories]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class ProductForm(CategoryChoiceMixin):
    """What ``update_product`` changes: the descriptive fields, the category and the roles."""

    name = forms.CharField(label=_("Name"), max_length=120)
    subtitle = forms.CharField(label=_("Subtitle"), max_length=200, required=False)
    selling_points = forms.CharField(
        label=_("Selling points (one a line)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 5}), max_length=20_000, required=False
    )
    images = GalleryField(label=_("Gallery"), required=False)
    detail_html = RichTextField(label=_("Detail (images and text)"))
    keywords = forms.CharField(label=_("Search keywords"), max_length=200, required=False)
    sort_order = forms.IntegerField(
        label=_("Sort order (higher first)"), min_value=-(10**6), max_value=10**6, initial=0
    )
    roles = forms.MultipleChoiceField(
        label=_("Product roles"),
        choices=ProductRole.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def clean_selling_points(self) -> list[str]:
        points = _lines(self.cleaned_data["selling_points"])
        if len(points) > 10 or any(len(p) > 100 for p in points):
            raise forms.ValidationError(_("At most 10 selling points of 100 characters each."))
        return points

    def attrs(self) -> dict[str, Any]:
        d = self.cleaned_data
        keys = (
            "name",
            "subtitle",
            "selling_points",
            "description",
            "images",
            "detail_html",
            "keywords",
            "sort_order",
        )
        return {k: d[k] for k in keys}

    @staticmethod
    def initial_of(product: Any, roles: list[str]) -> dict[str, Any]:
        return {
            "name": product.name,
            "subtitle": product.subtitle,
            "selling_points": "\n".join(product.selling_points or []),
            "description": product.description,
            "images": list(product.images or []),
            "detail_html": product.detail_html,
            "keywords": product.keywords,
            "sort_order": product.sort_order,
            "category": product.category_id,
            "roles": roles,
        }


SKU_LINES = _(
    "One SKU a line: code, price (yuan), opening stock, cost (yuan), list price (yuan), barcode, "
    "specs (颜色:红;尺码:M)"
)


def sku_inputs(rows: list[list[str]]) -> list[SkuInput]:
    """Lines of the SKU field as the catalogue's SkuInput (money in fen)."""
    skus = []
    for n, row in enumerate(rows, start=1):
        where = _("SKU line %(n)d") % {"n": n}
        cells = row + [""] * (7 - len(row))
        code, price, stock, cost, list_price, barcode, spec_text = cells
        if not code or len(code) > 64:
            raise forms.ValidationError(
                _("%(where)s: a code of 1 to 64 characters is required.") % {"where": where}
            )
        if len(barcode) > 32:
            raise forms.ValidationError(
                _("%(where)s: a barcode has at most 32 characters.") % {"where": where}
            )
        specs = {}
        for pair in [p for p in spec_text.replace("；", ";").split(";") if p.strip()]:
            key, sep, value = pair.replace("：", ":").partition(":")
            if not sep or not key.strip() or not value.strip():
                raise forms.ValidationError(
                    _("%(where)s: specs read name:value;name:value.") % {"where": where}
                )
            specs[key.strip()] = value.strip()
        skus.append(
            SkuInput(
                code=code,
                price=yuan_to_fen(price, where),
                stock=whole(stock or "0", where, high=10**9),
                cost=yuan_to_fen(cost or "0", where),
                list_price=yuan_to_fen(list_price or "0", where),
                barcode=barcode,
                specs=specs,
            )
        )
    return skus


class NewSkusField(LinesField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(label=SKU_LINES, columns=(2, 7), most=100, **kwargs)

    def clean(self, value: Any) -> list[SkuInput]:  # type: ignore[override]
        skus = sku_inputs(super().clean(value))
        codes = [s.code for s in skus]
        if len(set(codes)) != len(codes):
            raise forms.ValidationError(_("A SKU code is listed twice."))
        return skus


class ProductCreateForm(ProductForm):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(ProductStatus.DRAFT, _("Draft")), (ProductStatus.ON_SALE, _("On sale"))],
        initial=ProductStatus.DRAFT,
    )
    skus = NewSkusField()

    def clean_skus(self) -> list[SkuInput]:
        skus = self.cleaned_data["skus"]
        if not skus:
            raise forms.ValidationError(_("A product needs at least one SKU."))
        return skus


class AddSkusForm(forms.Form):
    skus = NewSkusField()

    def clean_skus(self) -> list[SkuInput]:
        skus = self.cleaned_data["skus"]
        if not skus:
            raise forms.ValidationError(_("List at least one SKU."))
        return skus


class SkuForm(forms.Form):
    """One existing SKU's editable fields (``update_sku``); rendered with the prefix sku<id>."""

    price = YuanField(label=_("Price"))
    list_price = YuanField(label=_("List price"), required=False)
    cost = YuanField(label=_("Cost"), required=False)
    barcode = forms.CharField(label=_("Barcode"), max_length=32, required=False)
    weight_grams = forms.IntegerField(label=_("Weight (g)"), min_value=0, max_value=10**7, required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False)

    def changes(self, sku: Any) -> dict[str, Any]:
        d = self.cleaned_data
        wanted = {
            "price": d["price"],
            "list_price": d["list_price"] or 0,
            "cost": d["cost"] or 0,
            "barcode": d["barcode"].strip(),
            "weight_grams": d["weight_grams"] or 0,
            "is_active": d["is_active"],
        }
        return {k: v for k, v in wanted.items() if getattr(sku, k) != v}

    @staticmethod
    def initial_of(sku: Any) -> dict[str, Any]:
        keys = ("price", "list_price", "cost", "barcode", "weight_grams", "is_active")
        return {k: getattr(sku, k) for k in keys}


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=64)
    parent = forms.TypedChoiceField(
        label=_("Parent"), coerce=int, choices=(), required=False, empty_value=None
    )
    sort_order = forms.IntegerField(label=_("Sort order"), min_value=-(10**6), max_value=10**6, initial=0)

    def __init__(self, *args: Any, categories: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["parent"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "—"), *categories]


# ---- outlets, merchant, staff ------------------------------------------------------------------------


class OutletForm(forms.Form):
    code = forms.RegexField(label=_("Code"), regex=r"^[\w.-]{1,32}$", max_length=32)
    name = forms.CharField(label=_("Name"), max_length=100)
    province = forms.CharField(label=_("Province"), max_length=32, required=False)
    city = forms.CharField(label=_("City"), max_length=32, required=False)
    district = forms.CharField(label=_("District"), max_length=32, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    latitude = forms.DecimalField(label=_("Latitude"), max_digits=9, decimal_places=6, required=False)
    longitude = forms.DecimalField(label=_("Longitude"), max_digits=9, decimal_places=6, required=False)
    supports_pickup = forms.BooleanField(label=_("Self-pickup"), required=False, initial=True)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for day, label in DAYS:
            self.fields[f"hours_{day}"] = forms.CharField(
                label=label,
                max_length=100,
                required=False,
                help_text=_("e.g. 09:00-12:00, 13:00-21:00; empty = closed"),
            )

    def opening_hours(self) -> dict[str, list[list[str]]]:
        hours: dict[str, list[list[str]]] = {}
        for day, _label in DAYS:
            text = self.cleaned_data.get(f"hours_{day}") or ""
            spans = []
            for part in [p.strip() for p in text.replace("，", ",").split(",") if p.strip()]:
                start, _sep, end = part.replace("–", "-").partition("-")
                spans.append([start.strip(), end.strip()])
            hours[day] = spans
        return hours

    def service_fields(self) -> dict[str, Any]:
        d = self.cleaned_data
        keys = ("code", "name", "province", "city", "district", "address", "phone", "latitude", "longitude")
        return {
            **{k: d[k] for k in keys},
            "supports_pickup": d["supports_pickup"],
            "is_active": d["is_active"],
            "opening_hours": self.opening_hours(),
        }

    @staticmethod
    def initial_of(outlet: Any) -> dict[str, Any]:
        keys = ("code", "name", "province", "city", "district", "address", "phone", "latitude", "longitude")
        initial = {k: getattr(outlet, k) for k in (*keys, "supports_pickup", "is_active")}
        for day, _label in DAYS:
            spans = (outlet.opening_hours or {}).get(day, [])
            initial[f"hours_{day}"] = ", ".join(f"{a}-{b}" for a, b in spans)
        return initial


class MerchantForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    timezone = forms.CharField(label=_("Timezone"), max_length=64)
    login_adapter = forms.ChoiceField(
        label=_("Customer login"),
        choices=LoginAdapter.choices,
        help_text=_("WeChat login uses the mini-program connected under Settings → WeChat accounts."),
    )
    payment_timeout_minutes = forms.IntegerField(
        label=_("Payment window (minutes)"), min_value=5, max_value=1440
    )
    auto_confirm_receipt_days = forms.IntegerField(
        label=_("Auto-confirm receipt after (days)"), min_value=1, max_value=60
    )
    after_sale_window_days = forms.IntegerField(
        label=_("After-sale window (days)"), min_value=0, max_value=90
    )
    shipping_fee = YuanField(label=_("Shipping fee (yuan)"), max_yuan=100_000)
    free_shipping_threshold = YuanField(label=_("Free shipping from (yuan; 0 = always free)"))

    def changes(self, merchant: Any) -> dict[str, Any]:
        d = {k: v for k, v in self.cleaned_data.items()}
        for key in ("name", "timezone"):
            d[key] = d[key].strip()
        return {k: v for k, v in d.items() if getattr(merchant, k) != v}

    @staticmethod
    def initial_of(merchant: Any) -> dict[str, Any]:
        keys = (
            "name",
            "timezone",
            "login_adapter",
            "payment_timeout_minutes",
            "auto_confirm_receipt_days",
            "after_sale_window_days",
            "shipping_fee",
            "free_shipping_threshold",
        )
        return {k: getattr(merchant, k) for k in keys}


class StaffEditForm(forms.Form):
    display_name = forms.CharField(label=_("Name"), max_length=64)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    is_active = forms.BooleanField(label=_("Active (may log in)"), required=False)
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
