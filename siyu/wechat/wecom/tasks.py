"""Background work of WeCom contacts. Each task calls one service; the scheduler only enqueues them."""

from __future__ import annotations

from django_tasks import task

from siyu.wechat.wecom import transfers
from siyu.wechat.wecom.models import ContactTransfer, TransferStatus


@task()
def poll_transfers() -> int:
    """Ask WeCom how pending 继承 transfers ended, for every merchant that has one."""
    merchants = (
        ContactTransfer.objects.filter(status=TransferStatus.PENDING)
        .values_list("merchant_id", flat=True)
        .distinct()
    )
    return sum(transfers.poll_transfers(merchant_id) for merchant_id in sorted(set(merchants)))
