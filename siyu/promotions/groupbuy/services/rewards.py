"""Consolation coupons for 拼团抽奖 losers, issued through the coupons service."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from siyu.core.errors import SiyuError
from siyu.promotions.groupbuy.models import ConsolationReward, RewardStatus

log = logging.getLogger(__name__)

SOURCE = "group_lottery"


def issue_consolation(reward_id: int) -> bool:
    """Issue one pending consolation coupon; True if it was issued now.

    A refusal by the coupons service (template paused or used up, customer at their limit) marks
    the reward failed with the refusal's code. The claim key makes a retry return the same coupon.
    """
    try:
        from siyu.promotions.models import CouponTemplate
        from siyu.promotions.services.coupons import issue_coupon
    except ImportError:  # the coupons service is not installed: the reward waits
        return False
    with transaction.atomic():
        reward = (
            ConsolationReward.objects.select_for_update()
            .select_related("customer")
            .filter(pk=reward_id, status=RewardStatus.PENDING)
            .first()
        )
        if reward is None:
            return False
        template = CouponTemplate.objects.filter(
            merchant_id=reward.merchant_id, pk=reward.coupon_template_id
        ).first()
        try:
            if template is None:
                raise LookupError("template_missing")
            with transaction.atomic():
                coupon = issue_coupon(
                    template=template,
                    customer=reward.customer,
                    source=SOURCE,
                    claim_key=f"groupbuy-consolation:{reward.pk}",
                )
        except (SiyuError, LookupError) as exc:
            reason = exc.code if isinstance(exc, SiyuError) else str(exc)
            ConsolationReward.objects.filter(pk=reward.pk).update(
                status=RewardStatus.FAILED, failure=reason[:32]
            )
            log.warning("consolation coupon %s not issued: %s", reward.pk, reason)
            return False
        ConsolationReward.objects.filter(pk=reward.pk).update(
            status=RewardStatus.ISSUED, coupon_id=coupon.pk, issued_at=timezone.now()
        )
    return True


def issue_pending_rewards(*, batch: int = 500) -> int:
    """Retry rewards still pending (e.g. recorded while the coupons service was unavailable)."""
    ids = (
        ConsolationReward.objects.filter(status=RewardStatus.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return sum(issue_consolation(pk) for pk in list(ids[:batch]))
