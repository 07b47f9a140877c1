"""会员: the member list, a member's page (ledgers and manual adjustments), tiers, and the programme's rules.

Every write is a loyalty service (siyu/members/loyalty/services/admin.py), the same one the admin API
calls, so both paths check, audit and refuse alike. Viewing needs ``customers.view``; changing
anything ``members.edit``.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from siyu.console.access import ConsoleRequest, can, console_view
from siyu.console.forms import cleaned
from siyu.console.forms_members import (
    AdjustForm,
    BaseStreakFormSet,
    MemberFilterForm,
    SettingsForm,
    StreakFormSet,
    TierForm,
)
from siyu.console.layout import render_page, wants_fragment
from siyu.console.paging import PER_PAGE, page_of
from siyu.core.errors import NotFound, SiyuError
from siyu.members.loyalty import presentation, selectors
from siyu.members.loyalty.errors import GrowthInsufficient, PointsInsufficient
from siyu.members.loyalty.models import MemberTier
from siyu.members.loyalty.services import admin, ledger
from siyu.members.models import Customer
from siyu.members.privacy import mask_phone
from siyu.members.scope import customers_visible_to, visible_customer
from siyu.promotions.models import CouponTemplate
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import require

MODULE = "members"


def place_refusal(form: forms.Form, exc: SiyuError, aliases: dict[str, str] | None = None) -> None:
    """Put a loyalty service's refusal on the fields its detail names (by the service's own names,
    mapped through ``aliases``), else on the whole form. Its text is the error's translated message:
    the detail's values are for machines."""
    detail = exc.detail if isinstance(exc.detail, dict) else {}
    names = {(aliases or {}).get(key, key) for key in detail}
    fields = sorted(name for name in names if name in form.fields)
    for name in fields:
        form.add_error(name, str(exc.text))
    if not fields:
        form.add_error(None, str(exc.text))


def template_choices(merchant_id: int, keep: list[int | None]) -> list[tuple[int, str]]:
    """Coupon templates a tier or a streak reward can give: the active ones, newest first, and those in
    ``keep`` (already chosen) even when paused or ended, so saving a form does not drop them."""
    wanted = Q(status="active") | Q(pk__in=[pk for pk in keep if pk])
    rows = CouponTemplate.objects.for_merchant(merchant_id).filter(wanted).order_by("-id")
    return [
        (t.pk, t.title if t.status == "active" else _("%(title)s (not active)") % {"title": t.title})
        for t in rows.only("pk", "title", "status")
    ]


# ---- the member list -------------------------------------------------------------------------------


@require_GET
@console_view(Perm.CUSTOMERS_VIEW, module=MODULE)
def member_list_page(request: ConsoleRequest) -> HttpResponse:
    staff = request.staff
    all_tiers = ledger.tiers(staff.merchant_id)
    form = MemberFilterForm(request.GET, tiers=all_tiers)
    data = cleaned(form)
    filters = selectors.MemberFilters(q=data["q"], tier=data["tier"], sort=data["sort"])
    # A guide's members are their own customers (siyu/members/scope.py); phones masked for every role.
    members = selectors.member_list(merchant_id=staff.merchant_id, filters=filters, all_tiers=all_tiers)
    page = page_of(request, customers_visible_to(staff, members))
    rows = [
        (row, mask_phone(row.customer.phone))
        for row in selectors.member_rows(list(page.object_list), all_tiers)
    ]
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "swap": True,
        "programme": ledger.program(staff.merchant_id),
    }
    template = "console/members/_table.html" if wants_fragment(request) else "console/members/list.html"
    return render_page(request, template, context, module=MODULE)


# ---- one member ------------------------------------------------------------------------------------


def _member_response(
    request: ConsoleRequest,
    customer_id: int,
    form: AdjustForm,
    *,
    error: SiyuError | None = None,
    status: int = 200,
) -> HttpResponse:
    staff = request.staff
    customer = visible_customer(staff, customer_id)  # another guide's customer is a 404
    points = Paginator(
        selectors.staff_points_entries(merchant_id=staff.merchant_id, customer_id=customer.pk), PER_PAGE
    ).get_page(request.GET.get("page"))
    growth = Paginator(
        selectors.growth_entries(merchant_id=staff.merchant_id, customer_id=customer.pk), PER_PAGE
    ).get_page(request.GET.get("gpage"))
    view = selectors.membership_view(customer=customer)
    context = {
        "customer": customer,
        "phone": mask_phone(customer.phone),
        "view": view,
        "benefits": presentation.benefits(view.tier) if view.tier else [],
        "points": points,
        "growth": growth,
        "changes": selectors.tier_changes(merchant_id=staff.merchant_id, customer_id=customer.pk),
        "form": form,
        "error": error,
    }
    return render_page(request, "console/members/detail.html", context, module=MODULE, status=status)


@require_GET
@console_view(Perm.CUSTOMERS_VIEW, module=MODULE)
def member_page(request: ConsoleRequest, customer_id: int) -> HttpResponse:
    return _member_response(request, customer_id, AdjustForm())


@require_POST
@console_view(Perm.MEMBERS_EDIT, module=MODULE)
def member_adjust(request: ConsoleRequest, customer_id: int) -> HttpResponse:
    """Add or deduct points or growth, with a reason: the loyalty service audits it and refuses a
    deduction beyond the balance (nothing changes then)."""
    form = AdjustForm(request.POST)
    if not form.is_valid():
        return _member_response(request, customer_id, form, status=400)
    d = form.cleaned_data
    adjust = admin.adjust_points if d["target"] == "points" else admin.adjust_growth
    try:
        adjust(
            staff=request.staff,
            customer_id=customer_id,
            delta=form.delta,
            reason=d["reason"],
            idempotency_key=d["key"],
        )
    except NotFound:
        raise
    except (PointsInsufficient, GrowthInsufficient) as exc:
        view = selectors.membership_view(customer=Customer.objects.get(pk=customer_id))
        text = (
            _("The member has %(n)d points: a deduction cannot take the balance below zero.")
            if d["target"] == "points"
            else _("The member has %(n)d growth: a deduction cannot take it below zero.")
        )
        have = view.points_balance if d["target"] == "points" else view.growth_value
        form.add_error("amount", text % {"n": have})
        return _member_response(request, customer_id, form, error=exc, status=exc.status)
    except SiyuError as exc:
        place_refusal(form, exc, {"delta": "amount"})
        return _member_response(request, customer_id, form, error=exc, status=exc.status)
    what = _("points") if d["target"] == "points" else _("growth")
    messages.success(request, _("Adjusted %(what)s by %(delta)+d.") % {"what": what, "delta": form.delta})
    return redirect("console:member", customer_id)


# ---- tiers ------------------------------------------------------------------------------------------


def _tiers_response(
    request: ConsoleRequest, *, error: SiyuError | None = None, status: int = 200
) -> HttpResponse:
    found, below = selectors.tiers_with_counts(merchant_id=request.staff.merchant_id)
    rows = [
        {
            "tier": tier,
            "members": members,
            "discount": presentation.discount_text(tier.discount_bp),
            "multiplier": presentation.multiplier_text(tier.points_multiplier_bp),
            "gift": presentation.upgrade_gift(tier),
        }
        for tier, members in found
    ]
    context = {"rows": rows, "below": below, "error": error}
    return render_page(request, "console/members/tiers.html", context, module=MODULE, status=status)


@require_GET
@console_view(Perm.CUSTOMERS_VIEW, module=MODULE)
def tier_list_page(request: ConsoleRequest) -> HttpResponse:
    return _tiers_response(request)


TIER_ALIASES = {
    "discount_bp": "discount",
    "points_multiplier_bp": "points_multiplier",
    "birthday_template_id": "birthday_template",
    "upgrade_template_id": "upgrade_template",
}


def _tier_form(request: ConsoleRequest, tier: MemberTier | None) -> HttpResponse:
    staff = request.staff
    keep = [tier.birthday_template_id, tier.upgrade_template_id] if tier else []
    templates = template_choices(staff.merchant_id, keep)
    initial = TierForm.initial_of(tier) if tier else {}
    form = TierForm(request.POST if request.method == "POST" else None, initial=initial, templates=templates)
    error: SiyuError | None = None
    if request.method == "POST" and form.is_valid():
        try:
            if tier is None:
                saved = admin.create_tier(staff=staff, **form.service_fields())
            else:
                saved = admin.update_tier(staff=staff, tier_id=tier.pk, **form.service_fields())
        except SiyuError as exc:
            error = exc
            place_refusal(form, exc, TIER_ALIASES)
        else:
            messages.success(request, _("The tier %(name)s was saved.") % {"name": saved.name})
            return redirect("console:member_tiers")
    status = error.status if error else (400 if form.is_bound and form.errors else 200)
    context = {"form": form, "tier": tier, "error": error}
    return render_page(request, "console/members/tier_form.html", context, module=MODULE, status=status)


@require_http_methods(["GET", "POST"])
@console_view(Perm.MEMBERS_EDIT, module=MODULE)
def tier_create(request: ConsoleRequest) -> HttpResponse:
    return _tier_form(request, None)


@require_http_methods(["GET", "POST"])
@console_view(Perm.MEMBERS_EDIT, module=MODULE)
def tier_edit(request: ConsoleRequest, tier_id: int) -> HttpResponse:
    return _tier_form(request, admin.get_tier(merchant_id=request.staff.merchant_id, tier_id=tier_id))


@require_POST
@console_view(Perm.MEMBERS_EDIT, module=MODULE)
def tier_delete(request: ConsoleRequest, tier_id: int) -> HttpResponse:
    """Delete a tier nobody holds or ever held; otherwise the list says why not."""
    tier = admin.get_tier(merchant_id=request.staff.merchant_id, tier_id=tier_id)
    try:
        admin.delete_tier(staff=request.staff, tier_id=tier.pk)
    except SiyuError as exc:
        return _tiers_response(request, error=exc, status=exc.status)
    messages.success(request, _("The tier %(name)s was deleted.") % {"name": tier.name})
    return redirect("console:member_tiers")


# ---- the programme's rules --------------------------------------------------------------------------

SETTINGS_ALIASES = {"redeem_max_share_bp": "redeem_max_share", "redeem_step_fen": "redeem_step"}


@require_http_methods(["GET", "POST"])
@console_view(Perm.CUSTOMERS_VIEW, module=MODULE)
def settings_page(request: ConsoleRequest) -> HttpResponse:
    """Earning, redeeming, expiry, check-in and its streak rewards, downgrades. Everyone who sees
    members reads them; ``members.edit`` changes them (the first save sets the programme up)."""
    staff = request.staff
    if request.method == "POST":
        require(staff, Perm.MEMBERS_EDIT)
    row = selectors.settings_or_default(staff.merchant_id)
    set_up = row.pk is not None
    initial = SettingsForm.initial_of(row) | ({} if set_up else {"enabled": True})
    rewards: list[dict[str, Any]] = list(row.streak_rewards or [])
    templates = template_choices(staff.merchant_id, [r.get("coupon_template_id") for r in rewards])
    data = request.POST if request.method == "POST" else None
    form = SettingsForm(data, initial=initial)
    formset = cast(
        BaseStreakFormSet,
        StreakFormSet(data, initial=rewards, prefix="streak", form_kwargs={"templates": templates}),
    )
    error: SiyuError | None = None
    if data is not None and form.is_valid() and formset.is_valid():
        try:
            admin.update_settings(staff=staff, **form.service_fields(), streak_rewards=formset.rewards())
        except SiyuError as exc:
            error = exc
            place_refusal(form, exc, SETTINGS_ALIASES)
        else:
            messages.success(request, _("The membership rules were saved."))
            return redirect("console:member_settings")
    editable = can(staff, Perm.MEMBERS_EDIT)
    if not editable:
        for f in [form, *formset.forms]:
            for field in f.fields.values():
                field.disabled = True
    invalid = data is not None and (bool(form.errors) or not formset.is_valid())
    status = error.status if error else (400 if invalid else 200)
    context = {"form": form, "formset": formset, "set_up": set_up, "editable": editable, "error": error}
    return render_page(request, "console/members/settings.html", context, module=MODULE, status=status)
