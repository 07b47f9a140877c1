"""Who a WeCom id is in Siyu: the customer behind an external userid, the staff member behind a userid.

A stopgap until the WeCom contacts app lands with its own lookups (the merge keeps one of each):
customers are found by their ``wecom_external_userid`` identity, then by their UnionID; staff by a
login name equal to the WeCom userid.
"""

from __future__ import annotations

from collections.abc import Iterable

from siyu.members.models import Customer, CustomerIdentity
from siyu.tenancy.models import Staff

WECOM_EXTERNAL_USERID = "wecom_external_userid"  # = IdentityKind.WECOM_EXTERNAL_USERID


def customers_by_external_userid(
    merchant_id: int, external_userids: Iterable[str], unionids: dict[str, str] | None = None
) -> dict[str, int]:
    """``{external_userid: customer_id}`` for the ids Siyu knows; ``unionids`` (external userid ->
    unionid) finds the rest through their UnionID identity. Merged-away customers resolve to the survivor."""
    wanted = {e for e in external_userids if e}
    if not wanted:
        return {}
    rows = CustomerIdentity.objects.filter(
        merchant_id=merchant_id, kind=WECOM_EXTERNAL_USERID, value__in=wanted
    ).values_list("value", "customer_id")
    found = dict(rows)
    by_unionid = {u: e for e, u in (unionids or {}).items() if u and e in wanted and e not in found}
    if by_unionid:
        rows = CustomerIdentity.objects.filter(
            merchant_id=merchant_id, kind="unionid", value__in=list(by_unionid)
        ).values_list("value", "customer_id")
        for unionid, customer_id in rows:
            found[by_unionid[unionid]] = customer_id
    return _survivors(merchant_id, found)


def _survivors(merchant_id: int, found: dict[str, int]) -> dict[str, int]:
    merged = dict(
        Customer.objects.filter(
            merchant_id=merchant_id, pk__in=set(found.values()), merged_into__isnull=False
        ).values_list("pk", "merged_into_id")
    )
    return {key: merged.get(pk, pk) for key, pk in found.items()}


def staff_by_userid(merchant_id: int, userids: Iterable[str]) -> dict[str, Staff]:
    """``{userid: staff}`` for WeCom userids that are staff logins of the merchant."""
    wanted = {u for u in userids if u}
    if not wanted:
        return {}
    staff = Staff.objects.for_merchant(merchant_id).filter(user__username__in=wanted).select_related("user")
    return {s.user.username: s for s in staff}
