"""Reads behind 微信 → 企业微信标签 and 客户群: a fixed number of queries per page, scoped by merchant.

Members of a group are shown by the guide privacy rules (siyu/members/privacy.py, scope.py): a
customer the staff member may not see is a masked name with no link; phones are always masked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, QuerySet

from siyu.audience.models import CustomerTag, Tag, TagGroup, TagRule
from siyu.members.privacy import mask_phone
from siyu.members.scope import customers_visible_to, is_scoped
from siyu.tenancy.models import Staff
from siyu.wechat.wecom_groups.models import (
    MemberType,
    TagOrigin,
    WeComGroup,
    WeComGroupMember,
    WeComTagMapping,
    WeComTagState,
)


def groups(merchant_id: int) -> QuerySet[WeComGroup]:
    """The merchant's groups, live ones first, newest first, with their owner."""
    return (
        WeComGroup.objects.for_merchant(merchant_id).select_related("owner").order_by("dismissed_at", "-id")
    )


def mask_name(name: str) -> str:
    """``王小明`` -> ``王**``: enough for the guide to tell members apart, not to know who they are."""
    name = name.strip()
    return f"{name[:1]}**" if name else "**"


@dataclass
class MemberRow:
    member: WeComGroupMember
    name: str
    customer_id: int | None = None  # set when the staff member may open the customer
    phone: str = ""
    hidden: bool = False  # a customer of another guide: masked, no link


def group_members(staff: Staff, group: WeComGroup) -> list[MemberRow]:
    """The group's members as ``staff`` may see them: two queries."""
    members = list(
        WeComGroupMember.objects.filter(group=group).select_related("customer").order_by("join_time", "id")
    )
    known = [m.customer_id for m in members if m.customer_id]
    visible = (
        set(customers_visible_to(staff).filter(pk__in=known).values_list("pk", flat=True)) if known else set()
    )
    scoped = is_scoped(staff)
    rows = []
    for m in members:
        wecom_name = m.group_nickname or m.name or m.userid
        if m.member_type == MemberType.EMPLOYEE:
            rows.append(MemberRow(m, wecom_name))
        elif m.customer is not None and m.customer_id in visible:
            shown = m.customer.nickname or wecom_name
            rows.append(MemberRow(m, shown, m.customer_id, mask_phone(m.customer.phone)))
        elif m.customer is not None or scoped:
            rows.append(MemberRow(m, mask_name(wecom_name), hidden=m.customer is not None))
        else:
            rows.append(MemberRow(m, wecom_name))
    return rows


@dataclass
class TagRow:
    tag: Tag
    customers: int
    automatic: bool
    mapping: WeComTagMapping | None

    @property
    def synced(self) -> bool:
        return self.mapping is not None and self.mapping.is_active

    @property
    def from_wecom(self) -> bool:
        return self.mapping is not None and self.mapping.origin == TagOrigin.WECOM


@dataclass
class TagGroupRow:
    group: TagGroup
    tags: list[TagRow] = field(default_factory=list)


def tag_sync_rows(merchant_id: int) -> list[TagGroupRow]:
    """Every tag group with its tags, each with its carriers and its WeCom mapping: four queries."""
    mappings = {m.tag_id: m for m in WeComTagMapping.objects.for_merchant(merchant_id)}
    carriers = dict(
        CustomerTag.objects.filter(merchant_id=merchant_id)
        .values("tag")
        .annotate(n=Count("pk"))
        .values_list("tag", "n")
    )
    ruled = set(TagRule.objects.for_merchant(merchant_id).values_list("tag_id", flat=True))
    rows = {g.pk: TagGroupRow(g) for g in TagGroup.objects.for_merchant(merchant_id)}
    for tag in Tag.objects.for_merchant(merchant_id).order_by("group_id", "id"):
        rows[tag.group_id].tags.append(
            TagRow(tag, carriers.get(tag.pk, 0), tag.pk in ruled, mappings.get(tag.pk))
        )
    return [row for row in rows.values() if row.tags]


def contacts_known(merchant_id: int) -> int:
    """External contacts whose WeCom tags Siyu has looked at."""
    return WeComTagState.objects.for_merchant(merchant_id).values("external_userid").distinct().count()
