"""Reads of WeChat Pay data for pages: reconciliation runs with their mismatches, in two queries."""

from __future__ import annotations

from django.db.models import Prefetch

from siyu.wechat.models import AccountKind, WeChatAccount
from siyu.wechat.models_pay import ReconciliationMismatch, ReconciliationRun


def reconciliation_runs(merchant_id: int, *, limit: int = 30) -> list[ReconciliationRun]:
    """The merchant's latest runs, newest day first, each with ``mismatches`` prefetched."""
    mismatches = ReconciliationMismatch.objects.filter(merchant_id=merchant_id).order_by("pk")
    return list(
        ReconciliationRun.objects.filter(merchant_id=merchant_id)
        .order_by("-bill_date")
        .prefetch_related(Prefetch("mismatches", queryset=mismatches))[:limit]
    )


def pay_configured(merchant_id: int) -> bool:
    return WeChatAccount.objects.filter(
        merchant_id=merchant_id, kind=AccountKind.WECHAT_PAY, is_active=True
    ).exists()
