"""Forms of 微信 > 自动回复 and 渠道二维码 (the official account's auto-replies and parametric QR codes)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from siyu.members.models import Source
from siyu.wechat.oa.models import MatchMode, QrKind, ReplyKind, ReplyRule, ReplyType
from siyu.wechat.oa.services import QR_SOURCES


class ReplyRuleForm(forms.Form):
    kind = forms.ChoiceField(label=_("When"), choices=ReplyKind.choices)
    keyword = forms.CharField(
        label=_("Keyword or menu key"),
        max_length=64,
        required=False,
        help_text=_("For keyword replies: the word a follower sends; for menu clicks: the button's key."),
    )
    match = forms.ChoiceField(label=_("Match"), choices=MatchMode.choices, initial=MatchMode.EXACT)
    reply_type = forms.ChoiceField(label=_("Reply with"), choices=ReplyType.choices, initial=ReplyType.TEXT)
    text = forms.CharField(
        label=_("Text (a link card's description)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=600,
        required=False,
    )
    title = forms.CharField(label=_("Link card title"), max_length=64, required=False)
    url = forms.URLField(label=_("Link card address"), max_length=500, required=False, assume_scheme="https")
    picture_url = forms.URLField(
        label=_("Link card picture"), max_length=500, required=False, assume_scheme="https"
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, reply_type = data.get("kind"), data.get("reply_type")
        if kind in (ReplyKind.KEYWORD, ReplyKind.CLICK) and not (data.get("keyword") or "").strip():
            self.add_error("keyword", _("Enter the keyword or menu key this rule answers."))
        if reply_type == ReplyType.TEXT and not (data.get("text") or "").strip():
            self.add_error("text", _("Enter the reply text."))
        if reply_type == ReplyType.NEWS:
            if not (data.get("title") or "").strip():
                self.add_error("title", _("A link card needs a title."))
            if not data.get("url"):
                self.add_error("url", _("A link card needs an address."))
        return data

    @staticmethod
    def initial_of(rule: ReplyRule) -> dict[str, Any]:
        return {name: getattr(rule, name) for name in ReplyRuleForm.base_fields}


EXPIRY_DAYS = [(1, _("1 day")), (7, _("7 days")), (30, _("30 days"))]


class QrCodeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=64)
    source = forms.ChoiceField(
        label=_("Source"), choices=[(s, Source(s).label) for s in QR_SOURCES], initial=Source.OUTLET
    )
    campaign = forms.CharField(label=_("Campaign"), max_length=64, required=False)
    kind = forms.ChoiceField(label=_("Validity"), choices=QrKind.choices, initial=QrKind.PERMANENT)
    expire_days = forms.TypedChoiceField(
        label=_("A temporary code expires after"), choices=EXPIRY_DAYS, coerce=int, initial=30, required=False
    )

    def service_fields(self) -> dict[str, Any]:
        d = self.cleaned_data
        days = d.get("expire_days") or 30
        return {
            "name": d["name"],
            "source": d["source"],
            "campaign": d["campaign"],
            "kind": d["kind"],
            "expire_seconds": days * 24 * 3600 if d["kind"] == QrKind.TEMPORARY else None,
        }
