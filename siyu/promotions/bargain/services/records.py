"""Customer use cases of bargains (start, help, buy), the provider's calls, and the expiry sweep."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from siyu.catalog.models import Sku
from siyu.core.errors import IdempotencyConflict, InvalidInput, NotFound
from siyu.members.models import Customer
from siyu.orders.models import Fulfilment, Order, OrderLine
from siyu.orders.services import checkout
from siyu.promotions.activities import ActivityQuote, ActivityRef
from siyu.promotions.bargain.cuts import new_seed, plan_cuts
from siyu.promotions.bargain.errors import (
    BargainAlreadyHelped,
    BargainClosed,
    BargainInProgress,
    BargainLimitReached,
    BargainNotLive,
    BargainNotReady,
    BargainSelfHelp,
    BargainSoldOut,
)
from siyu.promotions.bargain.models import (
    LIVE_RECORD,
    Bargain,
    BargainHelp,
    BargainRecord,
    RecordStatus,
)
from siyu.promotions.engine.types import ActivityKind, ActivityPrice

KIND = ActivityKind.BARGAIN.value


def _record(merchant_id: int, record_id: int) -> BargainRecord:
    return BargainRecord.objects.for_merchant(merchant_id).select_related("bargain").get_owned(record_id)


def _own_record(customer: Customer, record_id: int) -> BargainRecord:
    record = _record(customer.merchant_id, record_id)
    if record.customer_id != customer.pk:
        raise NotFound(detail={"record_id": record_id})
    return record


@transaction.atomic
def start_bargain(*, customer: Customer, bargain_id: int) -> BargainRecord:
    """发起砍价: start a record at the SKU's price with its cuts planned from a fresh seed."""
    bargain = Bargain.objects.for_merchant(customer.merchant_id).get_owned(bargain_id)
    now = timezone.now()
    if not bargain.is_live(now):
        raise BargainNotLive(detail={"bargain_id": bargain.pk, "status": bargain.status})
    mine = BargainRecord.objects.filter(bargain=bargain, customer=customer)
    used = mine.filter(status=RecordStatus.ORDERED).count()
    if used >= bargain.per_customer_limit:
        raise BargainLimitReached(detail={"limit": bargain.per_customer_limit})
    live = mine.filter(status__in=LIVE_RECORD, expires_at__gt=now).values_list("pk", flat=True).first()
    if live is not None:
        raise BargainInProgress(detail={"record_id": live})
    # A live record past its deadline the sweep has not reached yet: expire it now.
    mine.filter(status__in=LIVE_RECORD, expires_at__lte=now).update(status=RecordStatus.EXPIRED)
    if bargain.quota is not None and bargain.sold >= bargain.quota:
        raise BargainSoldOut(detail={"quota": bargain.quota})
    seed = new_seed()
    total = bargain.start_price - bargain.floor_price
    try:
        with transaction.atomic():
            return BargainRecord.objects.create(
                merchant_id=customer.merchant_id,
                bargain=bargain,
                customer=customer,
                start_price=bargain.start_price,
                floor_price=bargain.floor_price,
                helpers_needed=bargain.helpers_needed,
                seed=seed,
                cuts=plan_cuts(total=total, helpers=bargain.helpers_needed, seed=seed),
                current_price=bargain.start_price,
                expires_at=min(now + timedelta(hours=bargain.hours_to_finish), bargain.ends_at),
            )
    except IntegrityError as exc:  # a concurrent start by the same customer won
        raise BargainInProgress(detail={"bargain_id": bargain.pk}) from exc


def help_bargain(*, helper: Customer, record_id: int) -> BargainHelp:
    """帮砍: take the record's next planned cut. Concurrent helps each take a different cut: the
    record moves from ``helps_done = k`` to ``k + 1`` only if it is still at ``k``; a helper who
    lost that race tries again at the new step."""
    record = _record(helper.merchant_id, record_id)
    for _attempt in range(record.helpers_needed + 1):
        help_ = _try_help(helper, record_id)
        if help_ is not None:
            return help_
    raise BargainClosed(detail={"record_id": record_id})  # every step was taken under us


@transaction.atomic
def _try_help(helper: Customer, record_id: int) -> BargainHelp | None:
    record = _record(helper.merchant_id, record_id)
    if record.customer_id == helper.pk:
        raise BargainSelfHelp()
    if BargainHelp.objects.filter(record=record, helper=helper).exists():
        raise BargainAlreadyHelped(detail={"record_id": record.pk})
    now = timezone.now()
    if record.status != RecordStatus.ONGOING or record.expires_at <= now:
        raise BargainClosed(detail={"record_id": record.pk, "status": record.status})
    if not record.bargain.is_live(now):
        raise BargainNotLive(detail={"bargain_id": record.bargain_id, "status": record.bargain.status})
    step = record.helps_done
    done = step + 1
    values: dict = {"helps_done": done, "current_price": record.start_price - sum(record.cuts[:done])}
    if done == record.helpers_needed:
        values.update(status=RecordStatus.SUCCEEDED, succeeded_at=now)
    moved = BargainRecord.objects.filter(
        pk=record.pk, helps_done=step, status=RecordStatus.ONGOING, expires_at__gt=now
    ).update(**values)
    if moved != 1:
        return None
    try:
        with transaction.atomic():
            return BargainHelp.objects.create(
                merchant_id=record.merchant_id, record=record, helper=helper, seq=done, cut=record.cuts[step]
            )
    except IntegrityError as exc:  # the same helper's concurrent request took a step first
        raise BargainAlreadyHelped(detail={"record_id": record.pk}) from exc


def buy_bargain(
    *,
    customer: Customer,
    record_id: int,
    fulfilment: str = Fulfilment.DELIVERY,
    address_id: int | None = None,
    pickup_outlet_id: int | None = None,
    note: str = "",
    idempotency_key: str | None = None,
) -> Order:
    """Buy the bargained unit at the floor price through checkout; a record buys once."""
    record = _own_record(customer, record_id)
    if idempotency_key:
        replay = Order.objects.filter(
            merchant_id=customer.merchant_id, customer=customer, idempotency_key=idempotency_key
        ).first()
        if replay is not None:
            if not OrderLine.objects.filter(order=replay, activity_kind=KIND, activity_id=record.pk).exists():
                raise IdempotencyConflict(detail={"order_number": replay.number})
            return replay
    _check_buyable(record, timezone.now())
    request = checkout.CheckoutRequest(
        lines=[checkout.LineRequest(record.bargain.sku_id, 1, ActivityRef(KIND, record.pk))],
        fulfilment=fulfilment,
        address_id=address_id,
        pickup_outlet_id=pickup_outlet_id,
        note=note,
        source="bargain",
    )
    order, _created = checkout.place_order(
        customer=customer, request=request, idempotency_key=idempotency_key
    )
    return order


def _check_buyable(record: BargainRecord, now: datetime) -> None:
    if record.status != RecordStatus.SUCCEEDED or record.expires_at <= now:
        raise BargainNotReady(
            detail={
                "record_id": record.pk,
                "status": record.status,
                "helps_left": record.helpers_needed - record.helps_done,
            }
        )


# ---- the activity provider's two calls ----------------------------------------------------------


def quote_record(
    *, customer: Customer, ref: ActivityRef, sku: Sku, quantity: int, now: datetime
) -> ActivityQuote:
    """The customer's own record that reached its floor prices one unit of its SKU at the floor."""
    record = _own_record(customer, ref.id)
    if sku.pk != record.bargain.sku_id or quantity != 1:
        raise InvalidInput(detail={"activity": ref.rule_id, "reason": "a bargain buys one unit of its item"})
    _check_buyable(record, now)
    rule = ActivityPrice(
        id=ref.rule_id, kind=ActivityKind.BARGAIN, sku_id=sku.pk, price=record.floor_price, quantity=1
    )
    return ActivityQuote(rule=rule)


def reserve_record(*, customer: Customer, ref: ActivityRef, order: Order, sku: Sku, quantity: int) -> None:
    """Use the record for ``order`` (succeeded -> ordered, compare-and-set) and count it against the
    activity's quota with a conditional UPDATE, so the quota is never oversold."""
    now = timezone.now()
    record = _own_record(customer, ref.id)
    moved = BargainRecord.objects.filter(
        pk=record.pk, status=RecordStatus.SUCCEEDED, expires_at__gt=now, order__isnull=True
    ).update(status=RecordStatus.ORDERED, order=order, ordered_at=now)
    if moved != 1:
        record.refresh_from_db(fields=["status"])
        raise BargainNotReady(detail={"record_id": record.pk, "status": record.status})
    bargain = Bargain.objects.filter(pk=record.bargain_id)
    if record.bargain.quota is not None:
        bargain = bargain.filter(sold__lt=F("quota"))
    if bargain.update(sold=F("sold") + 1) != 1:
        raise BargainSoldOut(detail={"quota": record.bargain.quota})


# ---- the order hook and the expiry sweep --------------------------------------------------------


def on_order_cancelled(order: Order) -> None:
    """The bargain's order was cancelled unpaid: the record may be bought again until its deadline,
    and the quota gets the unit back."""
    record = BargainRecord.objects.filter(order_id=order.pk, status=RecordStatus.ORDERED).first()
    if record is None:
        return
    back = RecordStatus.SUCCEEDED if record.expires_at > timezone.now() else RecordStatus.EXPIRED
    moved = BargainRecord.objects.filter(pk=record.pk, status=RecordStatus.ORDERED, order_id=order.pk).update(
        status=back, order=None, ordered_at=None
    )
    if moved:
        Bargain.objects.filter(pk=record.bargain_id, sold__gt=0).update(sold=F("sold") - 1)


def expire_records(*, now: datetime | None = None) -> int:
    """Records past their deadline that are still open or unbought expire (one conditional UPDATE)."""
    now = now or timezone.now()
    return BargainRecord.objects.filter(status__in=LIVE_RECORD, expires_at__lte=now).update(
        status=RecordStatus.EXPIRED
    )
