"""Pickers: form fields that let staff choose SKUs, products, customers and segments by searching
(name, code, barcode, category, phone) instead of typing ids or codes.

A picked thing is a chip (thumbnail, name, spec, code) holding a hidden input with its id, so the
form still submits ids and works without JavaScript (tests post ids). ``RowsField`` is a table of
rows, each with a picked SKU and the values that go with it (a flash price and a quota...).
The search runs in a dialog against ``/console/pick/<kind>/`` (views/pickers.py, static
console/picker.js).

A form with pickers subclasses ``PickerForm`` and is built with ``picks=Picks(staff)``: the widgets
read their chips' cards from it (one query per kind), and ``check_picks`` refuses an id that is not
this merchant's as a form error on its field, before any service runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from siyu.console.selectors import pickers as sel
from siyu.console.selectors.pickers import Card
from siyu.tenancy.models import Staff

MAX_ID = 2**63 - 1
KINDS = ("sku", "product", "customer", "segment")
URLS = {
    "sku": "console:pick_skus",
    "product": "console:pick_products",
    "customer": "console:pick_customers",
    "segment": "console:pick_segments",
}
ADD_LABELS = {
    ("sku", True): _("Choose SKUs"),
    ("sku", False): _("Choose a SKU"),
    ("product", True): _("Choose products"),
    ("product", False): _("Choose a product"),
    ("customer", True): _("Choose customers"),
    ("customer", False): _("Choose a customer"),
    ("segment", True): _("Choose segments"),
    ("segment", False): _("Choose a segment"),
}


class Picks:
    """What a form's pickers know of one merchant: cards by id, fetched once per kind and cached,
    and the coupon templates a reward may name."""

    def __init__(self, staff: Staff) -> None:
        self.staff = staff
        self.merchant_id = staff.merchant_id
        self._cards: dict[str, dict[int, Card | None]] = {k: {} for k in KINDS}
        self._templates: list[tuple[int, str]] | None = None
        self._tiers: list[tuple[str, str]] | None = None

    def cards(self, kind: str, ids: Iterable[int]) -> dict[int, Card]:
        """The cards of ``ids`` this merchant owns (ids it does not own are left out)."""
        known = self._cards[kind]
        wanted = {i for i in ids if isinstance(i, int) and 0 < i <= MAX_ID}
        missing = wanted - set(known)
        if missing:
            found = self._fetch(kind, missing)
            for i in missing:
                known[i] = found.get(i)
        return {i: c for i in wanted if (c := known.get(i)) is not None}

    def _fetch(self, kind: str, ids: set[int]) -> dict[int, Card]:
        m = self.merchant_id
        if kind == "sku":
            return sel.skus_by_id(m, ids)
        if kind == "product":
            return sel.products_by_id(m, ids)
        if kind == "customer":
            from siyu.members.privacy import mask_phone

            return sel.customers_by_id(m, ids, shown_phone=mask_phone, staff=self.staff)
        return sel.segments_by_id(m, ids)

    def tiers(self) -> list[tuple[str, str]]:
        """The merchant's member tiers as (code, name), lowest first (one query)."""
        if self._tiers is None:
            from siyu.members.loyalty.models import MemberTier

            rows = MemberTier.objects.for_merchant(self.merchant_id).order_by("rank", "id")
            self._tiers = [(t.code, t.name) for t in rows.only("code", "name")]
        return self._tiers

    def options(self, source: str) -> list[tuple[Any, str]]:
        return list(self.templates() if source == "templates" else self.tiers())

    def templates(self) -> list[tuple[int, str]]:
        """Coupon templates that can still be issued, newest first (one query)."""
        if self._templates is None:
            from siyu.console.selectors.customer_data import coupon_template_choices

            self._templates = coupon_template_choices(self.merchant_id)
        return self._templates


def _as_ids(value: Any) -> list[int]:
    """Whatever a picker holds (a list, one id, text) as ids; anything else is dropped here and
    refused by the field's ``to_python``."""
    if value is None or value == "":
        return []
    items = value if isinstance(value, (list, tuple)) else [value]
    ids = []
    for v in items:
        text = str(v).strip()
        if text.isdigit() and 0 < int(text) <= MAX_ID:
            ids.append(int(text))
    return ids


class PickerWidget(forms.Widget):
    """Chips of what was picked, each a hidden input named like the field; a button opens the search."""

    template_name = "console/_picker.html"
    picks: Picks | None = None

    class Media:
        js = ("console/picker.js",)

    def __init__(self, kind: str, multiple: bool, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.kind = kind
        self.multiple = multiple

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        values = data.getlist(name) if hasattr(data, "getlist") else data.get(name)
        if self.multiple:
            return values if isinstance(values, list) else ([values] if values else [])
        if isinstance(values, list):
            return values[-1] if values else None
        return values

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return False  # no chip means "nothing picked", never "not on the form"

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        ids = _as_ids(value)
        cards = self.picks.cards(self.kind, ids) if self.picks else {}
        context["widget"].update(
            kind=self.kind,
            multiple=self.multiple,
            url=reverse(URLS[self.kind]),
            chips=[(i, cards.get(i)) for i in ids],
            add_label=ADD_LABELS[self.kind, self.multiple],
        )
        return context


class PickField(forms.Field):
    """Ids picked with a ``PickerWidget``: a sorted list (``multiple``) or one id or None."""

    def __init__(self, *, kind: str, multiple: bool = True, most: int = 500, **kwargs: Any) -> None:
        assert kind in KINDS
        self.kind = kind
        self.multiple = multiple
        self.most = most
        kwargs.setdefault("required", False)
        super().__init__(widget=PickerWidget(kind, multiple), **kwargs)

    def to_python(self, value: Any) -> Any:
        items = value if isinstance(value, (list, tuple)) else ([] if value in (None, "") else [value])
        texts = [str(v).strip() for v in items if str(v).strip()]
        if not all(t.isdigit() and 0 < int(t) <= MAX_ID for t in texts):
            raise forms.ValidationError(_("Pick from the list; something picked is not an id."))
        ids = sorted({int(t) for t in texts})
        if not self.multiple:
            if len(ids) > 1:
                raise forms.ValidationError(_("Pick only one."))
            return ids[0] if ids else None
        if len(ids) > self.most:
            raise forms.ValidationError(_("Pick at most %(n)d.") % {"n": self.most})
        return ids

    def validate(self, value: Any) -> None:
        if self.required and value in (None, [], ()):
            raise forms.ValidationError(self.error_messages["required"], code="required")

    def picked(self, value: Any) -> list[int]:
        return _as_ids(value)


@dataclass(frozen=True)
class Col:
    """One column of a ``RowsField``: ``kind`` is text, number, select (fixed ``choices``), sku (a
    picked SKU) or choice (one of the merchant's own ``source``: "templates" or "tiers")."""

    name: str
    label: Any
    kind: str = "number"
    choices: tuple[tuple[str, Any], ...] = ()
    source: str = ""
    step: str = "any"
    hint: Any = ""


class RowsWidget(forms.Widget):
    """A table of rows, one input per column named ``<field>-<column>``; the browser sends each
    column as a list, zipped back into rows here. Keyed rows start from the picker: picking a SKU
    adds its row."""

    template_name = "console/_picker_rows.html"
    picks: Picks | None = None

    class Media:
        js = ("console/picker.js",)

    def __init__(self, columns: tuple[Col, ...], keyed: bool, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.columns = columns
        self.keyed = keyed

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[dict[str, str]]:
        get = data.getlist if hasattr(data, "getlist") else (lambda k: data.get(k) or [])
        lists = {c.name: list(get(f"{name}-{c.name}")) for c in self.columns}
        n = max((len(v) for v in lists.values()), default=0)
        return [{c: (v[i] if i < len(v) else "") for c, v in lists.items()} for i in range(n)]

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return False

    def format_value(self, value: Any) -> Any:
        return value

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        rows = value if isinstance(value, list) else []
        sku_cols = [c.name for c in self.columns if c.kind == "sku"]
        ids = [i for r in rows if isinstance(r, dict) for c in sku_cols for i in _as_ids(r.get(c))]
        cards = self.picks.cards("sku", ids) if self.picks else {}
        options: dict[str, list[tuple[str, Any]] | None] = {}
        for col in self.columns:
            if col.kind == "select":
                options[col.name] = [(str(v), label) for v, label in col.choices]
            elif col.kind == "choice":
                known = self.picks.options(col.source) if self.picks else []
                options[col.name] = [("", "—"), *((str(v), label) for v, label in known)]

        def cell(col: Col, row: dict[str, Any]) -> dict[str, Any]:
            raw = row.get(col.name, "")
            value = "" if raw is None else str(raw)
            found = cards.get(int(value)) if col.kind == "sku" and value.isdigit() else None
            return {"col": col, "value": value, "card": found, "options": options.get(col.name)}

        filled = [[cell(c, r) for c in self.columns] for r in rows if isinstance(r, dict)]
        if not filled and not self.keyed:
            filled = [[cell(c, {}) for c in self.columns]]  # a first line to fill in
        context["widget"].update(
            columns=self.columns,
            rows=filled,
            blank=[cell(c, {}) for c in self.columns],
            keyed=self.keyed,
            url=reverse(URLS["sku"]),
        )
        return context


class RowsField(forms.Field):
    """Rows of values around picked SKUs, cleaned to a list of dicts: a SKU column is an id or None,
    the other columns stripped text (the form turns them into yuan, units... with its own checks)."""

    def __init__(
        self, *, columns: tuple[Col, ...], keyed: bool = True, most: int = 50, **kwargs: Any
    ) -> None:
        self.columns = columns
        self.keyed = keyed
        self.most = most
        kwargs.setdefault("required", False)
        super().__init__(widget=RowsWidget(columns, keyed), **kwargs)

    def to_python(self, value: Any) -> list[dict[str, Any]]:
        rows = []
        for raw in value if isinstance(value, list) else []:
            row: dict[str, Any] = {c.name: str(raw.get(c.name, "") or "").strip() for c in self.columns}
            typed = [c for c in self.columns if c.kind not in ("select",)]
            if not any(row[c.name] for c in typed):
                continue  # a row left empty
            for c in self.columns:
                if c.kind == "sku":
                    text = row[c.name]
                    if text and not (text.isdigit() and 0 < int(text) <= MAX_ID):
                        raise forms.ValidationError(_("Pick from the list; something picked is not an id."))
                    row[c.name] = int(text) if text else None
            rows.append(row)
        if len(rows) > self.most:
            raise forms.ValidationError(_("At most %(n)d lines.") % {"n": self.most})
        if self.required and not rows:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return rows

    def picked(self, value: Any) -> list[int]:
        ids: list[int] = []
        for row in value if isinstance(value, list) else []:
            if isinstance(row, dict):
                ids += [i for c in self.columns if c.kind == "sku" for i in _as_ids(row.get(c.name))]
        return ids


class TemplateField(forms.TypedChoiceField):
    """One of the merchant's coupon templates, from a list (another merchant's id is not a choice)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(coerce=int, choices=(), empty_value=None, **kwargs)


class PickerForm(forms.Form):
    """A form with pickers: built with ``picks``, it wires its widgets and checks what was picked."""

    def __init__(self, *args: Any, picks: Picks, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.picks = picks
        for field in self.fields.values():
            if isinstance(field.widget, (PickerWidget, RowsWidget)):
                field.widget.picks = picks
            if isinstance(field, TemplateField):
                field.choices = [("", "—"), *picks.templates()]

    def check_picks(self) -> None:
        """An id this merchant does not own (or no longer has) is an error on its field."""
        for name, field in self.fields.items():
            if not isinstance(field, (PickField, RowsField)) or name not in self.cleaned_data:
                continue
            kind = field.kind if isinstance(field, PickField) else "sku"
            if isinstance(field, RowsField):
                self._check_choices(name, field)
            ids = field.picked(self.cleaned_data[name])
            found = self.picks.cards(kind, ids)
            missing = sorted(set(ids) - set(found))
            if missing:
                self.add_error(
                    name,
                    _("Not in this shop: %(ids)s.") % {"ids": ", ".join(f"#{i}" for i in missing)},
                )

    def _check_choices(self, name: str, field: RowsField) -> None:
        for col in field.columns:
            if col.kind != "choice":
                continue
            known = {str(v) for v, _label in self.picks.options(col.source)}
            wrong = sorted(
                {r[col.name] for r in self.cleaned_data[name] if r[col.name] and r[col.name] not in known}
            )
            if wrong:
                self.add_error(name, _("Not in this shop: %(ids)s.") % {"ids": ", ".join(wrong)})

    def clean(self) -> dict[str, Any] | None:
        data = super().clean()
        self.check_picks()
        return data

    def card(self, kind: str, pk: int | None) -> Card | None:
        return self.picks.cards(kind, [pk]).get(pk) if pk else None
