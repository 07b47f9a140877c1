"""Task rewards (任务奖励): points and growth for a one-off task such as completing the profile or
binding a phone. Each task pays a customer once, whatever the number of calls."""

from __future__ import annotations

from dataclasses import replace

from django.db import transaction
from django.utils import timezone

from siyu.core.errors import InvalidInput
from siyu.members.loyalty.errors import LoyaltyNotEnabled
from siyu.members.loyalty.models import GrowthKind, PointsEntry, PointsKind
from siyu.members.loyalty.services import ledger
from siyu.members.models import Customer

MAX_TASK_REWARD = 1_000_000


@transaction.atomic
def grant_task_reward(
    *, customer: Customer, task: str, points: int = 0, growth: int = 0
) -> PointsEntry | None:
    """Pay ``task``'s reward to ``customer`` once. Returns the points entry (None when the task was
    already paid or gives no points)."""
    if not task or len(task) > 40 or not (0 <= points <= MAX_TASK_REWARD and 0 <= growth <= MAX_TASK_REWARD):
        raise InvalidInput(detail={"task": task[:40], "points": points, "growth": growth})
    settings = ledger.program(customer.merchant_id)
    if settings is None:
        raise LoyaltyNotEnabled()
    now = timezone.now()
    move = ledger.Movement(
        customer.merchant_id, customer.pk, PointsKind.TASK, f"task:{customer.pk}:{task}", now, note=task
    )
    entry = ledger.credit_points(move, points, expires_at=ledger.lot_expiry(settings, now))
    ledger.add_growth(replace(move, kind=GrowthKind.TASK), growth)
    return entry
