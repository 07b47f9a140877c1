"""沙箱快进: in the demo only, bring a broadcast's next hour of sends forward to now.

A broadcast "at each customer's hour" spreads its sends over a day; an operator trying the demo
should not wait for 20:00 to watch the inbox fill. Each press moves this broadcast's queued messages
whose slot falls within the hour from its earliest queued slot to ``now``, so the worker sends them
on its next round; pressing again takes the next hour. Budget days stay as planned (the demo's
customers are not over any budget by the move). Outside ``settings.SIYU_DEMO`` it is refused.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from siyu.core.errors import SiyuError
from siyu.reach.models import Broadcast, BroadcastStatus, Message, MessageStatus
from siyu.reach.services import get_broadcast
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import record_audit, require

STEP = timedelta(hours=1)


class DemoOnly(SiyuError):
    """Raised when the sandbox fast-forward is asked for outside the demo (``SIYU_DEMO`` unset)."""

    code = "demo_only"
    status = 409  # not a missing permission: the feature does not exist outside the demo
    message = _("Fast-forward exists in the demo only.")


def available() -> bool:
    return bool(getattr(settings, "SIYU_DEMO", False))


@transaction.atomic
def fast_forward(*, staff: Staff, broadcast_id: int, now: datetime | None = None) -> int:
    """Move the broadcast's next hour of queued sends to ``now``; how many moved."""
    require(staff, Perm.REACH_SEND)
    if not available():
        raise DemoOnly()
    now = now or timezone.now()
    broadcast: Broadcast = get_broadcast(merchant_id=staff.merchant_id, broadcast_id=broadcast_id, lock=True)
    if broadcast.status not in (BroadcastStatus.SCHEDULED, BroadcastStatus.SENDING):
        return 0
    queued = Message.objects.filter(
        merchant_id=staff.merchant_id, broadcast=broadcast, status=MessageStatus.QUEUED, send_at__gt=now
    )
    first = queued.aggregate(first=Min("send_at"))["first"]
    if first is None:
        return 0
    moved = queued.filter(send_at__lt=first + STEP).update(send_at=now)
    if broadcast.status == BroadcastStatus.SCHEDULED:
        Broadcast.objects.filter(pk=broadcast.pk).update(status=BroadcastStatus.SENDING)
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="reach.broadcast.fast_forward",
        obj=broadcast,
        before={"first_slot": first.isoformat()},
        after={"moved": moved, "to": now.isoformat()},
    )
    return moved
