"""好友助力: a customer starts a record, friends help, N helps unlock the reward."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from siyu.core.models import TenantModel
from siyu.core.statemachine import StateMachine
from siyu.promotions.campaigns.models.common import Campaign, RewardKind


class AssistCampaign(Campaign):
    assists_needed = models.PositiveSmallIntegerField()
    hours = models.PositiveSmallIntegerField(help_text="how long a record may collect helps")
    new_helpers_only = models.BooleanField(default=False, help_text="helpers must never have paid an order")
    reward_kind = models.CharField(max_length=8, choices=RewardKind.choices)
    reward_value = models.PositiveIntegerField(help_text="coupon face value in fen, or points")
    coupon_template_id = models.BigIntegerField(null=True, blank=True)
    reward_stock = models.PositiveIntegerField(null=True, blank=True, help_text="None = unlimited")
    records_started = models.PositiveIntegerField(
        default=0, help_text="records holding a reward: ongoing or unlocked (expired ones give it back)"
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reward_stock__isnull=True) | Q(records_started__lte=F("reward_stock")),
                name="assist_records_within_stock",
            ),
        ]


class AssistStatus(models.TextChoices):
    ONGOING = "ongoing", _("Collecting helps")
    UNLOCKED = "unlocked", _("Unlocked")
    EXPIRED = "expired", _("Expired")


class AssistRecord(TenantModel):
    """One customer's attempt. ``assists_count`` only grows by a conditional UPDATE below the goal."""

    owned_id_name = "record_id"
    campaign = models.ForeignKey(AssistCampaign, on_delete=models.CASCADE, related_name="records")
    initiator = models.ForeignKey("members.Customer", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=8, choices=AssistStatus.choices, default=AssistStatus.ONGOING)
    assists_needed = models.PositiveSmallIntegerField(help_text="the goal when the record started")
    assists_count = models.PositiveSmallIntegerField(default=0)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    unlocked_at = models.DateTimeField(null=True, blank=True)

    machine = StateMachine(
        {
            AssistStatus.ONGOING: {AssistStatus.UNLOCKED, AssistStatus.EXPIRED},
        }
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "initiator"],
                condition=Q(status__in=["ongoing", "unlocked"]),
                name="one_live_assist_record",
            ),
            models.CheckConstraint(
                condition=Q(assists_count__lte=F("assists_needed")), name="assists_within_goal"
            ),
        ]
        indexes = [models.Index(fields=["merchant", "status", "expires_at"])]


class AssistHelp(TenantModel):
    record = models.ForeignKey(AssistRecord, on_delete=models.CASCADE, related_name="helps")
    helper = models.ForeignKey("members.Customer", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["record", "helper"], name="one_help_per_helper")]
