"""What every campaign of this app shares: a status machine, a time window, reward kinds."""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _

from siyu.core.models import TenantModel
from siyu.core.statemachine import StateMachine


class CampaignStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    ENDED = "ended", _("Ended")


CAMPAIGN_MACHINE = StateMachine(
    {
        CampaignStatus.ACTIVE: {CampaignStatus.PAUSED, CampaignStatus.ENDED},
        CampaignStatus.PAUSED: {CampaignStatus.ACTIVE, CampaignStatus.ENDED},
    }
)


class RewardKind(models.TextChoices):
    COUPON = "coupon", _("Coupon")
    POINTS = "points", _("Points")


class Campaign(TenantModel):
    """A staff-made campaign: running while ``active`` and ``starts_at <= now < ends_at``."""

    name = models.CharField(max_length=64)
    status = models.CharField(max_length=8, choices=CampaignStatus.choices, default=CampaignStatus.ACTIVE)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    machine = CAMPAIGN_MACHINE

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    def is_running(self, now: datetime) -> bool:
        return self.status == CampaignStatus.ACTIVE and self.starts_at <= now < self.ends_at
