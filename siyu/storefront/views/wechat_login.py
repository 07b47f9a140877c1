"""微信登录: the H5 storefront's login through the official account's web OAuth.

``wechat_login`` sends the visitor to WeChat's authorisation page with a fresh state kept in this
shop's compartment of the session; WeChat sends them back to ``/wechat/oa/<app_id>/oauth/``
(``siyu/wechat/views/oa_web.py``), which hands the return to ``oauth_return`` here. Every refusal
(a bad, used or expired state, a declined authorisation, a code WeChat refuses) is the login error
page with a way to start again, and nothing is written before WeChat has vouched for the visitor.
"""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseRedirect
from django.utils import timezone

from siyu.core.errors import SiyuError
from siyu.members.models import Source
from siyu.storefront import session, sharing
from siyu.storefront.views.base import Shop, ShopPageRequest, page, safe_next, shop_page
from siyu.wechat.accounts import account_for
from siyu.wechat.models import AccountKind, WeChatAccount
from siyu.wechat.oa_web import oauth, services, state
from siyu.wechat.oa_web.errors import OAuthDenied, WeChatLoginUnavailable


def oauth_callback_path(app_id: str) -> str:
    """Where WeChat returns the visitor: fixed, so the sandbox and a real account's 网页授权域名
    setting agree with it."""
    return f"/wechat/oa/{app_id}/oauth/"


def login_account(shop: Shop) -> WeChatAccount | None:
    """The official account this shop logs customers in with (None: no WeChat login offered)."""
    return account_for(shop.merchant, AccountKind.OFFICIAL_ACCOUNT)


@shop_page()
def wechat_login(request: ShopPageRequest, shop: Shop) -> HttpResponse:
    account = login_account(shop)
    if account is None:
        raise WeChatLoginUnavailable()
    next_path = safe_next(request, shop, shop.url("me"))
    scope = oauth.scope_for(account)
    value, pending = state.issue(
        shop=shop.slug, app_id=account.app_id, scope=scope, next_path=next_path, now=timezone.now()
    )
    session.remember_oauth(request, shop.slug, pending.nonce, pending.as_dict())
    redirect_uri = request.build_absolute_uri(oauth_callback_path(account.app_id))
    return HttpResponseRedirect(
        oauth.authorize_url(account, redirect_uri=redirect_uri, scope=scope, state=value)
    )


@shop_page()
def oauth_return(request: ShopPageRequest, shop: Shop, app_id: str) -> HttpResponse:
    """WeChat's return with ``code`` and ``state``: check the state, log the customer in, and go
    back to the page the login started from."""
    value = request.GET.get("state", "")[:128]
    record = session.take_oauth(request, shop.slug, state.nonce_of(value))
    try:
        pending = state.check(value, state.PendingLogin.from_dict(record), shop=shop.slug, app_id=app_id)
        code = request.GET.get("code", "")[:128]
        if not code:
            raise OAuthDenied()
        account = login_account(shop)
        if account is None or account.app_id != app_id:
            raise WeChatLoginUnavailable()
        done = services.log_in_with_oauth(
            account=account,
            code=code,
            scope=pending.scope,
            source=shop.attribution.source or Source.H5,
            referrer_id=shop.attribution.sharer_id,
            # What this browser did before logging in (visits, share landings) becomes theirs.
            anonymous_id=session.known_visitor_id(request, shop.slug),
        )
        customer = done.login.customer
        sharing.bind_to_link_guide(customer, shop.attribution.guide_id)
    except SiyuError as exc:
        return page(request, "storefront/wechat_login_error.html", {"error": exc}, status=exc.status)
    session.log_in(request, shop.slug, customer.pk)
    return HttpResponseRedirect(pending.next_path)
