"""设置 → 微信账号: the merchant's mini-program, official account, WeCom and WeChat Pay credentials.

The owner edits them here (``siyu.wechat.services.save_account``); secrets go in and never come back
out: the page says whether each one is set, nothing more.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from siyu.console.access import ConsoleRequest, console_view
from siyu.console.forms_wechat import FIELD_OF_PROBLEM, LABELS, AccountForm
from siyu.console.layout import render_page
from siyu.core.errors import NotFound, SiyuError
from siyu.tenancy.permissions import Perm
from siyu.wechat.models import AccountKind, WeChatAccount
from siyu.wechat.services import SHAPES, save_account

# One edit page per kind, each its own route (no id in the path: there is one account per kind).
KINDS = tuple(SHAPES)
CALLBACKS: dict[str, str] = {
    AccountKind.OFFICIAL_ACCOUNT: "/wechat/oa/{app_id}/callback",
    AccountKind.WECOM: "/wechat/wecom/{app_id}/callback",
    AccountKind.WECHAT_PAY: "/wechat/pay/{app_id}/notify",
}


@require_http_methods(["GET"])
@console_view(Perm.MERCHANT_EDIT, module="settings")
def accounts_page(request: ConsoleRequest) -> HttpResponse:
    """The four kinds of account, each configured or not, with what is set (never the secrets)."""
    held = {a.kind: a for a in WeChatAccount.objects.for_merchant(request.staff.merchant_id)}
    cards = []
    for kind, label in AccountKind.choices:
        account = held.get(kind)
        secrets = account.secrets() if account else {}
        callback = CALLBACKS.get(kind, "")
        cards.append(
            {
                "kind": kind,
                "label": label,
                "edit_url": reverse(f"console:wechat_{kind}"),
                "account": account,
                "secrets": [(LABELS[name], bool(secrets.get(name))) for name in SHAPES[kind].secrets],
                "callback": request.build_absolute_uri(callback.format(app_id=account.app_id))
                if account and callback
                else "",
            }
        )
    return render_page(request, "console/wechat/accounts.html", {"cards": cards}, module="settings")


@require_http_methods(["GET", "POST"])
@console_view(Perm.MERCHANT_EDIT, module="settings")
def account_edit(request: ConsoleRequest, kind: str) -> HttpResponse:
    if kind not in SHAPES:
        raise NotFound(detail={"kind": kind})
    staff = request.staff
    account = WeChatAccount.objects.for_merchant(staff.merchant_id).filter(kind=kind).first()
    form = AccountForm(request.POST if request.method == "POST" else None, kind=kind, account=account)
    error: SiyuError | None = None
    if request.method == "POST" and form.is_valid():
        try:
            save_account(staff=staff, **form.service_fields())
        except SiyuError as exc:
            error = exc
            detail = exc.detail if isinstance(exc.detail, dict) else {}
            placed = False
            for key, problem in detail.items():
                name = FIELD_OF_PROBLEM.get(key, key)
                if name in form.fields:
                    form.add_error(name, str(problem))
                    placed = True
            if not placed:
                form.add_error(None, str(exc.text))
        else:
            messages.success(
                request, _("The %(kind)s account was saved.") % {"kind": AccountKind(kind).label}
            )
            return redirect("console:wechat_accounts")
    status = error.status if error else (400 if form.is_bound and form.errors else 200)
    context = {"form": form, "kind_label": AccountKind(kind).label, "account": account, "error": error}
    return render_page(request, "console/wechat/account_edit.html", context, module="settings", status=status)
