"""Customer 360: everything Siyu knows about one customer, in a fixed number of queries.

Profile and identities, where they came from (first and last touch), merges into this customer,
tags, the value models (RFM, lifecycle, value tier, ladder, preferences), membership (tier,
growth, points), coupons, orders and spend, the behaviour timeline and the shopping guides'
1:1 consultation notes. The staff API serves it; the console's customer page shows the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone

from siyu.audience.errors import NoteInvalid
from siyu.audience.models import CustomerTag, GuideNote, NoteKind
from siyu.audience.values.models import CustomerValue
from siyu.core.errors import NotFound
from siyu.events.models import Event
from siyu.members.loyalty.selectors import MembershipView, membership_view
from siyu.members.models import Customer, CustomerMerge
from siyu.members.scope import customers_visible_to
from siyu.orders.models import Order
from siyu.promotions.models import Coupon, CouponStatus
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import record_audit, require

RECENT_ORDERS = 10
RECENT_EVENTS = 30
RECENT_NOTES = 20
NOTE_MAX = 2000


@dataclass(frozen=True)
class Spend:
    orders: int = 0
    paid: int = 0
    refunded: int = 0
    first_paid_at: Any = None
    last_paid_at: Any = None

    @property
    def net(self) -> int:
        return self.paid - self.refunded


@dataclass
class Customer360:
    customer: Customer
    merged_from: list[CustomerMerge]
    tags: list[CustomerTag]
    value: CustomerValue | None
    membership: MembershipView
    coupons_unused: int
    coupons_used: int
    coupons: list[Coupon]
    spend: Spend
    orders: list[Order]
    events: list[Event]
    notes: list[GuideNote] = field(default_factory=list)


def _customer(staff: Staff, customer_id: int, *, full: bool = False) -> Customer:
    """The merchant's customer, if in the staff member's scope (a guide: their own customers);
    ``full`` also loads identities and consent (the 360 shows them)."""
    qs = customers_visible_to(staff).filter(pk=customer_id)
    customer = (qs.prefetch_related("identities", "contact_preferences") if full else qs).first()
    if customer is None:
        raise NotFound(detail={"customer_id": customer_id})
    return customer


def customer_360(*, staff: Staff, customer_id: int) -> Customer360:
    """One customer of the staff member's merchant; another merchant's id is not found."""
    require(staff, Perm.CUSTOMERS_VIEW)
    merchant_id = staff.merchant_id
    customer = _customer(staff, customer_id, full=True)
    now = timezone.now()
    coupon_counts = (
        Coupon.objects.for_merchant(merchant_id)
        .filter(customer=customer)
        .aggregate(
            unused=Count(
                "id",
                filter=Q(status=CouponStatus.UNUSED) & (Q(valid_until__isnull=True) | Q(valid_until__gt=now)),
            ),
            used=Count("id", filter=Q(status=CouponStatus.USED)),
        )
    )
    spend = (
        Order.objects.for_merchant(merchant_id)
        .filter(customer=customer, paid_at__isnull=False)
        .aggregate(
            n=Count("id"),
            paid=Sum("paid_amount"),
            refunded=Sum("refunded_amount"),
            first=Min("paid_at"),
            last=Max("paid_at"),
        )
    )
    return Customer360(
        customer=customer,
        merged_from=list(CustomerMerge.objects.for_merchant(merchant_id).filter(survivor=customer)),
        tags=list(
            CustomerTag.objects.for_merchant(merchant_id)
            .filter(customer=customer)
            .select_related("tag__group")
            .order_by("tag__group__kind", "tag__name")
        ),
        value=CustomerValue.objects.for_merchant(merchant_id).filter(customer=customer).first(),
        membership=membership_view(customer=customer, now=now, recent=10),
        coupons_unused=coupon_counts["unused"],
        coupons_used=coupon_counts["used"],
        coupons=list(
            Coupon.objects.for_merchant(merchant_id)
            .filter(customer=customer)
            .select_related("template")
            .order_by("-id")[:10]
        ),
        spend=Spend(
            orders=spend["n"],
            paid=spend["paid"] or 0,
            refunded=spend["refunded"] or 0,
            first_paid_at=spend["first"],
            last_paid_at=spend["last"],
        ),
        orders=list(
            Order.objects.for_merchant(merchant_id).filter(customer=customer).order_by("-id")[:RECENT_ORDERS]
        ),
        events=list(
            Event.objects.for_merchant(merchant_id)
            .filter(customer=customer)
            .order_by("-occurred_at")[:RECENT_EVENTS]
        ),
        notes=list(
            GuideNote.objects.for_merchant(merchant_id)
            .filter(customer=customer)
            .select_related("staff")
            .order_by("-id")[:RECENT_NOTES]
        ),
    )


@transaction.atomic
def add_note(*, staff: Staff, customer_id: int, body: str, kind: str = NoteKind.CONSULTATION) -> GuideNote:
    """A shopping guide records a 1:1 consultation (or a follow-up) with a customer. Append-only."""
    require(staff, Perm.CUSTOMERS_EDIT)
    text = body.strip()
    if not text or len(text) > NOTE_MAX or kind not in NoteKind.values:
        raise NoteInvalid(detail={"body": f"1 to {NOTE_MAX} characters", "kind": list(NoteKind.values)})
    customer = _customer(staff, customer_id)
    note = GuideNote.objects.create(
        merchant_id=staff.merchant_id, customer=customer, staff=staff, kind=kind, body=text
    )
    record_audit(
        staff=staff, merchant=staff.merchant, action="customer.note", obj=customer, after={"kind": kind}
    )
    return note


def notes(*, staff: Staff, customer_id: int):
    require(staff, Perm.CUSTOMERS_VIEW)
    customer = _customer(staff, customer_id)
    return GuideNote.objects.for_merchant(staff.merchant_id).filter(customer=customer).select_related("staff")
