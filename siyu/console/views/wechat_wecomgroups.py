"""微信 → 企业微信标签 and 客户群: which Siyu tags sync to WeCom, the corp's customer groups and members.

Writes go through siyu/wechat/wecom_groups/services; "sync now" checks the corp is set up, then hands
the WeCom calls to a task (they may take a while on a large corp).
"""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from siyu.console.access import ConsoleRequest, console_view
from siyu.console.layout import render_page
from siyu.console.paging import page_of
from siyu.console.selectors import wecom_groups as data
from siyu.core.errors import InvalidInput
from siyu.tenancy.permissions import Perm
from siyu.wechat.accounts import require_account
from siyu.wechat.models import AccountKind
from siyu.wechat.wecom_groups import tasks
from siyu.wechat.wecom_groups.models import WeComGroup
from siyu.wechat.wecom_groups.services import tags as tag_sync

MODULE = "wechat"


@require_GET
@console_view(Perm.CUSTOMERS_VIEW, module=MODULE)
def wecom_tags_page(request: ConsoleRequest) -> HttpResponse:
    merchant_id = request.staff.merchant_id
    context = {
        "groups": data.tag_sync_rows(merchant_id),
        "contacts_known": data.contacts_known(merchant_id),
    }
    return render_page(request, "console/wechat/wecom_tags.html", context, module=MODULE)


@require_POST
@console_view(Perm.MERCHANT_EDIT, module=MODULE)
def wecom_tags_choose(request: ConsoleRequest) -> HttpResponse:
    try:
        tag_ids = [int(v) for v in request.POST.getlist("tag")]
    except ValueError as exc:
        raise InvalidInput(detail={"tag": "ids"}) from exc
    result = tag_sync.choose_synced_tags(staff=request.staff, tag_ids=tag_ids)
    messages.success(
        request,
        _("Saved: %(added)d tags added to the sync, %(dropped)d taken out. Sync now to apply them in WeCom.")
        % result,
    )
    return redirect("console:wecom_tags")


def _sync(request: ConsoleRequest, what: str, back: str) -> HttpResponse:
    staff = request.staff
    require_account(staff.merchant, AccountKind.WECOM)  # not set up: the refusal page says where to do it
    transaction.on_commit(lambda: tasks.sync_merchant_now.enqueue(staff.merchant_id, what))
    messages.success(request, _("Sync started: WeCom's answer shows here in a moment."))
    return redirect(back)


@require_POST
@console_view(Perm.MERCHANT_EDIT, module=MODULE)
def wecom_tags_sync(request: ConsoleRequest) -> HttpResponse:
    return _sync(request, "tags", "console:wecom_tags")


@require_GET
@console_view(Perm.CUSTOMERS_VIEW, module=MODULE)
def wecom_groups_page(request: ConsoleRequest) -> HttpResponse:
    context = {"page": page_of(request, data.groups(request.staff.merchant_id))}
    return render_page(request, "console/wechat/wecom_groups.html", context, module=MODULE)


@require_GET
@console_view(Perm.CUSTOMERS_VIEW, module=MODULE)
def wecom_group_page(request: ConsoleRequest, group_id: int) -> HttpResponse:
    staff = request.staff
    group = WeComGroup.objects.for_merchant(staff.merchant_id).select_related("owner").get_owned(group_id)
    context = {"group": group, "members": data.group_members(staff, group)}
    return render_page(request, "console/wechat/wecom_group.html", context, module=MODULE)


@require_POST
@console_view(Perm.MERCHANT_EDIT, module=MODULE)
def wecom_groups_sync(request: ConsoleRequest) -> HttpResponse:
    return _sync(request, "groups", "console:wecom_groups")
