"""Rewards the playbooks owe customers: recorded first, then issued where a service exists.

A coupon reward with a template whose face value matches is issued at once through
``siyu.promotions.services.coupons.issue_coupon`` (in a savepoint: a sold-out or capped template
leaves the reward pending rather than failing the help or the draw). Points, and coupons of a
value no template carries (a split share), stay pending until a points ledger and coupons of a
given value exist; ``issue_pending_rewards`` retries them.
"""

from __future__ import annotations

import logging

from django.db import transaction

from siyu.core.errors import SiyuError
from siyu.members.models import Customer
from siyu.promotions.campaigns.models import CampaignReward, RewardStatus

log = logging.getLogger(__name__)


def grant_reward(
    *,
    customer: Customer,
    source: str,
    source_id: int,
    kind: str,
    amount: int,
    coupon_template_id: int | None = None,
) -> CampaignReward:
    """Record what ``customer`` won and try to issue it. Call inside the winning transaction."""
    reward = CampaignReward.objects.create(
        merchant_id=customer.merchant_id,
        customer=customer,
        source=source,
        source_id=source_id,
        kind=kind,
        amount=amount,
        coupon_template_id=coupon_template_id,
    )
    _try_issue(reward)
    return reward


def cancel_reward(*, source: str, source_id: int) -> bool:
    """Withdraw a reward that was not issued yet (its order was refunded). False if none was pending."""
    return bool(
        CampaignReward.objects.filter(source=source, source_id=source_id, status=RewardStatus.PENDING).update(
            status=RewardStatus.CANCELLED
        )
    )


def _try_issue(reward: CampaignReward) -> bool:
    if reward.kind != "coupon" or reward.coupon_template_id is None:
        return False
    from siyu.promotions.models import CouponTemplate
    from siyu.promotions.services.coupons import issue_coupon

    template = (
        CouponTemplate.objects.for_merchant(reward.merchant_id).filter(pk=reward.coupon_template_id).first()
    )
    if template is None or template.amount != reward.amount:
        return False  # a split share of another value: needs a coupon of a given value
    try:
        with transaction.atomic():
            coupon = issue_coupon(
                template=template,
                customer=reward.customer,
                source=reward.source,
                claim_key=f"campaign-reward:{reward.pk}",
            )
            CampaignReward.machine.advance(
                reward, RewardStatus.ISSUED, stamp="issued_at", coupon_id=coupon.pk
            )
    except SiyuError as exc:
        log.info("campaign reward %s stays pending: %s", reward.pk, exc.code)
        return False
    return True


def issue_pending_rewards(*, batch: int = 500) -> int:
    """Retry the pending coupon rewards (a template restocked, a limit lifted). Returns how many issued."""
    issued = 0
    ids = list(
        CampaignReward.objects.filter(
            status=RewardStatus.PENDING, kind="coupon", coupon_template_id__isnull=False
        ).values_list("pk", flat=True)[:batch]
    )
    for pk in ids:
        with transaction.atomic():
            reward = (
                CampaignReward.objects.select_for_update()
                .select_related("customer")
                .filter(pk=pk, status=RewardStatus.PENDING)
                .first()
            )
            if reward is not None and _try_issue(reward):
                issued += 1
    return issued
