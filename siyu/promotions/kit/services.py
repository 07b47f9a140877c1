"""The one status service of every playbook: publish, pause, resume and end."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from siyu.promotions.kit.playbook import Playbook
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import record_audit, require

VERBS = ("publish", "pause", "resume", "end")


@transaction.atomic
def set_status(playbook: Playbook, verb: str, *, staff: Staff, activity_id: int) -> Any:
    """Move one of the staff member's activities by ``verb`` and write the audit row
    (``<playbook key>.<verb>``, the status before and after).

    The activity is locked while its playbook checks the move; the state machine refuses a verb the
    current status does not allow (``invalid_state``), and another merchant's id is ``not_found``.
    """
    require(staff, Perm.PROMOTIONS_EDIT)
    activity = playbook.owned(staff.merchant_id).get_owned(activity_id, lock=True)
    now = timezone.now()
    target = activity.status_after(verb, now)
    if playbook.check_status is not None:
        playbook.check_status(activity, verb)
    before = activity.status
    activity.machine.advance(activity, target, stamp=activity.stamps.get(verb), updated_at=now)
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action=f"{playbook.key}.{verb}",
        obj=activity,
        before={"status": before},
        after={"status": activity.status},
    )
    if playbook.status_changed is not None:
        playbook.status_changed(activity)
    return activity
