"""继承: hand a guide's WeCom customers to another guide, and learn from WeCom how each one ended.

``transfer_customers`` asks WeCom (``transfer_customer`` for a guide still at work, with the message
the customer sees; ``resigned/transfer_customer`` for one who left), 100 contacts a call, and keeps
one ``ContactTransfer`` per customer: pending when WeCom took the request, failed (with WeCom's
errcode) when it did not. WeCom moves the contact within 24 hours unless the customer refuses, so
``poll_transfers`` (a periodic task) asks ``transfer_result`` per guide pair: a customer taken over
moves to the new guide (``members.services.transfer_guide``: a GuideBinding row and an audit row)
and becomes the new member's contact; a refusal or the takeover's limit fails the row with its
reason. A ``transfer_fail`` callback fails it at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import transaction
from django.utils import timezone

from siyu.members.services import transfer_guide
from siyu.tenancy.models import Merchant, Role, Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import record_audit, require
from siyu.wechat.accounts import account_for, require_account
from siyu.wechat.errors import WeChatApiError
from siyu.wechat.models import AccountKind, WeChatAccount
from siyu.wechat.wecom import client
from siyu.wechat.wecom.errors import NothingToTransfer, WeComMemberMissing, WeComRefused
from siyu.wechat.wecom.models import ContactTransfer, DeletedBy, TransferStatus, WeComContact, WeComMember

MESSAGE_MAX = 200  # transfer_success_msg: at most 200 characters

# transfer_result's status -> (our status, the reason kept: transfer_fail's FailReason words)
RESULT_STATUS = {
    1: (TransferStatus.SUCCEEDED, ""),
    2: (TransferStatus.PENDING, ""),
    3: (TransferStatus.FAILED, "customer_refused"),
    4: (TransferStatus.FAILED, "customer_limit_exceed"),
    5: (TransferStatus.FAILED, "no_record"),
}


@dataclass(frozen=True)
class TransferRequest:
    started: int
    refused: int


def _member(merchant_id: int, staff_id: int) -> WeComMember:
    member = (
        WeComMember.objects.for_merchant(merchant_id)
        .filter(staff_id=staff_id, staff__role=Role.GUIDE)
        .select_related("staff")
        .first()
    )
    if member is None:
        raise WeComMemberMissing(detail={"guide_id": staff_id})
    return member


def transfer_customers(
    *, staff: Staff, from_guide_id: int, to_guide_id: int, resigned: bool, message: str = ""
) -> TransferRequest:
    """Ask WeCom to hand every current WeCom customer of one guide to another (see the module)."""
    require(staff, Perm.CUSTOMERS_ASSIGN_GUIDE)
    message = message.strip()
    if len(message) > MESSAGE_MAX:
        raise NothingToTransfer(detail={"message": f"at most {MESSAGE_MAX} characters"})
    handover = _member(staff.merchant_id, from_guide_id)
    takeover = _member(staff.merchant_id, to_guide_id)
    if not takeover.staff.is_active or handover.pk == takeover.pk:
        raise NothingToTransfer(detail={"to_guide_id": to_guide_id})
    pending = ContactTransfer.objects.for_merchant(staff.merchant_id).filter(
        handover_userid=handover.userid, status=TransferStatus.PENDING
    )
    contacts = list(
        WeComContact.objects.for_merchant(staff.merchant_id)
        .filter(userid=handover.userid, deleted_at__isnull=True)
        .exclude(external_userid__in=pending.values("external_userid"))
        .order_by("id")
    )
    if not contacts:
        raise NothingToTransfer(detail={"from_guide_id": from_guide_id})
    account = require_account(staff.merchant, AccountKind.WECOM)
    answers: dict[str, int] = {}
    for start in range(0, len(contacts), client.TRANSFER_BATCH):
        batch = contacts[start : start + client.TRANSFER_BATCH]
        try:
            answer = client.transfer_customer(
                account,
                handover_userid=handover.userid,
                takeover_userid=takeover.userid,
                external_userids=[c.external_userid for c in batch],
                resigned=resigned,
                message=message,
            )
        except WeChatApiError as exc:
            if not answers:
                raise WeComRefused(detail={"errcode": exc.errcode, "errmsg": exc.errmsg}) from exc
            answers.update({c.external_userid: exc.errcode for c in batch})
            continue
        for row in answer.get("customer") or []:
            answers[str(row.get("external_userid"))] = int(row.get("errcode", 0) or 0)
    now = timezone.now()
    with transaction.atomic():
        rows = [
            ContactTransfer(
                merchant_id=staff.merchant_id,
                customer_id=c.customer_id,
                external_userid=c.external_userid,
                handover_userid=handover.userid,
                takeover_userid=takeover.userid,
                handover_staff=handover.staff,
                takeover_staff=takeover.staff,
                resigned=resigned,
                status=TransferStatus.PENDING
                if answers.get(c.external_userid, -1) == 0
                else TransferStatus.FAILED,
                errcode=answers.get(c.external_userid, -1),
                reason=""
                if answers.get(c.external_userid, -1) == 0
                else f"errcode:{answers.get(c.external_userid, -1)}",
                requested_by=staff,
                requested_at=now,
                finished_at=None if answers.get(c.external_userid, -1) == 0 else now,
            )
            for c in contacts
        ]
        ContactTransfer.objects.bulk_create(rows)
        started = sum(1 for r in rows if r.status == TransferStatus.PENDING)
        record_audit(
            staff=staff,
            merchant=staff.merchant,
            action="wecom.transfer_requested",
            obj=handover.staff,
            after={
                "to_guide_id": to_guide_id,
                "resigned": resigned,
                "started": started,
                "refused": len(rows) - started,
            },
        )
    return TransferRequest(started=started, refused=len(rows) - started)


def poll_transfers(merchant_id: int) -> int:
    """Ask WeCom how each pending transfer of the merchant ended; returns how many finished."""
    pending = list(
        ContactTransfer.objects.for_merchant(merchant_id)
        .filter(status=TransferStatus.PENDING)
        .values_list("handover_userid", "takeover_userid", "resigned")
        .distinct()
    )
    if not pending:
        return 0
    account = account_for(Merchant.objects.get(pk=merchant_id), AccountKind.WECOM)
    if account is None:
        return 0
    finished = 0
    for handover, takeover, resigned in pending:
        cursor = ""
        while True:
            answer = client.transfer_result(
                account, handover_userid=handover, takeover_userid=takeover, resigned=resigned, cursor=cursor
            )
            for row in answer.get("customer") or []:
                finished += _settle(
                    account,
                    handover,
                    takeover,
                    str(row.get("external_userid", "")),
                    int(row.get("status", 0) or 0),
                    int(row.get("takeover_time", 0) or 0),
                )
            cursor = str(answer.get("next_cursor") or "")
            if not cursor:
                break
    return finished


@transaction.atomic
def _settle(
    account: WeChatAccount, handover: str, takeover: str, external_userid: str, status: int, at: int
) -> int:
    row = (
        ContactTransfer.objects.for_merchant(account.merchant_id)
        .select_for_update()
        .filter(
            handover_userid=handover,
            takeover_userid=takeover,
            external_userid=external_userid,
            status=TransferStatus.PENDING,
        )
        .first()
    )
    outcome, reason = RESULT_STATUS.get(status, (TransferStatus.PENDING, ""))
    if row is None or outcome == TransferStatus.PENDING:
        return 0
    now = timezone.now()
    row.status = outcome
    row.result_status = status
    row.reason = str(reason)
    row.finished_at = now
    row.save(update_fields=["status", "result_status", "reason", "finished_at"])
    if outcome == TransferStatus.SUCCEEDED:
        _take_over(row, datetime.fromtimestamp(at, tz=UTC) if at > 0 else now)
    return 1


def _take_over(row: ContactTransfer, at: datetime) -> None:
    old = (
        WeComContact.objects.for_merchant(row.merchant_id)
        .filter(external_userid=row.external_userid, userid=row.handover_userid)
        .first()
    )
    WeComContact.objects.for_merchant(row.merchant_id).filter(
        external_userid=row.external_userid, userid=row.handover_userid, deleted_at__isnull=True
    ).update(deleted_at=at, deleted_by=DeletedBy.TRANSFER)
    WeComContact.objects.update_or_create(
        merchant_id=row.merchant_id,
        external_userid=row.external_userid,
        userid=row.takeover_userid,
        defaults={
            "customer_id": row.customer_id,
            "staff": row.takeover_staff,
            "contact_way": old.contact_way if old else None,
            "state": old.state if old else "",
            "name": old.name if old else "",
            "added_at": at,
            "deleted_at": None,
            "deleted_by": "",
        },
    )
    if row.handover_staff_id and row.takeover_staff_id:
        transfer_guide(
            customer_id=row.customer_id,
            from_guide_id=row.handover_staff_id,
            to_guide_id=row.takeover_staff_id,
            operator=row.requested_by,
        )


@transaction.atomic
def transfer_failed(account: WeChatAccount, message: dict[str, str]) -> int:
    """``transfer_fail`` callback: the customer refused, or the takeover member is full. ``UserID``
    is the takeover member (WeCom does not say who handed over)."""
    reason = message.get("FailReason", "")[:200] or "customer_refused"
    return (
        ContactTransfer.objects.for_merchant(account.merchant_id)
        .filter(
            takeover_userid=message.get("UserID", ""),
            external_userid=message.get("ExternalUserID", ""),
            status=TransferStatus.PENDING,
        )
        .update(status=TransferStatus.FAILED, reason=str(reason), finished_at=timezone.now())
    )
