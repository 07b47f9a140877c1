"""Rewards a campaign owes a customer (a coupon of some value, or points), issued by the coupon and
points services; kept here so a reward is never lost while those are not wired in."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from siyu.core.models import TenantModel
from siyu.core.statemachine import StateMachine


class RewardSource(models.TextChoices):
    ASSIST = "assist", _("Friend assist")
    SPLIT = "split", _("Friend split")
    LOTTERY = "lottery", _("Pay-and-draw lottery")
    BLIND_BOX = "blind_box", _("Blind box")


class RewardStatus(models.TextChoices):
    PENDING = "pending", _("Not issued yet")
    ISSUED = "issued", _("Issued")
    CANCELLED = "cancelled", _("Cancelled")


class CampaignReward(TenantModel):
    customer = models.ForeignKey("members.Customer", on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=10, choices=RewardSource.choices)
    source_id = models.BigIntegerField(help_text="the assist record, split member or draw")
    kind = models.CharField(max_length=8, help_text="coupon or points")
    amount = models.PositiveIntegerField(help_text="coupon value in fen, or points")
    coupon_template_id = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=RewardStatus.choices, default=RewardStatus.PENDING)
    coupon_id = models.BigIntegerField(null=True, blank=True, help_text="the coupon once issued")
    created_at = models.DateTimeField(auto_now_add=True)
    issued_at = models.DateTimeField(null=True, blank=True)

    machine = StateMachine(
        {RewardStatus.PENDING: {RewardStatus.ISSUED, RewardStatus.CANCELLED}},
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "source_id"], name="one_reward_per_source_row"),
        ]
        indexes = [models.Index(fields=["merchant", "customer", "status"])]
