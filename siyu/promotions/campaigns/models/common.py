"""What every campaign of this app shares: the activity kit's model (a shorter status column); rewards."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from siyu.promotions.kit.models import Activity, ActivityStatus


class RewardKind(models.TextChoices):
    COUPON = "coupon", _("Coupon")
    POINTS = "points", _("Points")


class Campaign(Activity):
    """A staff-made campaign: live (customers take part) while ``active`` and inside its window."""

    status = models.CharField(max_length=8, choices=ActivityStatus.choices, default=ActivityStatus.ACTIVE)

    # Every campaign's routes have answered a missing id as ``{"campaign_id": id}``.
    owned_id_name = "campaign_id"

    class Meta:
        abstract = True
