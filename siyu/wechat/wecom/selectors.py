"""Reads of WeCom contacts for the console: 活码 with their counts, members, a customer's WeCom, transfers."""

from __future__ import annotations

from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from siyu.tenancy.models import Merchant, Role, Staff
from siyu.wechat.wecom.models import ContactTransfer, ContactWay, WeComContact, WeComMember


def _count(filter_q: Q) -> Coalesce:
    rows = (
        WeComContact.objects.filter(filter_q, contact_way=OuterRef("pk"))
        .order_by()
        .values("contact_way")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def contact_ways(merchant: Merchant | int) -> QuerySet[ContactWay]:
    """The live 活码, newest first, each with ``adds`` (contacts it ever brought) and ``current``
    (those still contacts), counted as correlated subqueries in the one query; members prefetched."""
    return (
        ContactWay.objects.for_merchant(merchant)
        .filter(deleted_at__isnull=True)
        .annotate(adds=_count(Q()), current=_count(Q(deleted_at__isnull=True)))
        .prefetch_related(
            Prefetch("members", queryset=WeComMember.objects.select_related("staff").order_by("id"))
        )
        .order_by("-id")
    )


def staff_with_userids(merchant: Merchant | int) -> list[Staff]:
    """Active staff, guides first, each with ``wecom_userid`` ("" when unmapped)."""
    userid = WeComMember.objects.filter(staff=OuterRef("pk")).values("userid")[:1]
    rows = (
        Staff.objects.for_merchant(merchant)
        .filter(is_active=True)
        .annotate(wecom_userid=Coalesce(Subquery(userid), Value("")))
        .order_by("display_name", "id")
    )
    return sorted(rows, key=lambda s: (s.role != Role.GUIDE, s.display_name, s.pk))


def member_choices(merchant: Merchant | int) -> list[tuple[int, str]]:
    """(staff id, "name (userid)") of the mapped active staff: who a 活码 may add."""
    rows = (
        WeComMember.objects.for_merchant(merchant)
        .filter(staff__is_active=True)
        .select_related("staff")
        .order_by("staff__display_name", "id")
    )
    return [(m.staff_id, f"{m.staff.display_name} ({m.userid})") for m in rows]


def guide_choices(merchant: Merchant | int) -> list[tuple[int, str]]:
    """(staff id, name) of guides with a WeCom userid, left or not: who can hand over or take over."""
    rows = (
        WeComMember.objects.for_merchant(merchant)
        .filter(staff__role=Role.GUIDE)
        .select_related("staff")
        .order_by("staff__display_name", "id")
    )
    return [(m.staff_id, m.staff.display_name) for m in rows]


def customer_contacts(merchant: Merchant | int, customer_id: int) -> list[WeComContact]:
    """A customer's WeCom follow relations (current first), with the guide and the 活码 that added them."""
    rows = (
        WeComContact.objects.for_merchant(merchant)
        .filter(customer_id=customer_id)
        .select_related("staff", "contact_way")
        .order_by(F("deleted_at").asc(nulls_first=True), "-added_at", "-id")
    )
    return list(rows)


def recent_transfers(merchant: Merchant | int, *, limit: int = 50) -> list[ContactTransfer]:
    rows = (
        ContactTransfer.objects.for_merchant(merchant)
        .select_related("customer", "handover_staff", "takeover_staff")
        .order_by("-id")[:limit]
    )
    return list(rows)
