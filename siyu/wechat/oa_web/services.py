"""Use cases of the official account's web side: web login, the menu draft, publish and clear."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from siyu.members import services as members
from siyu.members.services import LoginResult
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import record_audit, require
from siyu.wechat.accounts import require_account
from siyu.wechat.errors import WeChatApiError, WeChatRetryable
from siyu.wechat.models import AccountKind, WeChatAccount
from siyu.wechat.oa_web import menu as menu_rules
from siyu.wechat.oa_web import oauth
from siyu.wechat.oa_web.errors import MenuInvalid
from siyu.wechat.oa_web.models import MenuAction, MenuDraft, MenuPublish
from siyu.wechat.tokens import call_api

log = logging.getLogger(__name__)

WEB_DOMAINS_CONFIG = "web_domains"  # WeChatAccount.config: hosts menu links may go to, besides the shop's


@dataclass(frozen=True)
class WebLogin:
    """A customer logged in through web OAuth, and whether WeChat gave their profile."""

    login: LoginResult
    profile: oauth.UserInfo | None


def log_in_with_oauth(
    *,
    account: WeChatAccount,
    code: str,
    scope: str,
    source: str,
    referrer_id: int | None = None,
    anonymous_id: str = "",
) -> WebLogin:
    """Exchange the code WeChat returned, read the profile when ``scope`` is ``snsapi_userinfo``,
    and log in (or register) the customer the openid or unionid names.

    Both WeChat calls come first, outside any transaction: a refused code raises before anything is
    written. A nickname or avatar WeChat gives fills only a blank one: what the customer set in the
    shop stays theirs.
    """
    grant = oauth.exchange_code(account, code)
    profile = oauth.user_info(account, grant) if scope == oauth.SNSAPI_USERINFO else None
    unionid = profile.unionid if profile is not None else grant.unionid
    with transaction.atomic():
        result = members.login_official_account(
            merchant=account.merchant,
            oa_openid=grant.openid,
            unionid=unionid or None,
            source=source,
            referrer_id=referrer_id,
            anonymous_id=anonymous_id,
        )
        if profile is not None:
            customer = result.customer
            changes: dict[str, Any] = {}
            if not customer.nickname and profile.nickname:
                changes["nickname"] = profile.nickname[:64]
            if not customer.avatar_url and profile.headimgurl.startswith(("https://", "http://")):
                changes["avatar_url"] = profile.headimgurl[:200]
            if changes:
                members.update_profile(customer=customer, **changes)
    return WebLogin(login=result, profile=profile)


def allowed_hosts(account: WeChatAccount, shop_host: str) -> frozenset[str]:
    """The hosts a menu link may open: the shop's own and the account's ``web_domains``."""
    domains = account.config.get(WEB_DOMAINS_CONFIG) or []
    hosts = {str(d).strip().lower() for d in domains if str(d).strip()}
    hosts.add(shop_host.split(":")[0].lower())
    return frozenset(hosts)


def _checked(menu: dict[str, Any], hosts: frozenset[str]) -> dict[str, Any]:
    found = menu_rules.problems(menu, allowed_hosts=hosts)
    if found:
        raise MenuInvalid(detail={"problems": [p.as_dict() for p in found]})
    return menu_rules.clean(menu)


def save_menu_draft(*, staff: Staff, menu: dict[str, Any], shop_host: str) -> MenuDraft:
    """Keep the edited menu as the draft, refused (nothing saved) if WeChat would refuse it."""
    require(staff, Perm.STOREFRONT_EDIT)
    account = require_account(staff.merchant, AccountKind.OFFICIAL_ACCOUNT)
    cleaned = _checked(menu, allowed_hosts(account, shop_host))
    with transaction.atomic():
        draft, _ = MenuDraft.objects.select_for_update().get_or_create(merchant=staff.merchant)
        before = {"menu": draft.menu}
        draft.menu = cleaned
        draft.updated_at = timezone.now()
        draft.updated_by = staff
        draft.save(update_fields=["menu", "updated_at", "updated_by"])
        record_audit(
            staff=staff,
            merchant=staff.merchant,
            action="wechat.menu.save",
            obj=draft,
            before=before,
            after={"menu": cleaned},
        )
    return draft


def _call(account: WeChatAccount, path: str, payload: dict[str, Any] | None) -> tuple[bool, int, str]:
    try:
        call_api(account, "POST" if payload is not None else "GET", path, payload=payload)
    except WeChatRetryable as exc:
        log.warning("menu %s for %s: WeChat unreachable or busy: %s", path, account.app_id, exc)
        return False, exc.errcode, exc.errmsg
    except WeChatApiError as exc:
        return False, exc.errcode, exc.errmsg
    return True, 0, "ok"


def _record(
    staff: Staff, account: WeChatAccount, action: str, menu: dict[str, Any], answer: tuple[bool, int, str]
) -> MenuPublish:
    ok, errcode, errmsg = answer
    with transaction.atomic():
        row = MenuPublish.objects.create(
            merchant=staff.merchant,
            app_id=account.app_id,
            action=action,
            menu=menu,
            ok=ok,
            errcode=errcode,
            errmsg=errmsg[:255],
            created_by=staff,
        )
        record_audit(
            staff=staff,
            merchant=staff.merchant,
            action=f"wechat.menu.{action}",
            obj=row,
            after={"ok": ok, "errcode": errcode},
        )
    return row


def publish_menu(*, staff: Staff, shop_host: str) -> MenuPublish:
    """Send the draft to WeChat (``cgi-bin/menu/create``) and record the answer, refused or not.

    The draft is checked again first (the allowed domains may have changed since it was saved): a
    menu WeChat would refuse is refused here, with nothing sent and nothing recorded.
    """
    require(staff, Perm.STOREFRONT_EDIT)
    account = require_account(staff.merchant, AccountKind.OFFICIAL_ACCOUNT)
    draft = MenuDraft.objects.for_merchant(staff.merchant).first()
    menu = _checked(draft.menu if draft else {}, allowed_hosts(account, shop_host))
    return _record(staff, account, MenuAction.PUBLISH, menu, _call(account, "/cgi-bin/menu/create", menu))


def clear_menu(*, staff: Staff) -> MenuPublish:
    """Remove the official account's menu (``cgi-bin/menu/delete``); the draft is kept."""
    require(staff, Perm.STOREFRONT_EDIT)
    account = require_account(staff.merchant, AccountKind.OFFICIAL_ACCOUNT)
    return _record(staff, account, MenuAction.CLEAR, {}, _call(account, "/cgi-bin/menu/delete", None))


def set_web_settings(*, staff: Staff, userinfo: bool, web_domains: list[str]) -> WeChatAccount:
    """The official account's web settings: ask for nickname and avatar at login (the
    ``snsapi_userinfo`` scope) or not, and the extra hosts menu links may open."""
    require(staff, Perm.STOREFRONT_EDIT)
    with transaction.atomic():
        account = require_account(staff.merchant, AccountKind.OFFICIAL_ACCOUNT)
        account = WeChatAccount.objects.select_for_update().get(pk=account.pk)
        before = {k: account.config.get(k) for k in (oauth.USERINFO_CONFIG, WEB_DOMAINS_CONFIG)}
        domains = sorted({d.strip().lower() for d in web_domains if d.strip()})
        account.config = {**account.config, oauth.USERINFO_CONFIG: userinfo, WEB_DOMAINS_CONFIG: domains}
        account.save(update_fields=["config"])
        record_audit(
            staff=staff,
            merchant=staff.merchant,
            action="wechat.oa_web.settings",
            obj=account,
            before=before,
            after={oauth.USERINFO_CONFIG: userinfo, WEB_DOMAINS_CONFIG: domains},
        )
    return account
