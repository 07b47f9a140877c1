"""Background work of WeCom tags and groups. Each task calls services; the scheduler only enqueues them."""

from __future__ import annotations

import logging

from django_tasks import task

from siyu.core.errors import SiyuError
from siyu.wechat.models import AccountKind, WeChatAccount
from siyu.wechat.wecom_groups.services import groups, tags

log = logging.getLogger(__name__)


def _merchants() -> list[int]:
    rows = WeChatAccount.objects.filter(kind=AccountKind.WECOM, is_active=True).order_by("merchant_id")
    return list(rows.values_list("merchant_id", flat=True))


def sync_tags_of(merchant_id: int) -> dict[str, int]:
    """Definitions first (new corp tags get their ids), then the carriers."""
    return {**tags.sync_corp_tags(merchant_id=merchant_id), **tags.push_contact_tags(merchant_id=merchant_id)}


@task()
def sync_wecom_tags() -> dict[str, dict[str, int]]:
    """Every corp: corp tag definitions both ways, then Siyu's tag changes pushed with mark_tag."""
    out = {}
    for merchant_id in _merchants():
        try:
            out[str(merchant_id)] = sync_tags_of(merchant_id)
        except SiyuError as exc:  # one corp's failure (rate limit, bad secret) does not stop the others
            log.warning("wecom tag sync of merchant %s failed: %s", merchant_id, exc)
    return out


@task()
def sync_wecom_groups() -> dict[str, dict[str, int]]:
    """Every corp: every customer group and its members (the callbacks keep them fresh in between)."""
    out = {}
    for merchant_id in _merchants():
        try:
            out[str(merchant_id)] = groups.sync_groups(merchant_id=merchant_id)
        except SiyuError as exc:
            log.warning("wecom group sync of merchant %s failed: %s", merchant_id, exc)
    return out


@task()
def sync_merchant_now(merchant_id: int, what: str) -> dict[str, int]:
    """The console's "sync now": ``what`` is "tags" or "groups"."""
    if what == "tags":
        return sync_tags_of(merchant_id)
    return groups.sync_groups(merchant_id=merchant_id)
