"""The official account's web OAuth return, ``/wechat/oa/<app_id>/oauth/``.

The URL names the account, the account names the shop; the storefront does the rest
(``siyu/storefront/views/wechat_login.py``), in that shop's session compartment and pages.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse

from siyu.storefront.views import wechat_login
from siyu.wechat.accounts import account_by_app_id
from siyu.wechat.models import AccountKind


def oauth_return(request: HttpRequest, app_id: str) -> HttpResponse:
    account = account_by_app_id(AccountKind.OFFICIAL_ACCOUNT, app_id)
    if account is None:
        raise Http404("no such official account")
    return wechat_login.oauth_return(request, merchant=account.merchant.slug, app_id=app_id)
