"""微信 > 公众号菜单: edit the official account's custom menu, publish it to WeChat or clear it, and
set the account's web login (ask for nickname and avatar or not) and the domains menu links may open.

Reading needs ``catalog.view`` (like shop decoration); every change goes through
``siyu.wechat.oa_web.services`` (``storefront.edit``, checks, audit row).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from siyu.console import forms_wechat_menu as forms
from siyu.console.access import ConsoleRequest, console_view
from siyu.console.layout import render_page
from siyu.core.errors import SiyuError
from siyu.tenancy.permissions import Perm
from siyu.wechat.accounts import account_for
from siyu.wechat.models import AccountKind
from siyu.wechat.oa_web import menu as rules
from siyu.wechat.oa_web import oauth, selectors, services
from siyu.wechat.oa_web.errors import MenuInvalid
from siyu.wechat.oa_web.models import MenuPublish

MODULE = "wechat"


def publish_text(row: MenuPublish) -> str:
    """A publish's outcome in words: ``Published`` or ``Refused: <WeChat's reason>``."""
    if row.ok:
        return _("Published") if row.action == "publish" else _("Menu cleared")
    return _("Refused by WeChat: %(reason)s") % {"reason": rules.errcode_text(row.errcode, row.errmsg)}


def _page(
    request: ConsoleRequest, editor: forms.MenuEditor | None, error: SiyuError | None = None
) -> HttpResponse:
    merchant_id = request.staff.merchant_id
    account = account_for(request.staff.merchant, AccountKind.OFFICIAL_ACCOUNT)
    state = selectors.menu_state(merchant_id)
    context: dict[str, Any] = {
        "account": account,
        "editor": editor or forms.from_menu(state.draft),
        "state": state,
        "history": [(row, publish_text(row)) for row in state.history],
        "last_text": publish_text(state.last) if state.last else "",
        "error": error,
        "userinfo": bool(account and account.config.get(oauth.USERINFO_CONFIG)),
        "web_domains": "\n".join((account.config.get(services.WEB_DOMAINS_CONFIG) or []) if account else []),
        "shop_host": request.get_host().split(":")[0],
    }
    status = error.status if error else 200
    return render_page(request, "console/wechat/menu_page.html", context, module=MODULE, status=status)


@require_http_methods(["GET", "POST"])
@console_view(Perm.CATALOG_VIEW, module=MODULE)
def menu_page(request: ConsoleRequest) -> HttpResponse:
    if request.method == "GET":
        return _page(request, None)
    action = request.POST.get("action", "")
    staff = request.staff
    host = request.get_host()
    if action == "settings":
        services.set_web_settings(
            staff=staff,
            userinfo=request.POST.get("userinfo") == "on",
            web_domains=forms.domains_from_text(request.POST.get("web_domains", "")),
        )
        messages.success(request, _("The web login settings were saved."))
        return redirect("console:wechat_menu")
    if action == "clear":
        row = services.clear_menu(staff=staff)
        (messages.success if row.ok else messages.error)(request, publish_text(row))
        return redirect("console:wechat_menu")
    editor = forms.from_post(request.POST)
    try:
        services.save_menu_draft(staff=staff, menu=editor.menu(), shop_host=host)
        if action == "publish":
            row = services.publish_menu(staff=staff, shop_host=host)
            (messages.success if row.ok else messages.error)(request, publish_text(row))
        else:
            messages.success(request, _("The menu draft was saved."))
    except MenuInvalid as exc:
        editor.apply_problems((exc.detail or {}).get("problems", []))
        return _page(request, editor, exc)
    return redirect("console:wechat_menu")
