"""好友瓜分: a team of K forms and splits a pool at random (seeded), each share >= a minimum."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from siyu.core.models import TenantModel
from siyu.core.statemachine import StateMachine
from siyu.promotions.campaigns.models.common import Campaign, RewardKind


class SplitCampaign(Campaign):
    team_size = models.PositiveSmallIntegerField()
    pool_amount = models.PositiveIntegerField(help_text="fen of coupon value, or points, per team")
    min_share = models.PositiveIntegerField()
    hours = models.PositiveSmallIntegerField(help_text="how long a team may take to fill")
    reward_kind = models.CharField(max_length=8, choices=RewardKind.choices)
    coupon_template_id = models.BigIntegerField(null=True, blank=True)
    team_stock = models.PositiveIntegerField(
        null=True, blank=True, help_text="pools to give; None = unlimited"
    )
    teams_started = models.PositiveIntegerField(default=0, help_text="forming or filled teams")
    secret = models.CharField(max_length=64, help_text="seeds the splits; never shown")

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(team_stock__isnull=True) | Q(teams_started__lte=F("team_stock")),
                name="split_teams_within_stock",
            ),
        ]


class TeamStatus(models.TextChoices):
    FORMING = "forming", _("Forming")
    FILLED = "filled", _("Filled")
    EXPIRED = "expired", _("Expired")


class SplitTeam(TenantModel):
    owned_id_name = "team_id"

    campaign = models.ForeignKey(SplitCampaign, on_delete=models.CASCADE, related_name="teams")
    leader = models.ForeignKey("members.Customer", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=8, choices=TeamStatus.choices, default=TeamStatus.FORMING)
    team_size = models.PositiveSmallIntegerField()
    pool_amount = models.PositiveIntegerField(help_text="the pool when the team opened")
    min_share = models.PositiveIntegerField()
    member_count = models.PositiveSmallIntegerField(default=0)
    expires_at = models.DateTimeField()
    seed = models.CharField(max_length=64, blank=True, help_text="HMAC(secret, team id), set when it fills")
    created_at = models.DateTimeField(auto_now_add=True)
    filled_at = models.DateTimeField(null=True, blank=True)

    machine = StateMachine({TeamStatus.FORMING: {TeamStatus.FILLED, TeamStatus.EXPIRED}})

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(member_count__lte=F("team_size")), name="team_within_size"),
        ]
        indexes = [models.Index(fields=["merchant", "status", "expires_at"])]


class SplitMember(TenantModel):
    campaign = models.ForeignKey(SplitCampaign, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(SplitTeam, on_delete=models.CASCADE, related_name="members")
    customer = models.ForeignKey("members.Customer", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(help_text="1 = the leader, in joining order")
    share = models.PositiveIntegerField(null=True, blank=True, help_text="set when the team fills")
    is_live = models.BooleanField(default=True, help_text="False once the team expired unfilled")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["team", "position"], name="one_member_per_position"),
            models.UniqueConstraint(
                fields=["campaign", "customer"], condition=Q(is_live=True), name="one_live_team_per_customer"
            ),
        ]
