"""Console form of WeChat Pay reconciliation: the bill day to reconcile."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ReconcileForm(forms.Form):
    bill_date = forms.DateField(
        label=_("Bill date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
