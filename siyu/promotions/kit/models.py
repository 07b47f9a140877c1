"""The abstract activity every playbook's model subclasses."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from siyu.core.errors import InvalidTransition
from siyu.core.models import TenantModel
from siyu.core.statemachine import StateMachine


class ActivityStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    ENDED = "ended", _("Ended")


A = ActivityStatus
ACTIVITY_MACHINE = StateMachine({A.ACTIVE: {A.PAUSED, A.ENDED}, A.PAUSED: {A.ACTIVE, A.ENDED}})


class Activity(TenantModel):
    """One activity of a playbook: a name, a status moved by ``machine``, a window [starts_at, ends_at).

    The fields are those the playbooks' tables already have; a playbook whose column differs
    (a flash sale's ``status`` has more states, an ``ends_at`` with its own help text) redeclares
    that field, and one without a ``name`` column (flash sales have ``title``) reads it as a property.
    """

    name = models.CharField(max_length=64)
    status = models.CharField(max_length=12, choices=ActivityStatus.choices, default=ActivityStatus.ACTIVE)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    machine: ClassVar[StateMachine] = ACTIVITY_MACHINE
    # verb -> the status it moves to (``status_after`` may decide by the clock instead)
    verbs: ClassVar[Mapping[str, str]] = {"pause": A.PAUSED, "resume": A.ACTIVE, "end": A.ENDED}
    # verb -> the timestamp field it sets
    stamps: ClassVar[Mapping[str, str]] = {}
    # The statuses in which the activity takes part in the shop (inside its window).
    live_statuses: ClassVar[tuple[str, ...]] = (A.ACTIVE,)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    def status_after(self, verb: str, now: datetime) -> str:
        """The status ``verb`` moves this activity to; an unknown verb is an invalid transition."""
        if verb not in self.verbs:
            raise InvalidTransition(detail={"from": self.status, "to": verb})
        return self.verbs[verb]

    def is_live(self, now: datetime) -> bool:
        return self.status in self.live_statuses and self.starts_at <= now < self.ends_at
