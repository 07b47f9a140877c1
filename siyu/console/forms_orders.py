"""Forms of the order operations: batch shipping, 改价, remarks and flags, bulk actions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from siyu.console.forms import YuanField
from siyu.orders.models import OrderFlag
from siyu.orders.services.adjustments import MAX_REASON, MAX_SHIPPING_FEE
from siyu.orders.services.marks import MAX_REMARK, MAX_SELECTED
from siyu.orders.services.shipping import MAX_FILE_BYTES

FLAG_CHOICES = [("", _("No flag")), *OrderFlag.choices]


class BatchShipForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV or Excel (.xlsx): order number, courier, tracking number."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload


class AdjustPriceForm(forms.Form):
    discount = YuanField(label=_("Merchant discount (yuan)"))
    shipping_fee = YuanField(label=_("Shipping fee (yuan)"), max_yuan=MAX_SHIPPING_FEE // 100)
    reason = forms.CharField(label=_("Reason"), max_length=MAX_REASON)


class MarkForm(forms.Form):
    remark = forms.CharField(label=_("Merchant remark"), max_length=MAX_REMARK, required=False)
    flag = forms.ChoiceField(label=_("Flag"), choices=FLAG_CHOICES, required=False)


class OrderIdsField(forms.Field):
    """The ticked orders' ids (``order_ids`` repeated), cleaned to a list of ints in the order given."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        if not all(str(v).isdigit() and 0 < int(v) < 2**63 for v in values):
            raise forms.ValidationError(_("Tick orders from the list."))
        ids = list(dict.fromkeys(int(v) for v in values))
        if len(ids) > MAX_SELECTED:
            raise forms.ValidationError(_("At most %(n)d orders at once.") % {"n": MAX_SELECTED})
        return ids


class BulkActionForm(forms.Form):
    """The ticked orders and what to do with them."""

    action = forms.ChoiceField(
        choices=[
            ("flag", _("Set flag")),
            ("remark", _("Set remark")),
            ("cancel", _("Cancel unpaid")),
            ("export_shipping", _("Export for shipping")),
        ]
    )
    order_ids = OrderIdsField(error_messages={"required": _("Tick orders from the list.")})
    flag = forms.ChoiceField(choices=FLAG_CHOICES, required=False)
    remark = forms.CharField(max_length=MAX_REMARK, required=False)
