"""Use cases of the official account: answer a push, edit auto-replies, make parametric QR codes.

``handle_push`` is what the server callback (``siyu/wechat/views/oa.py``) calls with a push whose
signature it has checked. One push is acted on once: its key (MsgId, or sender + CreateTime for
events) is claimed by inserting an ``OfficialAccountPush`` row in the same transaction as the
push's effects, so WeChat's retries (and a retry racing the first delivery: the second INSERT waits
for the first transaction and then fails on the unique key) get the stored reply and change nothing.

A follow (``subscribe``) recognises the customer by the oa_openid identity (registering a new one,
whose first touch is the QR code's source and campaign), marks them reachable on the official
account (``ContactPreference`` opted in: the segment language's ``{"reachable": "official_account"}``),
and records a ``follow`` event through ``record_events``; the events_stored hooks issue the follow
coupons from there (``siyu/promotions/services/triggers.py``). An unfollow opts the customer out.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from siyu.core.errors import NotFound
from siyu.events.services import record_events, server_event_id
from siyu.members.models import Channel, Customer, CustomerIdentity, IdentityKind, Source
from siyu.members.services import recognise_official_account_follower, set_contact_preference
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import record_audit, require, snapshot
from siyu.wechat.accounts import require_account
from siyu.wechat.callbacks import dispatch_oa
from siyu.wechat.errors import WeChatApiError
from siyu.wechat.models import AccountKind, WeChatAccount
from siyu.wechat.oa.errors import (
    QrCodeInvalid,
    ReplyRuleInvalid,
    ReplyRuleTaken,
)
from siyu.wechat.oa.messages import MAX_TEXT_REPLY_BYTES, Push, Reply, read_push, reply_xml
from siyu.wechat.oa.models import (
    MatchMode,
    OfficialAccountFollower,
    OfficialAccountPush,
    OfficialAccountQrCode,
    QrKind,
    ReplyKind,
    ReplyRule,
    ReplyType,
)
from siyu.wechat.tokens import call_api

log = logging.getLogger(__name__)

# user/info's subscribe_scene -> the source a follow without a parametric QR code came by.
SUBSCRIBE_SCENES = {
    "ADD_SCENE_SEARCH": Source.SEARCH,
    "ADD_SCENE_PROFILE_LINK": Source.ARTICLE,
    "ADD_SCENE_PROFILE_ITEM": Source.ARTICLE,
    "ADD_SCENE_PAID": Source.ADS,
    "ADD_SCENE_WECHAT_ADVERTISEMENT": Source.ADS,
    "ADD_SCENE_LIVESTREAM": Source.LIVE,
}
# Sources a QR code may name: entry points, not the server's own labels (as events require).
QR_SOURCES = [s for s in Source.values if s not in {Source.IMPORT, Source.UNKNOWN}]
MAX_TEMPORARY_SECONDS = 30 * 24 * 3600  # WeChat's limit for temporary QR codes


# ---- the callback ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowerInfo:
    unionid: str = ""
    subscribe_scene: str = ""


def _follower_info(account: WeChatAccount, openid: str) -> FollowerInfo:
    """``cgi-bin/user/info`` for a new follower: the unionid (only when the account is bound to an
    open-platform account) and how they followed. A failure costs only these two facts."""
    try:
        data = call_api(account, "GET", "/cgi-bin/user/info", params={"openid": openid, "lang": "zh_CN"})
    except WeChatApiError as exc:
        log.warning("user/info for %s on %s failed: %s", openid, account.app_id, exc)
        return FollowerInfo()
    return FollowerInfo(
        unionid=str(data.get("unionid") or "")[:128], subscribe_scene=str(data.get("subscribe_scene") or "")
    )


def handle_push(*, account: WeChatAccount, fields: dict[str, str]) -> str:
    """Act on one verified push and return the passive reply's plaintext XML ("" to answer
    ``success``). A push seen before returns the reply it got then and changes nothing.
    Raises ``MalformedPush`` for a body without sender, type or time."""
    push = read_push(fields)
    seen = OfficialAccountPush.objects.filter(account=account, key=push.key).first()
    if seen is not None:
        return seen.reply
    # The network call stays outside the transaction: no row lock is held while WeChat answers.
    info = _follower_info(account, push.openid) if push.event == "subscribe" else FollowerInfo()
    now = timezone.now()
    try:
        with transaction.atomic():
            row = OfficialAccountPush.objects.create(
                merchant_id=account.merchant_id,
                account=account,
                key=push.key,
                openid=push.openid,
                msg_type=push.msg_type[:32],
                event=push.event[:32],
                received_at=now,
            )
            reply = _act(account, push, info, now)
            if push.msg_type == "event":
                dispatch_oa(account, push.event, fields)  # events other features handle (callbacks.py)
            if reply is not None:
                row.reply = reply_xml(push, reply, now=int(now.timestamp()))
                row.save(update_fields=["reply"])
            return row.reply
    except IntegrityError:
        seen = OfficialAccountPush.objects.filter(account=account, key=push.key).first()
        if seen is None:
            raise
        return seen.reply  # the same push, delivered twice at once: the first one acted


def _act(account: WeChatAccount, push: Push, info: FollowerInfo, now: datetime) -> Reply | None:
    if push.msg_type == "event":
        if push.event == "subscribe":
            _follow(account, push, info, now)
            return _rule_reply(account.merchant_id, ReplyKind.SUBSCRIBE, "")
        if push.event == "unsubscribe":
            _unfollow(account, push, now)
            return None
        if push.event == "SCAN":
            _scanned(account, push, now)
            return _rule_reply(account.merchant_id, ReplyKind.SUBSCRIBE, "")
        if push.event == "CLICK":
            return _rule_reply(account.merchant_id, ReplyKind.CLICK, push.event_key)
        return None  # VIEW, LOCATION, template-send reports...: nothing to say
    if push.msg_type == "text":
        return _keyword_reply(account.merchant_id, push.content) or _rule_reply(
            account.merchant_id, ReplyKind.DEFAULT, ""
        )
    return _rule_reply(account.merchant_id, ReplyKind.DEFAULT, "")  # image, voice, video, location, link


def _qr_code(account: WeChatAccount, scene: str) -> OfficialAccountQrCode | None:
    if not scene:
        return None
    return OfficialAccountQrCode.objects.filter(account=account, scene=scene).first()


def _follow(account: WeChatAccount, push: Push, info: FollowerInfo, now: datetime) -> None:
    qr = _qr_code(account, push.scene)
    if qr is not None:
        source, campaign = qr.source, qr.campaign
    else:
        source, campaign = SUBSCRIBE_SCENES.get(info.subscribe_scene, Source.UNKNOWN), ""
    customer, _created = recognise_official_account_follower(
        merchant=account.merchant,
        oa_openid=push.openid,
        unionid=info.unionid or None,
        source=source,
        campaign=campaign,
    )
    follower = (
        OfficialAccountFollower.objects.select_for_update()
        .filter(account=account, openid=push.openid)
        .first()
    )
    values: dict[str, Any] = {
        "customer": customer,
        "subscribed": True,
        "subscribed_at": now,
        "unsubscribed_at": None,
        "source": source if source != Source.UNKNOWN else "",
        "campaign": campaign,
        "scene": push.scene[:64],
        "qr_code": qr,
    }
    if follower is None:
        OfficialAccountFollower.objects.create(
            merchant_id=account.merchant_id, account=account, openid=push.openid, **values
        )
    else:
        for name, value in values.items():
            setattr(follower, name, value)
        follower.save(update_fields=list(values))
    set_contact_preference(customer=customer, channel=Channel.OFFICIAL_ACCOUNT, opted_in=True)
    event: dict[str, Any] = {
        "event_id": str(server_event_id(account.merchant_id, "follow", f"oa:{account.app_id}:{push.key}")),
        "type": "follow",
        "occurred_at": now.isoformat(),
        "properties": {"target": "official_account", **({"scene": push.scene[:64]} if push.scene else {})},
        "device": "wechat",
    }
    if source != Source.UNKNOWN:
        event["source"] = {"channel": source, "campaign": campaign}
    record_events(merchant=account.merchant_id, events=[event], customer=customer, now=now, trusted=True)
    if qr is not None:
        OfficialAccountQrCode.objects.filter(pk=qr.pk).update(scans=F("scans") + 1, follows=F("follows") + 1)


def _unfollow(account: WeChatAccount, push: Push, now: datetime) -> None:
    follower = (
        OfficialAccountFollower.objects.select_for_update()
        .filter(account=account, openid=push.openid)
        .first()
    )
    if follower is not None:
        follower.subscribed = False
        follower.unsubscribed_at = now
        follower.save(update_fields=["subscribed", "unsubscribed_at"])
        customer: Customer | None = follower.customer
    else:  # followed before the account was connected: opt out whoever holds the openid
        identity = (
            CustomerIdentity.objects.for_merchant(account.merchant_id)
            .select_related("customer")
            .filter(kind=IdentityKind.OA_OPENID, value=push.openid)
            .first()
        )
        customer = identity.customer if identity else None
    if customer is not None:
        set_contact_preference(customer=customer, channel=Channel.OFFICIAL_ACCOUNT, opted_in=False)


def _scanned(account: WeChatAccount, push: Push, now: datetime) -> None:
    """A follower scanned a parametric QR code: count the scan; the visit moves their last touch."""
    qr = _qr_code(account, push.scene)
    if qr is None:
        return
    OfficialAccountQrCode.objects.filter(pk=qr.pk).update(scans=F("scans") + 1)
    follower = OfficialAccountFollower.objects.filter(account=account, openid=push.openid).first()
    if follower is None:
        return
    event = {
        "event_id": str(server_event_id(account.merchant_id, "visit", f"oa:{account.app_id}:{push.key}")),
        "type": "visit",
        "occurred_at": now.isoformat(),
        "properties": {"scene": push.scene[:64]},
        "source": {"channel": qr.source, "campaign": qr.campaign},
        "device": "wechat",
    }
    record_events(
        merchant=account.merchant_id, events=[event], customer=follower.customer_id, now=now, trusted=True
    )


def _as_reply(rule: ReplyRule) -> Reply:
    ReplyRule.objects.filter(pk=rule.pk).update(hits=F("hits") + 1)
    if rule.reply_type == ReplyType.NEWS:
        return Reply(text=rule.text, title=rule.title, url=rule.url, picture_url=rule.picture_url, news=True)
    return Reply(text=rule.text)


def _rule_reply(merchant_id: int, kind: str, keyword: str) -> Reply | None:
    rules = ReplyRule.objects.for_merchant(merchant_id).filter(kind=kind, is_active=True)
    if kind == ReplyKind.CLICK:
        rules = rules.filter(keyword=keyword)
    rule = rules.order_by("id").first()
    return _as_reply(rule) if rule else None


def _keyword_reply(merchant_id: int, content: str) -> Reply | None:
    """An exact keyword wins; else the first (oldest) rule whose keyword the text contains."""
    text = content.strip()
    if not text:
        return None
    rules = list(
        ReplyRule.objects.for_merchant(merchant_id)
        .filter(kind=ReplyKind.KEYWORD, is_active=True)
        .order_by("id")
    )
    folded = text.casefold()
    for rule in rules:
        if rule.match == MatchMode.EXACT and rule.keyword.casefold() == folded:
            return _as_reply(rule)
    for rule in rules:
        if rule.match == MatchMode.CONTAINS and rule.keyword.casefold() in folded:
            return _as_reply(rule)
    return None


# ---- reply rules (console) ---------------------------------------------------------------------

RULE_FIELDS = ["kind", "match", "keyword", "reply_type", "text", "title", "url", "picture_url", "is_active"]


def _clean_rule(fields: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {name: fields.get(name) for name in RULE_FIELDS}
    for name in ("keyword", "text", "title", "url", "picture_url"):
        values[name] = (values[name] or "").strip()
    values["is_active"] = bool(fields.get("is_active", True))
    values["match"] = values["match"] or MatchMode.EXACT
    values["reply_type"] = values["reply_type"] or ReplyType.TEXT
    problems: dict[str, str] = {}
    if values["kind"] not in ReplyKind.values:
        problems["kind"] = str(values["kind"])
    if values["match"] not in MatchMode.values:
        problems["match"] = str(values["match"])
    if values["reply_type"] not in ReplyType.values:
        problems["reply_type"] = str(values["reply_type"])
    if values["kind"] in (ReplyKind.KEYWORD, ReplyKind.CLICK):
        if not values["keyword"] or len(values["keyword"]) > 64:
            problems["keyword"] = values["keyword"][:70]
    else:
        values["keyword"] = ""
    if values["kind"] != ReplyKind.KEYWORD:
        values["match"] = MatchMode.EXACT
    if values["reply_type"] == ReplyType.TEXT:
        if not values["text"] or len(values["text"].encode()) > MAX_TEXT_REPLY_BYTES:
            problems["text"] = values["text"][:70]
        values["title"] = values["url"] = values["picture_url"] = ""
    else:
        if not values["title"] or len(values["title"]) > 64:
            problems["title"] = values["title"][:70]
        if not values["url"].startswith(("https://", "http://")):
            problems["url"] = values["url"][:100]
        if values["picture_url"] and not values["picture_url"].startswith(("https://", "http://")):
            problems["picture_url"] = values["picture_url"][:100]
        if len(values["text"]) > 120:
            problems["text"] = values["text"][:70]
    if problems:
        raise ReplyRuleInvalid(detail=problems)
    return values


def _taken(merchant_id: int, values: dict[str, Any], exclude: int | None) -> bool:
    rules = ReplyRule.objects.for_merchant(merchant_id).filter(kind=values["kind"])
    if values["kind"] in (ReplyKind.KEYWORD, ReplyKind.CLICK):
        rules = rules.filter(keyword=values["keyword"])
    if exclude is not None:
        rules = rules.exclude(pk=exclude)
    return rules.exists()


def create_reply_rule(*, staff: Staff, **fields: Any) -> ReplyRule:
    """A new auto-reply rule; one per keyword or menu key, one default and one welcome reply."""
    require(staff, Perm.PROMOTIONS_EDIT)
    values = _clean_rule(fields)
    with transaction.atomic():
        if _taken(staff.merchant_id, values, None):
            raise ReplyRuleTaken(detail={"kind": values["kind"], "keyword": values["keyword"]})
        try:
            with transaction.atomic():
                rule = ReplyRule.objects.create(
                    merchant_id=staff.merchant_id, created_at=timezone.now(), **values
                )
        except IntegrityError:  # a concurrent save took it between the check and the insert
            raise ReplyRuleTaken(detail={"kind": values["kind"], "keyword": values["keyword"]}) from None
        record_audit(
            staff=staff,
            merchant=staff.merchant,
            action="oa_reply.create",
            obj=rule,
            after=snapshot(rule, RULE_FIELDS),
        )
    return rule


def update_reply_rule(*, staff: Staff, rule_id: int, **fields: Any) -> ReplyRule:
    require(staff, Perm.PROMOTIONS_EDIT)
    values = _clean_rule(fields)
    with transaction.atomic():
        rule = (
            ReplyRule.objects.for_merchant(staff.merchant_id).select_for_update().filter(pk=rule_id).first()
        )
        if rule is None:
            raise NotFound(detail={"rule_id": rule_id})
        if _taken(staff.merchant_id, values, rule.pk):
            raise ReplyRuleTaken(detail={"kind": values["kind"], "keyword": values["keyword"]})
        before = snapshot(rule, RULE_FIELDS)
        for name, value in values.items():
            setattr(rule, name, value)
        try:
            with transaction.atomic():
                rule.save(update_fields=RULE_FIELDS)
        except IntegrityError:
            raise ReplyRuleTaken(detail={"kind": values["kind"], "keyword": values["keyword"]}) from None
        record_audit(
            staff=staff,
            merchant=staff.merchant,
            action="oa_reply.update",
            obj=rule,
            before=before,
            after=snapshot(rule, RULE_FIELDS),
        )
    return rule


def delete_reply_rule(*, staff: Staff, rule_id: int) -> None:
    require(staff, Perm.PROMOTIONS_EDIT)
    with transaction.atomic():
        rule = (
            ReplyRule.objects.for_merchant(staff.merchant_id).select_for_update().filter(pk=rule_id).first()
        )
        if rule is None:
            raise NotFound(detail={"rule_id": rule_id})
        record_audit(
            staff=staff,
            merchant=staff.merchant,
            action="oa_reply.delete",
            obj=rule,
            before=snapshot(rule, RULE_FIELDS),
        )
        rule.delete()


# ---- parametric QR codes (console) -------------------------------------------------------------

QR_FIELDS = ["name", "kind", "scene", "source", "campaign", "ticket", "url", "expires_at"]


def create_qr_code(
    *,
    staff: Staff,
    name: str,
    kind: str,
    source: str,
    campaign: str = "",
    expire_seconds: int | None = None,
) -> OfficialAccountQrCode:
    """Ask WeChat for a parametric QR code (``cgi-bin/qrcode/create``) whose scene names this row.

    Temporary codes are ``QR_STR_SCENE`` with ``expire_seconds`` (60 s to 30 days); permanent ones
    ``QR_LIMIT_STR_SCENE`` (WeChat allows an account 100,000). The scene is Siyu's own random
    string, so a scan finds the row and its source/campaign. Refused when no official account is
    connected (``WeChatNotConfigured``) or WeChat refuses (``WeChatApiError``): nothing is saved.
    """
    require(staff, Perm.PROMOTIONS_EDIT)
    name, campaign = name.strip(), campaign.strip()
    problems: dict[str, Any] = {}
    if not name or len(name) > 64:
        problems["name"] = name[:70]
    if kind not in QrKind.values:
        problems["kind"] = kind
    if source not in QR_SOURCES:
        problems["source"] = source
    if len(campaign) > 64:
        problems["campaign"] = campaign[:70]
    if kind == QrKind.TEMPORARY and (
        expire_seconds is None or not 60 <= expire_seconds <= MAX_TEMPORARY_SECONDS
    ):
        problems["expire_seconds"] = expire_seconds
    if problems:
        raise QrCodeInvalid(detail=problems)
    account = require_account(staff.merchant, AccountKind.OFFICIAL_ACCOUNT)
    scene = "s" + secrets.token_hex(8)
    payload: dict[str, Any] = {"action_info": {"scene": {"scene_str": scene}}}
    if kind == QrKind.TEMPORARY:
        payload = {"expire_seconds": expire_seconds, "action_name": "QR_STR_SCENE", **payload}
    else:
        payload = {"action_name": "QR_LIMIT_STR_SCENE", **payload}
    now = timezone.now()
    data = call_api(account, "POST", "/cgi-bin/qrcode/create", payload=payload)
    ticket, url = str(data.get("ticket") or ""), str(data.get("url") or "")
    if not ticket or not url:
        raise WeChatApiError(detail={"errcode": -2, "errmsg": "qrcode/create returned no ticket"})
    expires_at = None
    if kind == QrKind.TEMPORARY:
        expires_at = now + timedelta(seconds=int(data.get("expire_seconds") or expire_seconds or 0))
    with transaction.atomic():
        qr = OfficialAccountQrCode.objects.create(
            merchant_id=staff.merchant_id,
            account=account,
            name=name,
            kind=kind,
            scene=scene,
            source=source,
            campaign=campaign,
            ticket=ticket[:255],
            url=url[:255],
            expires_at=expires_at,
            created_at=now,
        )
        record_audit(
            staff=staff,
            merchant=staff.merchant,
            action="oa_qrcode.create",
            obj=qr,
            after=snapshot(qr, QR_FIELDS),
        )
    return qr
