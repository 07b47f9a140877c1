"""Coupons that go out by themselves: on registration, on following the official account, on sharing.

The first paid order's coupons go out from the order-paid hook (``services/orders.py:use_coupons``).
A registration reaches the coupons through the customer hooks (position 40 in
``siyu/members/hooks.py``), run by the login that created the customer. Follow and share arrive
as behaviour events: ``record_events`` runs the ``events_stored`` hooks (position 40 in
``siyu/events/event_hooks.py``) with the events it stored (a replayed duplicate is not among them),
in its transaction. A customer gets each trigger's coupon once (``issue_for_trigger`` uses a claim
key per trigger and template); a visitor's event without a customer issues nothing.
"""

from __future__ import annotations

from siyu.events.event_hooks import EventHooks
from siyu.events.ingest import EventRow
from siyu.events.models import EventKind
from siyu.members.hooks import CustomerHooks
from siyu.members.models import Customer
from siyu.promotions.models import CouponTemplate, CouponTrigger, TemplateStatus
from siyu.promotions.services.coupons import issue_for_trigger

EVENT_TRIGGERS = {EventKind.FOLLOW: CouponTrigger.FOLLOW, EventKind.SHARE: CouponTrigger.SHARE}


class RegisterTriggerHooks(CustomerHooks):
    """Issue the registration coupons."""

    def on_registered(self, customer: Customer) -> None:
        issue_for_trigger(customer=customer, trigger=CouponTrigger.REGISTER)


class EventTriggerHooks(EventHooks):
    """Issue the follow and share coupons."""

    def on_events_stored(self, merchant_id: int, events: list[EventRow]) -> None:
        """Issue the follow/share coupons of the customers whose follow/share events were just stored."""
        wanted = sorted(
            {
                (r.customer_id, EVENT_TRIGGERS[EventKind(r.kind)])
                for r in events
                if r.kind in EVENT_TRIGGERS and r.customer_id is not None
            }
        )
        if not wanted:
            return
        triggers = {t for _c, t in wanted}
        live = CouponTemplate.objects.for_merchant(merchant_id).filter(status=TemplateStatus.ACTIVE)
        if not any(set(t or []) & triggers for t in live.values_list("triggers", flat=True)):
            return  # no template goes out on these triggers: no customer to load
        customers = Customer.objects.for_merchant(merchant_id).in_bulk([c for c, _t in wanted])
        for customer_id, trigger in wanted:
            customer = customers.get(customer_id)
            if customer is not None:
                issue_for_trigger(customer=customer, trigger=trigger)
