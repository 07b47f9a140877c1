"""Inputs of the customer data pages (tags, bulk tagging, segments), each with bounds.

They live beside their views: the shared console forms module belongs to the console's first pages.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from siyu.audience.models import SegmentKind, TagGroupKind
from siyu.console.forms import CustomerFilterForm

MAX_ID = 2**63 - 1
MAX_RULE_CHARS = 20_000


class CustomerListForm(CustomerFilterForm):
    """The customer list's filters, plus "carries this tag" and "bound to this guide"."""

    tag = forms.IntegerField(label=_("Tag"), min_value=1, max_value=MAX_ID, required=False)
    guide = forms.RegexField(label=_("Guide"), regex=r"^(none|[1-9][0-9]{0,17})$", required=False)


class GuideAssignForm(forms.Form):
    """The guide to bind a customer to; empty unbinds them."""

    guide = forms.IntegerField(label=_("Guide"), min_value=1, max_value=MAX_ID, required=False)


class CustomerSelectionForm(forms.Form):
    """The customers a bulk action applies to: the ticked ones, or every one the list's filter finds."""

    scope = forms.ChoiceField(
        choices=[("selected", _("Ticked customers")), ("filter", _("Every customer the filter finds"))]
    )
    customer_ids = forms.TypedMultipleChoiceField(coerce=int, choices=(), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any id is a candidate here: the service refuses one that is not the merchant's (404).
        data = self.data.getlist("customer_ids") if hasattr(self.data, "getlist") else []
        self.fields["customer_ids"].choices = [(v, v) for v in data]  # type: ignore[attr-defined]

    def clean_customer_ids(self) -> list[int]:
        ids = self.cleaned_data["customer_ids"]
        if any(i < 1 or i > MAX_ID for i in ids):
            raise forms.ValidationError(_("Customer ids are positive numbers."))
        return ids

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("scope") == "selected" and not data.get("customer_ids"):
            raise forms.ValidationError(_("Tick at least one customer."))
        return data


class BulkGuideForm(CustomerSelectionForm):
    """Bind the ticked customers, or every customer the list's filter finds, to one guide (or none)."""

    guide = forms.RegexField(label=_("Guide"), regex=r"^(none|[1-9][0-9]{0,17})$")

    @property
    def guide_id(self) -> int | None:
        value = self.cleaned_data["guide"]
        return None if value == "none" else int(value)


class TagGroupForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=TagGroupKind.choices, initial=TagGroupKind.MANUAL)
    name = forms.CharField(label=_("Name"), max_length=32)


class RenameForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=32)


class TagForm(forms.Form):
    group_id = forms.TypedChoiceField(label=_("Group"), coerce=int, choices=())
    name = forms.CharField(label=_("Name"), max_length=32)
    description = forms.CharField(label=_("Description"), max_length=200, required=False)

    def __init__(self, *args: Any, groups: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group_id"].choices = groups  # type: ignore[attr-defined]


class TagRuleForm(forms.Form):
    tag_id = forms.TypedChoiceField(label=_("Tag it sets"), coerce=int, choices=())
    rule = forms.CharField(
        label=_("Rule (JSON)"), max_length=MAX_RULE_CHARS, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, tags: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tag_id"].choices = tags  # type: ignore[attr-defined]

    def clean_rule(self) -> Any:
        try:
            return parse_rule_text(self.cleaned_data["rule"])
        except ValueError as exc:
            raise forms.ValidationError(
                _("The rule is not valid JSON: %(reason)s") % {"reason": exc}
            ) from exc


class TagPickForm(forms.Form):
    tag_id = forms.IntegerField(label=_("Tag"), min_value=1, max_value=MAX_ID)


class BulkTagForm(CustomerSelectionForm):
    """Tag (or untag) the ticked customers, or every customer the list's filter finds."""

    tag_id = forms.IntegerField(label=_("Tag"), min_value=1, max_value=MAX_ID)
    action = forms.ChoiceField(choices=[("add", _("Add tag")), ("remove", _("Remove tag"))])
    filter = forms.CharField(max_length=1000, required=False)


def parse_rule_text(text: str) -> Any:
    """The JSON of a rule typed or built in the console, or ValueError with the parser's reason."""
    if len(text) > MAX_RULE_CHARS:
        raise ValueError(f"longer than {MAX_RULE_CHARS} characters")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"line {exc.lineno} column {exc.colno}: {exc.msg}") from exc


class RuleForm(forms.Form):
    rule = forms.CharField(max_length=MAX_RULE_CHARS, widget=forms.Textarea)


class SegmentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=64)
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    kind = forms.ChoiceField(label=_("Save as"), choices=SegmentKind.choices, initial=SegmentKind.DYNAMIC)
    rule = forms.CharField(label=_("Rule (JSON)"), max_length=MAX_RULE_CHARS, widget=forms.Textarea)

    def clean_rule(self) -> Any:
        try:
            return parse_rule_text(self.cleaned_data["rule"])
        except ValueError as exc:
            raise forms.ValidationError(
                _("The rule is not valid JSON: %(reason)s") % {"reason": exc}
            ) from exc


class SegmentEditForm(SegmentForm):
    """A saved segment: its name, description and (dynamic only) rule; its kind stays as it was."""

    kind = None  # type: ignore[assignment]


class SegmentIssueForm(forms.Form):
    template_id = forms.TypedChoiceField(label=_("Coupon"), coerce=int, choices=())
    batch_key = forms.RegexField(regex=r"^[A-Za-z0-9_-]{1,40}$", max_length=40, widget=forms.HiddenInput)
    # Set only by the "issue to the first N" offer shown after a refusal for lack of coupons.
    first_n = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, templates: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template_id"].choices = templates  # type: ignore[attr-defined]
