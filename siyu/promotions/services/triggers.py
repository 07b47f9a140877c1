"""Coupons that go out by themselves: on registration, on following the official account, on sharing.

The first paid order's coupons go out from the order-paid hook (``services/orders.py:use_coupons``).
Follow and share arrive as behaviour events: ``record_events`` sends ``events_stored`` with the
events it stored (a replayed duplicate is not among them, and its bulk insert sends no
``post_save``), in its transaction. A customer gets each trigger's coupon once
(``issue_for_trigger`` uses a claim key per trigger and template); a visitor's event without a
customer issues nothing.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from siyu.events import signals as event_signals
from siyu.events.ingest import EventRow
from siyu.events.models import Event, EventKind
from siyu.members import signals as member_signals
from siyu.members.models import Customer
from siyu.promotions.models import CouponTemplate, CouponTrigger, TemplateStatus
from siyu.promotions.services.coupons import issue_for_trigger

EVENT_TRIGGERS = {EventKind.FOLLOW: CouponTrigger.FOLLOW, EventKind.SHARE: CouponTrigger.SHARE}


@receiver(member_signals.customer_registered, dispatch_uid="promotions.customer_registered")
def _on_register(sender, customer: Customer, **kwargs) -> None:
    issue_for_trigger(customer=customer, trigger=CouponTrigger.REGISTER)


@receiver(event_signals.events_stored, sender=Event, dispatch_uid="promotions.events_stored")
def _on_events(sender: Any, merchant_id: int, events: list[EventRow], **kwargs: Any) -> None:
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
