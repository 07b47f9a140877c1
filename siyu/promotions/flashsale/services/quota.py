"""The units of a flash sale item: take, settle, release, each exact under concurrency.

Every change is a conditional ``UPDATE ... WHERE`` on the row it guards (``reserved <= quota - sold
- n`` on the item, ``quantity <= limit - n`` on the customer's purchase row, compare-and-set on an
entry's status), so PostgreSQL re-checks the condition on the newest row version after waiting for
a concurrent buyer. A take locks the item, then the customer's purchase row, then inserts the
order's entry; payment and cancellation lock the order's (existing) entry, then the item, then the
purchase row. A take never locks an existing entry, so the two orders cannot cross into a deadlock.
The Redis gate is kept in step after each commit (``transaction.on_commit``).
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import datetime, timedelta
from functools import partial

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from siyu.members.models import Customer
from siyu.orders.models import Order
from siyu.promotions.flashsale import redis_gate as gate
from siyu.promotions.flashsale.errors import (
    FlashSaleEnded,
    FlashSaleLimitReached,
    FlashSaleNotFound,
    FlashSaleNotStarted,
    FlashSalePaused,
    FlashSaleSoldOut,
)
from siyu.promotions.flashsale.models import (
    SELLING,
    EntryStatus,
    FlashSale,
    FlashSaleEntry,
    FlashSaleItem,
    FlashSalePurchase,
    FlashSaleStatus,
)

# Keys stay in Redis a week past the sale's end, so late cancellations still find them.
GATE_TTL = timedelta(days=7)

# (sale id, sku id, customer id) of units this request already took at the gate: the database
# take for them must not be mirrored into the gate a second time.
gate_taken: ContextVar[frozenset[tuple[int, int, int]]] = ContextVar("flash_gate_taken", default=frozenset())


def selling_item(*, merchant_id: int, flash_sale_id: int, sku_id: int) -> FlashSaleItem:
    """The item of a published sale for one SKU, with its sale; drafts are invisible to customers."""
    item = (
        FlashSaleItem.objects.for_merchant(merchant_id)
        .select_related("flash_sale")
        .filter(flash_sale_id=flash_sale_id, sku_id=sku_id)
        .exclude(flash_sale__status=FlashSaleStatus.DRAFT)
        .first()
    )
    if item is None:
        raise FlashSaleNotFound(detail={"flash_sale_id": flash_sale_id, "sku_id": sku_id})
    return item


def gate_item(item: FlashSaleItem) -> gate.Item:
    return gate.Item(item.merchant_id, item.flash_sale_id, item.sku_id)


def _item_with_held_sql() -> str:
    q = connection.ops.quote_name
    sale, item, purchase = (q(m._meta.db_table) for m in (FlashSale, FlashSaleItem, FlashSalePurchase))
    return (
        f"SELECT s.*, i.id AS item_pk, i.price AS item_price, i.quota AS item_quota,"
        f" i.reserved AS item_reserved, i.sold AS item_sold,"
        f" COALESCE((SELECT p.quantity FROM {purchase} p WHERE p.item_id = i.id AND p.customer_id = %s), 0)"
        f" AS held FROM {sale} s JOIN {item} i ON i.flash_sale_id = s.id"
        " WHERE s.merchant_id = %s AND s.id = %s AND i.sku_id = %s AND s.status <> %s"
    )


def item_with_held(*, customer: Customer, flash_sale_id: int, sku_id: int) -> tuple[FlashSaleItem, int]:
    """``selling_item`` and the customer's units of it, in one precomposed query: the database
    path's early refusal runs on every attempt, and composing the ORM join cost more CPU than the
    rest of a refusal."""
    params = [customer.pk, customer.merchant_id, flash_sale_id, sku_id, FlashSaleStatus.DRAFT.value]
    sale = next(iter(FlashSale.objects.raw(_item_with_held_sql(), params)), None)
    if sale is None:
        raise FlashSaleNotFound(detail={"flash_sale_id": flash_sale_id, "sku_id": sku_id})
    row = vars(sale)
    item = FlashSaleItem(
        pk=row["item_pk"],
        merchant_id=sale.merchant_id,
        flash_sale=sale,
        sku_id=sku_id,
        price=row["item_price"],
        quota=row["item_quota"],
        reserved=row["item_reserved"],
        sold=row["item_sold"],
    )
    return item, int(row["held"])


def check_buyable(sale: FlashSale, now: datetime) -> None:
    """Refuse unless the sale takes orders now."""
    detail = {"flash_sale_id": sale.pk, "starts_at": sale.starts_at.isoformat()}
    if sale.status == FlashSaleStatus.ENDED or now >= sale.ends_at:
        raise FlashSaleEnded(detail={**detail, "ends_at": sale.ends_at.isoformat()})
    if sale.status == FlashSaleStatus.PAUSED:
        raise FlashSalePaused(detail=detail)
    if sale.status not in SELLING:
        raise FlashSaleNotFound(detail={"flash_sale_id": sale.pk})
    if now < sale.starts_at:
        raise FlashSaleNotStarted(detail=detail)


def units_held(item: FlashSaleItem, customer: Customer) -> int:
    row = FlashSalePurchase.objects.filter(item=item, customer=customer).values_list("quantity", flat=True)
    return row.first() or 0


def check_units(item: FlashSaleItem, customer: Customer, quantity: int, held: int | None = None) -> None:
    """Refuse, from a plain read, what the conditional updates would refuse anyway."""
    if item.remaining < quantity:
        raise FlashSaleSoldOut(detail={"sku_id": item.sku_id, "remaining": item.remaining})
    if held is None:
        held = units_held(item, customer)
    if held + quantity > item.flash_sale.per_customer_limit:
        raise FlashSaleLimitReached(
            detail={"sku_id": item.sku_id, "limit": item.flash_sale.per_customer_limit, "held": held}
        )


def take_units(*, item: FlashSaleItem, customer: Customer, order: Order, quantity: int) -> FlashSaleEntry:
    """Hold ``quantity`` units of the item for the order, or raise and hold nothing.

    Runs in the order's transaction: a refusal rolls the order back, and the units stay held
    exactly as long as the order exists unpaid.
    """
    sale = item.flash_sale
    taken = FlashSaleItem.objects.filter(pk=item.pk, reserved__lte=F("quota") - F("sold") - quantity).update(
        reserved=F("reserved") + quantity
    )
    if taken != 1:
        raise FlashSaleSoldOut(detail={"sku_id": item.sku_id})
    FlashSalePurchase.objects.bulk_create(
        [FlashSalePurchase(merchant_id=item.merchant_id, item=item, customer=customer, quantity=0)],
        ignore_conflicts=True,
    )
    within = FlashSalePurchase.objects.filter(
        item=item, customer=customer, quantity__lte=sale.per_customer_limit - quantity
    ).update(quantity=F("quantity") + quantity)
    if within != 1:
        raise FlashSaleLimitReached(detail={"sku_id": item.sku_id, "limit": sale.per_customer_limit})
    entry = FlashSaleEntry.objects.create(
        merchant_id=item.merchant_id,
        item=item,
        customer=customer,
        order=order,
        quantity=quantity,
        unit_price=item.price,
    )
    if sale.payment_minutes:
        deadline = order.created_at + timedelta(minutes=sale.payment_minutes)
        if Order.objects.filter(pk=order.pk, expires_at__gt=deadline).update(expires_at=deadline):
            order.expires_at = deadline
    if gate.enabled() and (item.flash_sale_id, item.sku_id, customer.pk) not in gate_taken.get():
        # Bought without passing the gate (the plain checkout API): tell the gate afterwards.
        transaction.on_commit(
            partial(gate.adjust, item=gate_item(item), customer_id=customer.pk, quantity=-quantity)
        )
    return entry


def _entries(order: Order, status: str) -> list[FlashSaleEntry]:
    qs = FlashSaleEntry.objects.filter(order_id=order.pk, status=status).select_related("item")
    return list(qs.order_by("item_id"))


def _advance(entry: FlashSaleEntry, source: str, target: str) -> bool:
    return FlashSaleEntry.objects.filter(pk=entry.pk, status=source).update(status=target) == 1


def settle_order(order: Order) -> int:
    """The order was paid: its held units become sold. Returns the entries settled."""
    settled = 0
    for entry in _entries(order, EntryStatus.RESERVED):
        if _advance(entry, EntryStatus.RESERVED, EntryStatus.PAID):
            FlashSaleItem.objects.filter(pk=entry.item_id).update(
                reserved=F("reserved") - entry.quantity, sold=F("sold") + entry.quantity
            )
            settled += 1
    return settled


def release_order(order: Order) -> int:
    """The unpaid order was cancelled: its units go back to the quota and to the customer's limit."""
    released = 0
    for entry in _entries(order, EntryStatus.RESERVED):
        if not _advance(entry, EntryStatus.RESERVED, EntryStatus.RELEASED):
            continue
        FlashSaleItem.objects.filter(pk=entry.item_id).update(reserved=F("reserved") - entry.quantity)
        FlashSalePurchase.objects.filter(item_id=entry.item_id, customer_id=entry.customer_id).update(
            quantity=F("quantity") - entry.quantity
        )
        if gate.enabled():
            transaction.on_commit(
                partial(
                    gate.adjust,
                    item=gate_item(entry.item),
                    customer_id=entry.customer_id,
                    quantity=entry.quantity,
                )
            )
        released += 1
    return released


def mark_refunded(order: Order) -> int:
    """The paid order was fully refunded. The units stay sold (a flash sale's quota is not
    re-sold after a refund); the entry leaves the sale's GMV."""
    return sum(
        _advance(entry, EntryStatus.PAID, EntryStatus.REFUNDED) for entry in _entries(order, EntryStatus.PAID)
    )


# ---- the Redis gate --------------------------------------------------------------------------------


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _gate_state(item: FlashSaleItem, sale: FlashSale) -> gate.ItemState:
    customers = dict(
        FlashSalePurchase.objects.filter(item_id=item.pk, quantity__gt=0).values_list(
            "customer_id", "quantity"
        )
    )
    return gate.ItemState(
        merchant_id=item.merchant_id,
        sale_id=item.flash_sale_id,
        sku_id=item.sku_id,
        left=item.quota - item.reserved - item.sold,
        limit=sale.per_customer_limit,
        starts_ms=_ms(sale.starts_at),
        ends_ms=_ms(sale.ends_at),
        open=sale.status in SELLING,
        expire_ms=_ms(max(sale.ends_at, timezone.now()) + GATE_TTL),
        customers=customers,
    )


def load_gate(*, item_id: int, force: bool) -> bool:
    """Write one item's gate keys from the database, holding the item's row lock while reading and
    writing so that no take, payment or release commits in between. Without ``force`` only when the
    keys are missing (a second rebuilder waiting on the lock then finds them and does nothing).
    Returns whether the item exists."""
    with transaction.atomic():
        item = FlashSaleItem.objects.select_for_update().filter(pk=item_id).first()
        if item is None:
            return False
        sale = FlashSale.objects.get(pk=item.flash_sale_id)
        gate.load(_gate_state(item, sale), force=force)
        return True


def load_gate_for(item: gate.Item, *, force: bool) -> bool:
    """``load_gate`` for the item a request names; False when the sale has no such item."""
    item_id = (
        FlashSaleItem.objects.for_merchant(item.merchant_id)
        .filter(flash_sale_id=item.sale_id, sku_id=item.sku_id)
        .values_list("pk", flat=True)
        .first()
    )
    return item_id is not None and load_gate(item_id=item_id, force=force)


def sync_gate(flash_sale_id: int) -> None:
    """Rewrite the gate keys of every item of a sale from the database (after a staff change).
    Call after the change commits; without Redis, or with Redis down, it does nothing."""
    if not gate.enabled():
        return
    for item_id in (
        FlashSaleItem.objects.filter(flash_sale_id=flash_sale_id).order_by("pk").values_list("pk", flat=True)
    ):
        try:
            load_gate(item_id=item_id, force=True)
        except gate.GateUnavailable:
            gate.log.warning("flash sale gate: could not load item %s", item_id, exc_info=True)
