"""Inputs of the 会员 pages: the member list's filter, manual adjustments, tiers and the programme's rules.

Amounts are typed as a person says them (a member price in percent of the price, a multiplier as 1.5,
a deduction step in yuan) and cleaned to what the loyalty services take (basis points, fen).
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from siyu.console.forms import PercentField, YuanField
from siyu.members.loyalty.models import FULL_RATE, LoyaltySettings, MemberTier
from siyu.members.loyalty.services.admin import MAX_ADJUST, MAX_REWARD

MAX_GROWTH = 10**9
NO_TIER = "none"


def template_choices(templates: list[tuple[int, str]], *, blank: Any) -> list[tuple[Any, Any]]:
    return [("", blank), *templates]


class MemberFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=64, required=False)
    tier = forms.ChoiceField(label=_("Tier"), required=False, choices=())
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("", _("Newest first")),
            ("growth", _("Most growth")),
            ("points", _("Most points")),
        ],
    )

    def __init__(self, *args: Any, tiers: list[MemberTier], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("All")), *((str(t.pk), t.name) for t in tiers), (NO_TIER, _("No tier"))]
        self.fields["tier"].choices = choices  # type: ignore[attr-defined]


class AdjustForm(forms.Form):
    """A manual adjustment of points or growth: what, which way, how much, and why."""

    target = forms.ChoiceField(
        label=_("Adjust"), choices=[("points", _("Points")), ("growth", _("Growth"))], initial="points"
    )
    direction = forms.ChoiceField(
        label=_("Direction"),
        choices=[("add", pgettext_lazy("adjustment", "Add")), ("deduct", _("Deduct"))],
        initial="add",
    )
    amount = forms.IntegerField(label=_("Amount"), min_value=1, max_value=MAX_ADJUST)
    reason = forms.CharField(label=_("Reason"), max_length=200, strip=True)
    # One key per rendered form: a double submit (or a reload of the POST) adjusts once.
    key = forms.RegexField(regex=r"^[0-9a-f]{32}$", max_length=32, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)

    @property
    def delta(self) -> int:
        d = self.cleaned_data
        return d["amount"] if d["direction"] == "add" else -d["amount"]


class MultiplierField(forms.DecimalField):
    """A points multiplier typed as 1.5, cleaned to basis points (15000)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=0, max_value=10, max_digits=6, decimal_places=2, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{value / FULL_RATE:g}"
        return value

    def clean(self, value: Any) -> int | None:
        rate = super().clean(value)
        return None if rate is None else int(rate * FULL_RATE)


class TierForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=32)
    code = forms.RegexField(
        label=_("Code"),
        regex=r"^[a-z0-9_-]{1,32}$",
        max_length=32,
        help_text=_("Lower-case letters, digits, - and _; member-price promotions name the tier by it."),
        error_messages={"invalid": _("Use lower-case letters, digits, - and _ only.")},
    )
    rank = forms.IntegerField(label=_("Rank"), min_value=0, max_value=1000, help_text=_("Higher is better."))
    growth_threshold = forms.IntegerField(label=_("Growth to reach it"), min_value=0, max_value=MAX_GROWTH)
    keep_threshold = forms.IntegerField(
        label=_("Growth per period to keep it"),
        min_value=0,
        max_value=MAX_GROWTH,
        initial=0,
        help_text=_("Used only when downgrades are on."),
    )
    discount = PercentField(
        label=_("Members pay (%)"),
        low=0.01,
        high=100,
        required=False,
        help_text=_("90 = 9折; empty = no member discount."),
    )
    free_shipping = forms.BooleanField(label=_("Free shipping"), required=False)
    points_multiplier = MultiplierField(
        label=_("Points multiplier"), initial=1, help_text=_("1.5 = 1.5× the points on orders.")
    )
    birthday_template = forms.TypedChoiceField(
        label=_("Birthday coupon"), coerce=int, empty_value=None, required=False, choices=()
    )
    upgrade_points = forms.IntegerField(
        label=_("Upgrade gift: points"), min_value=0, max_value=MAX_REWARD, initial=0
    )
    upgrade_template = forms.TypedChoiceField(
        label=_("Upgrade gift: coupon"), coerce=int, empty_value=None, required=False, choices=()
    )

    def __init__(self, *args: Any, templates: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("birthday_template", "upgrade_template"):
            self.fields[name].choices = template_choices(templates, blank=_("None"))  # type: ignore[attr-defined]

    @staticmethod
    def initial_of(tier: MemberTier) -> dict[str, Any]:
        return {
            "name": tier.name,
            "code": tier.code,
            "rank": tier.rank,
            "growth_threshold": tier.growth_threshold,
            "keep_threshold": tier.keep_threshold,
            "discount": tier.discount_bp if tier.discount_bp < FULL_RATE else None,
            "free_shipping": tier.free_shipping,
            "points_multiplier": tier.points_multiplier_bp,
            "birthday_template": tier.birthday_template_id,
            "upgrade_points": tier.upgrade_points,
            "upgrade_template": tier.upgrade_template_id,
        }

    def service_fields(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "name": d["name"],
            "code": d["code"],
            "rank": d["rank"],
            "growth_threshold": d["growth_threshold"],
            "keep_threshold": d["keep_threshold"],
            "discount_bp": d["discount"] or FULL_RATE,
            "free_shipping": d["free_shipping"],
            "points_multiplier_bp": d["points_multiplier"],
            "birthday_template_id": d["birthday_template"],
            "upgrade_points": d["upgrade_points"],
            "upgrade_template_id": d["upgrade_template"],
        }


class SettingsForm(forms.Form):
    enabled = forms.BooleanField(label=_("Membership programme on"), required=False)
    earn_points_per_yuan = forms.IntegerField(
        label=_("Points per ¥1 paid"), min_value=0, max_value=10_000, help_text=_("× the tier's multiplier.")
    )
    growth_per_yuan = forms.IntegerField(label=_("Growth per ¥1 paid"), min_value=0, max_value=10_000)
    redeem_points_per_yuan = forms.IntegerField(
        label=_("Points that pay ¥1"), min_value=1, max_value=1_000_000
    )
    redeem_max_share = PercentField(
        label=_("Points pay at most (% of goods)"), low=0, high=100, help_text=_("After coupons.")
    )
    redeem_step = YuanField(
        label=_("Deduct in steps of (¥)"),
        max_yuan=1000,
        min_value=Decimal("0.01"),
        help_text=_("1.00 = whole yuan only."),
    )
    points_valid_days = forms.IntegerField(
        label=_("Points valid for (days)"),
        min_value=1,
        max_value=3650,
        required=False,
        help_text=_("Each credit expires this many days later; empty = never."),
    )
    check_in_points = forms.IntegerField(label=_("Check-in points"), min_value=0, max_value=MAX_REWARD)
    check_in_growth = forms.IntegerField(label=_("Check-in growth"), min_value=0, max_value=MAX_REWARD)
    streak_cycle_days = forms.IntegerField(
        label=_("Streak cycle (days)"),
        min_value=0,
        max_value=366,
        help_text=_("The streak rewards repeat after this many days; 0 = no repeat."),
    )
    downgrade_enabled = forms.BooleanField(label=_("Downgrade members who stop earning"), required=False)
    downgrade_period_days = forms.IntegerField(
        label=_("Downgrade period (days)"), min_value=1, max_value=3650
    )

    SERVICE_NAMES = {"redeem_max_share": "redeem_max_share_bp", "redeem_step": "redeem_step_fen"}

    @classmethod
    def initial_of(cls, row: LoyaltySettings) -> dict[str, Any]:
        names = [n for n in cls.base_fields if n not in cls.SERVICE_NAMES]
        return {n: getattr(row, n) for n in names} | {
            form_name: getattr(row, name) for form_name, name in cls.SERVICE_NAMES.items()
        }

    def service_fields(self) -> dict[str, Any]:
        return {self.SERVICE_NAMES.get(k, k): v for k, v in self.cleaned_data.items()}


class StreakRewardForm(forms.Form):
    """One row of the streak table: on day N of the streak, these on top of the base check-in."""

    day = forms.IntegerField(label=pgettext_lazy("streak", "Day"), min_value=1, max_value=366, required=False)
    points = forms.IntegerField(label=_("Points"), min_value=0, max_value=MAX_REWARD, required=False)
    growth = forms.IntegerField(label=_("Growth"), min_value=0, max_value=MAX_REWARD, required=False)
    coupon_template_id = forms.TypedChoiceField(
        label=_("Coupon"), coerce=int, empty_value=None, required=False, choices=()
    )

    def __init__(self, *args: Any, templates: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["coupon_template_id"].choices = template_choices(templates, blank=_("None"))  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        gives = data.get("points") or data.get("growth") or data.get("coupon_template_id")
        if gives and not data.get("day"):
            self.add_error("day", _("Say which day of the streak gives this."))
        return data


class BaseStreakFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        days = [f.cleaned_data.get("day") for f in self.forms if f.cleaned_data.get("day")]
        if len(days) != len(set(days)):
            raise forms.ValidationError(_("Each day of the streak may have one reward."))

    def rewards(self) -> list[dict[str, Any]]:
        """The rows with a day, as the service takes them."""
        return [
            {
                "day": f.cleaned_data["day"],
                "points": f.cleaned_data.get("points") or 0,
                "growth": f.cleaned_data.get("growth") or 0,
                "coupon_template_id": f.cleaned_data.get("coupon_template_id"),
            }
            for f in self.forms
            if f.cleaned_data.get("day")
        ]


StreakFormSet = forms.formset_factory(
    StreakRewardForm, formset=BaseStreakFormSet, extra=3, max_num=31, validate_max=True
)
