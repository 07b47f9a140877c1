"""微信 > 自动回复 and 渠道二维码: the official account's auto-reply rules and parametric QR codes.

Reading needs ``promotions.view``; every change goes through ``siyu.wechat.oa.services`` (which
asks for ``promotions.edit`` and writes the audit row). A QR code is drawn here from the URL
WeChat returned (segno, inline SVG), so the page needs no call to WeChat to show it.
"""

from __future__ import annotations

import segno
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from siyu.console.access import ConsoleRequest, console_view
from siyu.console.forms import apply_refusal
from siyu.console.forms_wechat_oa import QrCodeForm, ReplyRuleForm
from siyu.console.layout import render_page
from siyu.core.errors import NotFound, SiyuError
from siyu.tenancy.permissions import Perm
from siyu.wechat.accounts import account_for
from siyu.wechat.models import AccountKind
from siyu.wechat.oa import selectors, services
from siyu.wechat.oa.models import ReplyRule

MODULE = "wechat"


@require_GET
@console_view(Perm.PROMOTIONS_VIEW, module=MODULE)
def replies_page(request: ConsoleRequest) -> HttpResponse:
    merchant_id = request.staff.merchant_id
    context = {
        "rules": selectors.reply_rules(merchant_id),
        "account": account_for(request.staff.merchant, AccountKind.OFFICIAL_ACCOUNT),
        "followers": selectors.follower_counts(merchant_id),
    }
    return render_page(request, "console/wechat/oa_replies.html", context, module=MODULE)


def _rule_page(
    request: ConsoleRequest, form: ReplyRuleForm, rule: ReplyRule | None, error: SiyuError | None
) -> HttpResponse:
    status = error.status if error else (400 if form.is_bound and form.errors else 200)
    context = {"form": form, "rule": rule, "error": error}
    return render_page(request, "console/wechat/oa_reply_form.html", context, module=MODULE, status=status)


@require_http_methods(["GET", "POST"])
@console_view(Perm.PROMOTIONS_EDIT, module=MODULE)
def reply_edit(request: ConsoleRequest, rule_id: int | None = None) -> HttpResponse:
    rule = None
    if rule_id is not None:
        rule = ReplyRule.objects.for_merchant(request.staff.merchant_id).filter(pk=rule_id).first()
        if rule is None:
            raise NotFound(detail={"rule_id": rule_id})
    initial = ReplyRuleForm.initial_of(rule) if rule else None
    form = ReplyRuleForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "GET" or not form.is_valid():
        return _rule_page(request, form, rule, None)
    try:
        if rule is None:
            services.create_reply_rule(staff=request.staff, **form.cleaned_data)
        else:
            services.update_reply_rule(staff=request.staff, rule_id=rule.pk, **form.cleaned_data)
    except SiyuError as exc:
        apply_refusal(form, exc)
        return _rule_page(request, form, rule, exc)
    messages.success(request, _("The auto-reply rule was saved."))
    return redirect("console:wechat_replies")


@require_POST
@console_view(Perm.PROMOTIONS_EDIT, module=MODULE)
def reply_delete(request: ConsoleRequest, rule_id: int) -> HttpResponse:
    services.delete_reply_rule(staff=request.staff, rule_id=rule_id)
    messages.success(request, _("The auto-reply rule was deleted."))
    return redirect("console:wechat_replies")


def qr_svg(url: str) -> SafeString:
    """The QR code of ``url`` as inline SVG (segno writes the markup; ``url`` only sets the modules)."""
    svg = segno.make(url, error="m").svg_inline(scale=3, border=2)
    return mark_safe(svg)  # segno's own markup: no text of ours is in it


@require_GET
@console_view(Perm.PROMOTIONS_VIEW, module=MODULE)
def qrcodes_page(request: ConsoleRequest) -> HttpResponse:
    rows = [(qr, qr_svg(qr.url)) for qr in selectors.qr_codes(request.staff.merchant_id)]
    account = account_for(request.staff.merchant, AccountKind.OFFICIAL_ACCOUNT)
    context = {
        "rows": rows,
        "account": account,
        # A sandbox account's codes can be scanned in the sandbox's follower simulator.
        "sandbox_url": f"{settings.SIYU_WECHAT_SANDBOX_URL}/ui/oa/" if account and account.sandbox else "",
    }
    return render_page(request, "console/wechat/oa_qrcodes.html", context, module=MODULE)


@require_http_methods(["GET", "POST"])
@console_view(Perm.PROMOTIONS_EDIT, module=MODULE)
def qrcode_create(request: ConsoleRequest) -> HttpResponse:
    form = QrCodeForm(request.POST if request.method == "POST" else None)
    error: SiyuError | None = None
    if request.method == "POST" and form.is_valid():
        try:
            qr = services.create_qr_code(staff=request.staff, **form.service_fields())
        except SiyuError as exc:
            error = exc
            apply_refusal(form, exc)
        else:
            messages.success(request, _("The QR code %(name)s was created.") % {"name": qr.name})
            return redirect("console:wechat_qrcodes")
    status = error.status if error else (400 if form.is_bound and form.errors else 200)
    context = {"form": form, "error": error}
    return render_page(request, "console/wechat/oa_qrcode_form.html", context, module=MODULE, status=status)
