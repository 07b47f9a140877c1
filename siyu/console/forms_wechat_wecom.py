"""Forms of the console's WeCom pages: 渠道活码, staff ↔ WeCom members, 继承 transfers."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from siyu.members.models import Source
from siyu.wechat.wecom.models import ContactWay
from siyu.wechat.wecom.services import WayInput


class ContactWayForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=30, help_text=_("Shown in WeCom's admin; at most 30 characters.")
    )
    staff_ids = forms.TypedMultipleChoiceField(
        label=_("Members who add the customer"), coerce=int, choices=(), widget=forms.CheckboxSelectMultiple
    )
    source = forms.ChoiceField(label=_("Source"), choices=Source.choices, initial=Source.OUTLET)
    campaign = forms.CharField(label=_("Campaign"), max_length=64, required=False)
    skip_verify = forms.BooleanField(
        label=_("Add without the member's confirmation"), required=False, initial=True
    )
    welcome_text = forms.CharField(
        label=_("Welcome message"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    card_title = forms.CharField(label=_("Mini-program card title"), max_length=64, required=False)
    card_page = forms.RegexField(
        label=_("Mini-program card page"),
        regex=r"^[A-Za-z0-9_/\-.?=&]*\.html(\?.*)?$",
        max_length=200,
        required=False,
        help_text=_("The page path, ending in .html as WeCom requires, e.g. pages/index/index.html"),
    )

    def __init__(
        self, *args: Any, members: list[tuple[int, str]], locked_source: bool = False, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        field = self.fields["staff_ids"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = members
        if locked_source:
            # Contacts already added keep the attribution they came with: the source stays.
            self.fields["source"].disabled = True

    @staticmethod
    def initial_of(way: ContactWay) -> dict[str, Any]:
        return {
            "name": way.name,
            "staff_ids": [m.staff_id for m in way.members.all()],
            "source": way.source,
            "campaign": way.campaign,
            "skip_verify": way.skip_verify,
            "welcome_text": way.welcome_text,
            "card_title": way.card_title,
            "card_page": way.card_page,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("card_title") and not data.get("card_page"):
            self.add_error("card_page", _("A mini-program card needs its page."))
        return data

    def way_input(self) -> WayInput:
        data = self.cleaned_data
        return WayInput(
            name=data["name"],
            staff_ids=list(data["staff_ids"]),
            source=data["source"],
            campaign=data["campaign"],
            skip_verify=data["skip_verify"],
            welcome_text=data["welcome_text"],
            card_title=data["card_title"],
            card_page=data["card_page"],
        )


class MemberForm(forms.Form):
    staff = forms.IntegerField(min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)
    userid = forms.RegexField(
        label=_("WeCom userid"), regex=r"^[A-Za-z0-9_@.\-]*$", max_length=64, required=False
    )


class TransferForm(forms.Form):
    from_guide = forms.TypedChoiceField(label=_("From guide"), coerce=int, choices=())
    to_guide = forms.TypedChoiceField(label=_("To guide"), coerce=int, choices=())
    resigned = forms.BooleanField(label=_("The guide has left the company"), required=False)
    message = forms.CharField(
        label=_("Message to the customer"),
        max_length=200,
        required=False,
        help_text=_("Sent by WeCom when a guide still at work hands over; WeCom's default when blank."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, guides: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        for name in ("from_guide", "to_guide"):
            field = self.fields[name]
            assert isinstance(field, forms.TypedChoiceField)
            field.choices = guides

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("from_guide") and data.get("from_guide") == data.get("to_guide"):
            self.add_error("to_guide", _("Choose another guide to take over."))
        return data
