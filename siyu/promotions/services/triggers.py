"""Coupons that go out by themselves: on registration, on following the official account, on sharing.

The first paid order's coupons go out from the order-paid receiver (``services/orders.py``).
Follow and share arrive as behaviour events; a customer gets each trigger's coupon once
(``issue_for_trigger`` uses a claim key per trigger and template).
"""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from siyu.events.models import Event, EventKind
from siyu.members import signals as member_signals
from siyu.members.models import Customer
from siyu.promotions.models import CouponTrigger
from siyu.promotions.services.coupons import issue_for_trigger

EVENT_TRIGGERS = {EventKind.FOLLOW: CouponTrigger.FOLLOW, EventKind.SHARE: CouponTrigger.SHARE}


@receiver(member_signals.customer_registered, dispatch_uid="promotions.customer_registered")
def _on_register(sender, customer: Customer, **kwargs) -> None:
    issue_for_trigger(customer=customer, trigger=CouponTrigger.REGISTER)


@receiver(post_save, sender=Event, dispatch_uid="promotions.event_saved")
def _on_event(sender, instance: Event, created: bool, **kwargs) -> None:
    trigger = EVENT_TRIGGERS.get(instance.kind)  # type: ignore[call-overload]
    if created and trigger is not None and instance.customer is not None:
        issue_for_trigger(customer=instance.customer, trigger=trigger)
