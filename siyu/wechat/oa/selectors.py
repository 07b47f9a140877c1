"""Reads of the official account for the console: reply rules, QR codes with their counts, followers."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from siyu.wechat.oa.models import OfficialAccountFollower, OfficialAccountQrCode, ReplyRule


def reply_rules(merchant_id: int) -> list[ReplyRule]:
    return list(ReplyRule.objects.for_merchant(merchant_id).order_by("kind", "id"))


def qr_codes(merchant_id: int) -> list[OfficialAccountQrCode]:
    """The merchant's QR codes, newest first, each with its counters (scans, follows) and
    ``following``: how many who followed by it follow still (one query)."""
    return list(
        OfficialAccountQrCode.objects.for_merchant(merchant_id)
        .annotate(
            following=Count("followers_by_code", filter=Q(followers_by_code__subscribed=True), distinct=True)
        )
        .order_by("-id")
    )


@dataclass(frozen=True)
class FollowerCounts:
    following: int
    unfollowed: int


def follower_counts(merchant_id: int) -> FollowerCounts:
    counts = OfficialAccountFollower.objects.for_merchant(merchant_id).aggregate(
        following=Count("id", filter=Q(subscribed=True)), unfollowed=Count("id", filter=Q(subscribed=False))
    )
    return FollowerCounts(following=counts["following"], unfollowed=counts["unfollowed"])
