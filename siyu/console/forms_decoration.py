"""Forms of the 店铺装修 editor: one per section kind, each turning its fields into the section's JSON.

The forms offer only this shop's products, categories, coupons, activities and pages, so a bad id
is a form error before the service sees it; the service checks every link again (``BadLink``) and
its refusals come back onto the field they name (``apply_section_refusal``). Images are URL fields
for now: a media library can replace them with a picker that fills the same field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from siyu.catalog.models import ProductRole
from siyu.decoration.schema import (
    ACTIVITY_KINDS,
    ACTIVITY_LABELS,
    MAX_SLIDES,
    SLUG_PATTERN,
    ActivityLink,
    CategoryLink,
    PageLink,
    PathLink,
    ProductLink,
    Section,
)
from siyu.decoration.selectors import LinkTargets

SECTION_LABELS = {
    "banner": _("Banner carousel"),
    "products": _("Product grid"),
    "coupons": _("Coupon strip"),
    "activities": _("Activity strip"),
    "notice": _("Notice bar"),
    "image": _("Image ad"),
    "richtext": _("Rich text"),
}
SOURCE_LABELS = {
    "role": _("By product role"),
    "category": _("By category"),
    "manual": _("Picked by hand"),
    "all": _("All products"),
}
PATH = "path"  # the link choice that reads the path field


def link_choices(targets: LinkTargets) -> list[Any]:
    """The grouped options of a "Link to" select: every target of this shop, then "a shop page"."""
    return [
        ("", _("No link")),
        (_("Products"), [(f"product:{pk}", name) for pk, name in targets.products]),
        (_("Categories"), [(f"category:{pk}", name) for pk, name in targets.categories]),
        (
            _("Activities"),
            [
                (f"activity:{kind}:{pk}", f"{ACTIVITY_LABELS[kind]} · {name}")
                for kind, pk, name in targets.activities
            ],
        ),
        (_("Custom pages"), [(f"page:{slug}", title) for slug, title in targets.pages]),
        (PATH, _("A shop page by its address")),
    ]


def link_value(link: Any) -> tuple[str, str]:
    """(select value, path) of a stored link."""
    if isinstance(link, ProductLink):
        return f"product:{link.id}", ""
    if isinstance(link, CategoryLink):
        return f"category:{link.id}", ""
    if isinstance(link, ActivityLink):
        return f"activity:{link.activity}:{link.id}", ""
    if isinstance(link, PageLink):
        return f"page:{link.slug}", ""
    if isinstance(link, PathLink):
        return PATH, link.path
    return "", ""


def link_data(value: str, path: str) -> dict[str, Any] | None:
    """The JSON of the link a select value (and the path field) means."""
    if not value:
        return None
    if value == PATH:
        return {"to": "path", "path": path}
    head, _sep, rest = value.partition(":")
    if head == "activity":
        kind, _sep, pk = rest.partition(":")
        return {"to": "activity", "activity": kind, "id": int(pk)}
    if head == "page":
        return {"to": "page", "slug": rest}
    return {"to": head, "id": int(rest)}


def _offered(choices: list[Any]) -> set[str]:
    values = set()
    for value, label in choices:
        if isinstance(label, (list, tuple)):
            values |= {v for v, _label in label}
        else:
            values.add(value)
    return values


class SectionForm(forms.Form):
    """The fields of one section; ``section_data()`` is what the schema takes."""

    kind = ""
    link_fields: tuple[str, ...] = ()

    def __init__(self, data: Any = None, *, section: Section, targets: LinkTargets, prefix: str = "") -> None:
        super().__init__(data, initial=self.initial_of(section), prefix=prefix or None)
        self.section = section
        self.targets = targets
        choices = link_choices(targets)
        for name in self.link_fields:
            current = self.initial.get(name, "")
            own = list(choices)
            if current and current not in _offered(own):  # a target beyond the pickers still shows
                own.append((current, current))
            self.fields[name] = forms.ChoiceField(label=_("Link to"), choices=own, required=False)
            self.fields[f"{name}_path"] = forms.CharField(
                label=_("Shop page address"),
                max_length=200,
                required=False,
                help_text=_("After /shop/<shop>/, e.g. coupons/ or search/?q=tea"),
            )
        self.order_fields(self.field_order_of())

    def field_order_of(self) -> list[str]:
        return list(self.fields)

    def initial_of(self, section: Section) -> dict[str, Any]:
        return section.model_dump(mode="json")

    def link_of(self, name: str) -> dict[str, Any] | None:
        value = self.cleaned_data.get(name) or ""
        path = (self.cleaned_data.get(f"{name}_path") or "").strip()
        if value == PATH and not path:
            self.add_error(f"{name}_path", _("Enter the page's address."))
        return link_data(value, path)

    def section_data(self) -> dict[str, Any]:
        raise NotImplementedError


def _link_initial(initial: dict[str, Any], name: str, link: Any) -> None:
    initial[name], initial[f"{name}_path"] = link_value(link)


class BannerForm(SectionForm):
    kind = "banner"

    def __init__(self, data: Any = None, **kw: Any) -> None:
        section = kw["section"]
        self.rows = min(len(section.slides) + 1, MAX_SLIDES)
        self.link_fields = tuple(f"link_{i}" for i in range(self.rows))
        super().__init__(data, **kw)
        for i in range(self.rows):
            self.fields[f"image_{i}"] = forms.CharField(
                label=_("Image URL"), max_length=500, required=False, help_text=_("https://... or /media/...")
            )
            self.fields[f"title_{i}"] = forms.CharField(label=_("Caption"), max_length=40, required=False)
        self.order_fields(
            [
                name
                for i in range(self.rows)
                for name in (f"image_{i}", f"title_{i}", f"link_{i}", f"link_{i}_path")
            ]
        )

    def slide_rows(self) -> list[list[forms.BoundField]]:
        """The fields of each slide, for the template to group them."""
        return [
            [self[f"image_{i}"], self[f"title_{i}"], self[f"link_{i}"], self[f"link_{i}_path"]]
            for i in range(self.rows)
        ]

    def initial_of(self, section: Section) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for i, slide in enumerate(getattr(section, "slides", [])):
            initial[f"image_{i}"] = slide.image
            initial[f"title_{i}"] = slide.title
            _link_initial(initial, f"link_{i}", slide.link)
        return initial

    def section_data(self) -> dict[str, Any]:
        slides = []
        for i in range(self.rows):
            image = (self.cleaned_data.get(f"image_{i}") or "").strip()
            link = self.link_of(f"link_{i}")
            title = self.cleaned_data.get(f"title_{i}") or ""
            if image:
                slides.append({"image": image, "title": title, "link": link})
            elif link or title:
                self.add_error(f"image_{i}", _("A slide needs an image."))
        return {"kind": "banner", "slides": slides}


class ProductsForm(SectionForm):
    kind = "products"
    title = forms.CharField(label=_("Title"), max_length=30, required=False)
    source = forms.ChoiceField(label=_("Products"), choices=list(SOURCE_LABELS.items()))
    role = forms.ChoiceField(
        label=_("Product role"), choices=[("", "—"), *ProductRole.choices], required=False
    )
    category_id = forms.TypedChoiceField(label=_("Category"), coerce=int, required=False, empty_value=None)
    product_ids = forms.TypedMultipleChoiceField(
        label=_("Products picked"),
        coerce=int,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Hold Ctrl (⌘ on a Mac) to pick several; they show in the order of this list."),
    )
    columns = forms.TypedChoiceField(
        label=_("Columns"), coerce=int, choices=[(2, _("2 columns")), (3, _("3 columns"))]
    )
    limit = forms.IntegerField(label=_("How many"), min_value=1, max_value=20)

    def __init__(self, data: Any = None, **kw: Any) -> None:
        super().__init__(data, **kw)
        category = self.fields["category_id"]
        assert isinstance(category, forms.TypedChoiceField)
        category.choices = [("", "—"), *self.targets.categories]
        picked = self.fields["product_ids"]
        assert isinstance(picked, forms.TypedMultipleChoiceField)
        picked.choices = self.targets.products

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        source = data.get("source")
        if source == "role" and not data.get("role"):
            self.add_error("role", _("Choose the role whose products the grid shows."))
        if source == "category" and not data.get("category_id"):
            self.add_error("category_id", _("Choose the category whose products the grid shows."))
        if source == "manual" and not data.get("product_ids"):
            self.add_error("product_ids", _("Pick at least one product."))
        return data

    def section_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "kind": "products",
            "title": d["title"],
            "source": d["source"],
            "role": d.get("role") or None,
            "category_id": d.get("category_id"),
            "product_ids": d.get("product_ids") or [],
            "columns": d["columns"],
            "limit": d["limit"],
        }


class CouponsForm(SectionForm):
    kind = "coupons"
    title = forms.CharField(label=_("Title"), max_length=30, required=False)
    template_ids = forms.TypedMultipleChoiceField(
        label=_("Coupons"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: the newest coupons claimable in the coupon centre."),
    )
    limit = forms.IntegerField(label=_("How many"), min_value=1, max_value=10)

    def __init__(self, data: Any = None, **kw: Any) -> None:
        super().__init__(data, **kw)
        field = self.fields["template_ids"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = self.targets.coupons

    def section_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "kind": "coupons",
            "title": d["title"],
            "template_ids": d["template_ids"],
            "limit": d["limit"],
        }


class ActivitiesForm(SectionForm):
    kind = "activities"
    title = forms.CharField(label=_("Title"), max_length=30, required=False)
    kinds = forms.MultipleChoiceField(
        label=_("Playbooks"),
        choices=[(k, ACTIVITY_LABELS[k]) for k in ACTIVITY_KINDS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every running activity."),
    )
    limit = forms.IntegerField(label=_("How many"), min_value=1, max_value=10)

    def section_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {"kind": "activities", "title": d["title"], "kinds": d["kinds"], "limit": d["limit"]}


class NoticeForm(SectionForm):
    kind = "notice"
    link_fields = ("link",)
    text = forms.CharField(label=_("Notice"), max_length=120)

    def initial_of(self, section: Section) -> dict[str, Any]:
        initial = {"text": getattr(section, "text", "")}
        _link_initial(initial, "link", getattr(section, "link", None))
        return initial

    def section_data(self) -> dict[str, Any]:
        return {"kind": "notice", "text": self.cleaned_data["text"], "link": self.link_of("link")}


class ImageForm(SectionForm):
    kind = "image"
    link_fields = ("link",)
    image = forms.CharField(label=_("Image URL"), max_length=500, help_text=_("https://... or /media/..."))
    alt = forms.CharField(label=_("Description"), max_length=60, required=False)

    def initial_of(self, section: Section) -> dict[str, Any]:
        initial = {"image": getattr(section, "image", ""), "alt": getattr(section, "alt", "")}
        _link_initial(initial, "link", getattr(section, "link", None))
        return initial

    def section_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {"kind": "image", "image": d["image"].strip(), "alt": d["alt"], "link": self.link_of("link")}


class RichTextForm(SectionForm):
    kind = "richtext"
    html = forms.CharField(
        label=_("Text"),
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("HTML: paragraphs, headings, bold, lists, images and links to your shop's pages."),
    )

    def section_data(self) -> dict[str, Any]:
        return {"kind": "richtext", "html": self.cleaned_data["html"]}


SECTION_FORMS: dict[str, type[SectionForm]] = {
    f.kind: f
    for f in (BannerForm, ProductsForm, CouponsForm, ActivitiesForm, NoticeForm, ImageForm, RichTextForm)
}


def section_form(section: Section, targets: LinkTargets, data: Any = None) -> SectionForm:
    return SECTION_FORMS[section.kind](data, section=section, targets=targets)


def apply_section_refusal(form: SectionForm, exc: Any) -> None:
    """Put a refusal of ``save_draft`` on the fields it names (``slides.1.link`` -> ``link_1``)."""
    detail = exc.detail if isinstance(exc.detail, list) else []
    placed = False
    for problem in detail:
        field = str(problem.get("field") or "")
        parts = field.split(".")
        name = f"{parts[2]}_{parts[1]}" if parts[0] == "slides" and len(parts) >= 3 else parts[0]
        if name in form.link_fields and str(problem.get("target", "")).startswith("path:"):
            name = f"{name}_path"
        message = problem.get("error") or str(exc.text)
        if name in form.fields:
            form.add_error(name, str(exc.text) if "target" in problem else f"{exc.text} ({message})")
            placed = True
    if not placed:
        form.add_error(None, str(exc.text))


class NewPageForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=40)
    slug = forms.RegexField(
        label=_("Address"),
        regex=SLUG_PATTERN,
        max_length=40,
        help_text=_(
            "Lower-case letters, digits and dashes, starting with a letter: /shop/<shop>/p/<address>/"
        ),
        error_messages={"invalid": _("Use lower-case letters, digits and dashes, starting with a letter.")},
    )


class PageSettingsForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=40)
    slug = forms.RegexField(
        label=_("Address"),
        regex=SLUG_PATTERN,
        max_length=40,
        required=False,
        error_messages={"invalid": _("Use lower-case letters, digits and dashes, starting with a letter.")},
    )


class AddSectionForm(forms.Form):
    kind = forms.ChoiceField(choices=list(SECTION_LABELS.items()))


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "up"), ("down", "down")])
