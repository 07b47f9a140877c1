"""The demo's planned orders run through the services, then moved to their time (see ``demo_data``).

The services stamp "now": each plan is placed, paid, shipped, delivered and taken through its
after-sale by the service a customer, staff member or the worker would call, then its rows (the
order, its events, stock movements, payments, ledgers, audit entries) get the planned moments.
Shipping dates are moved before the worker's auto-confirm runs, since it reads them.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db.models import Case, DateTimeField, Value, When
from django.utils import timezone

from siyu.inventory.models import MovementKind, StockMovement
from siyu.members.loyalty.models import GrowthEntry, GrowthKind, PointsEntry, PointsKind
from siyu.members.models import Customer
from siyu.orders.gateways.sandbox import SandboxGateway
from siyu.orders.models import (
    AfterSale,
    Fulfilment,
    Order,
    OrderEvent,
    OrderStatus,
    Payment,
    PaymentNotification,
    Refund,
)
from siyu.orders.services import aftersales, checkout, lifecycle, payments
from siyu.promotions.models import Coupon
from siyu.simulate.demo_plans import AfterSalePlan, OrderPlan
from siyu.simulate.demo_tables import CARRIERS
from siyu.tenancy.models import AuditEntry, Merchant, Role

if TYPE_CHECKING:
    from siyu.simulate.demo_builder import DemoBuilder


class DemoHistory:
    """Runs one demo build's order plans; it shares the builder's seed, clock and staff."""

    def __init__(self, builder: DemoBuilder) -> None:
        self.b = builder
        self.rng: random.Random = builder.rng
        self.gateway = SandboxGateway()

    @property
    def merchant(self) -> Merchant:
        return self.b.merchant

    @property
    def now(self) -> datetime:
        return self.b.now

    def run_checkout_and_fulfilment(self, plans: list[OrderPlan], *, first_key: int = 1) -> None:
        operator, manager = self.b.staff[Role.OPERATOR], self.b.staff[Role.OUTLET_MANAGER]
        for key, plan in enumerate(plans, start=first_key):
            customer = plan.buyer.customer
            request = checkout.CheckoutRequest(
                lines=[checkout.LineRequest(sku_id, qty) for sku_id, qty in plan.lines],
                fulfilment=Fulfilment.PICKUP if plan.outlet else Fulfilment.DELIVERY,
                address_id=plan.address_id,
                pickup_outlet_id=plan.outlet.pk if plan.outlet else None,
                note=plan.note,
                source=plan.source,
                coupon_ids=plan.coupon_ids,
                add_ons=plan.add_ons,
                points=plan.points,
            )
            order, _created = checkout.place_order(
                customer=customer, request=request, idempotency_key=f"demo-order-{key}"
            )
            plan.order = order
            if plan.payment_started is not None:
                plan.payment_number = self.pay(customer, order, settle=self.b.due(plan.paid))
            if self.b.due(plan.cancelled):
                actor = None if plan.cancel_reason == "payment_timeout" else customer
                lifecycle.cancel_order(order=order, actor=actor, reason=plan.cancel_reason)
                for sku_id, qty in plan.lines:
                    self.b.available[(sku_id, plan.outlet.pk if plan.outlet else None)] += qty
            if self.b.due(plan.shipped):
                carrier, prefix, digits = self.rng.choice(CARRIERS)
                tracking = prefix + "".join(str(self.rng.randrange(10)) for _ in range(digits))
                lifecycle.ship_order(
                    staff=operator, order_id=order.pk, carrier=carrier, tracking_number=tracking
                )
            if plan.delivered_by == "customer" and self.b.due(plan.delivered):
                lifecycle.confirm_receipt(customer=customer, order_id=order.pk)
            if plan.delivered_by == "pickup" and self.b.due(plan.delivered):
                order.refresh_from_db(fields=["pickup_code"])
                verifier = manager if plan.outlet and plan.outlet.code == "SH-XTD" else operator
                lifecycle.verify_pickup(staff=verifier, code=order.pickup_code)

    def run_recent_plans(self, plans: list[OrderPlan], *, first_key: int) -> None:
        """Orders of the last days (nothing the worker would do is due yet): place, pay, ship and
        deliver them through the services, then move them to their time."""
        self.run_checkout_and_fulfilment(plans, first_key=first_key)
        self.backdate_shipping(plans)
        self.backdate_orders(plans)

    def pay(self, customer: Customer, order: Order, *, settle: bool = True) -> str:
        """Open the order's sandbox payment and, with ``settle``, land its signed notification."""
        started = payments.start_payment(customer=customer, order_id=order.pk, gateway=self.gateway.name)
        if settle:
            body, headers = self.gateway.build_notification(
                payment_number=started.payment.number, amount=started.payment.amount
            )
            payments.receive_notification(gateway=self.gateway.name, body=body, headers=headers)
        return started.payment.number

    def backdate_shipping(self, plans: list[OrderPlan]) -> None:
        """Shipping dates must be in the past before the auto-confirm service can act on them."""
        for plan in plans:
            if plan.order is not None and self.b.due(plan.shipped):
                Order.objects.filter(pk=plan.order.pk).update(shipped_at=plan.shipped)

    def run_after_sales(self, plans: list[OrderPlan]) -> None:
        service = self.b.staff[Role.SERVICE]
        for plan in plans:
            spec, order = plan.after_sale, plan.order
            if spec is None or order is None or not self.b.due(spec.requested):
                continue
            customer = plan.buyer.customer
            lines = None
            if spec.partial:
                line = self.rng.choice(list(order.lines.order_by("id")))
                lines = [aftersales.AfterSaleLineRequest(line.pk, 1)]
            after_sale = aftersales.request_after_sale(
                customer=customer, order_id=order.pk, kind=spec.kind, reason=spec.reason, lines=lines
            )
            plan.after_sale_id = after_sale.pk
            if self.b.due(spec.rejected):
                aftersales.reject_after_sale(staff=service, after_sale_id=after_sale.pk, note=spec.note)
            if self.b.due(spec.approved):
                aftersales.approve_after_sale(staff=service, after_sale_id=after_sale.pk, note="同意")
            if self.b.due(spec.return_shipped):
                carrier, prefix, digits = self.rng.choice(CARRIERS)
                tracking = prefix + "".join(str(self.rng.randrange(10)) for _ in range(digits))
                aftersales.submit_return_shipment(
                    customer=customer, after_sale_id=after_sale.pk, carrier=carrier, tracking_number=tracking
                )
            if self.b.due(spec.returned):
                aftersales.confirm_goods_returned(staff=service, after_sale_id=after_sale.pk)

    # --- moving the history into the past ----------------------------------------------------------

    def backdate_orders(self, plans: list[OrderPlan]) -> None:
        for plan in plans:
            order = plan.order
            assert order is not None
            order.refresh_from_db(fields=["status", "number"])
            spec = plan.after_sale if plan.after_sale_id else None
            refund_at = spec.refund_at if spec and self.b.due(spec.refund_at) else None
            stamps = {
                "created_at": plan.created,
                "expires_at": plan.created + timedelta(minutes=self.merchant.payment_timeout_minutes),
                # The number carries the local date it was placed on, like a real one.
                "number": order.number[:1]
                + f"{timezone.localtime(plan.created, self.b.tz):%y%m%d}"
                + order.number[7:],
            }
            for name in ("paid", "cancelled", "shipped", "delivered"):
                if self.b.due(getattr(plan, name)):
                    stamps[f"{name}_at"] = getattr(plan, name)
            if order.status == OrderStatus.CLOSED and refund_at:
                stamps["closed_at"] = refund_at
            Order.objects.filter(pk=order.pk).update(**stamps)

            event_times = {
                "created": plan.created,
                "payment_started": plan.payment_started,
                "paid": plan.paid,
                "cancelled": plan.cancelled,
                "shipped": plan.shipped,
                "receipt_confirmed": plan.delivered,
                "receipt_auto_confirmed": plan.delivered,
                "picked_up": plan.delivered,
            }
            movement_times: dict[str, datetime | None] = {
                MovementKind.RESERVE: plan.created,
                MovementKind.DEDUCT: plan.paid,
                MovementKind.RELEASE: plan.cancelled,
            }
            if spec is not None:
                event_times.update(
                    after_sale_requested=spec.requested,
                    after_sale_rejected=spec.rejected,
                    refunded=refund_at,
                    closed=refund_at,
                )
                movement_times[MovementKind.RETURN] = refund_at
                self._backdate_after_sale(plan, spec, refund_at)
            _update_times(OrderEvent.objects.filter(order_id=order.pk), "kind", event_times)
            _update_times(
                StockMovement.objects.filter(merchant=self.merchant, order_id=order.pk),
                "kind",
                movement_times,
            )
            _update_times(
                AuditEntry.objects.filter(object_type="orders.order", object_id=str(order.pk)),
                "action",
                {"order.ship": plan.shipped, "order.verify_pickup": plan.delivered},
            )
            # What the order earned, spent and gave back on the member's ledgers, when it happened.
            ledger_times: dict[str, datetime | None] = {
                PointsKind.REDEEM: plan.created,
                PointsKind.EARN: plan.paid,
                PointsKind.REDEEM_RETURN: plan.cancelled or refund_at,
                PointsKind.REFUND_REVERSE: refund_at,
            }
            _update_times(PointsEntry.objects.filter(order_id=order.pk), "kind", ledger_times)
            _update_times(
                GrowthEntry.objects.filter(order_id=order.pk),
                "kind",
                {GrowthKind.ORDER: plan.paid, GrowthKind.REFUND_REVERSE: refund_at},
            )
            if self.b.due(plan.paid):
                Coupon.objects.filter(order_id=order.pk).update(used_at=plan.paid)
            if plan.payment_number:
                Payment.objects.filter(number=plan.payment_number).update(created_at=plan.payment_started)
                if self.b.due(plan.paid):
                    Payment.objects.filter(number=plan.payment_number).update(succeeded_at=plan.paid)
                    PaymentNotification.objects.filter(payment_number=plan.payment_number).update(
                        received_at=plan.paid
                    )

    def _backdate_after_sale(self, plan: OrderPlan, spec: AfterSalePlan, refund_at: datetime | None) -> None:
        stamps = {"created_at": spec.requested}
        for name in ("approved", "rejected", "returned"):
            if self.b.due(getattr(spec, name)):
                stamps[f"{name}_at"] = getattr(spec, name)
        if refund_at:
            stamps["refunded_at"] = refund_at
            Refund.objects.filter(after_sale_id=plan.after_sale_id).update(
                created_at=refund_at, succeeded_at=refund_at
            )
        AfterSale.objects.filter(pk=plan.after_sale_id or 0).update(**stamps)
        _update_times(
            AuditEntry.objects.filter(object_type="orders.aftersale", object_id=str(plan.after_sale_id)),
            "action",
            {
                "aftersale.approve": spec.approved,
                "aftersale.reject": spec.rejected,
                "aftersale.goods_returned": spec.returned,
            },
        )

    def backdate_completions(self) -> None:
        """The worker completes an order within ten minutes of its after-sale window closing."""
        window = timedelta(days=self.merchant.after_sale_window_days)
        completed = Order.objects.for_merchant(self.merchant).filter(status=OrderStatus.COMPLETED)
        for order_id, delivered in completed.values_list("id", "delivered_at"):
            assert delivered is not None  # completed orders were delivered first
            when = min(delivered + window + timedelta(minutes=self.rng.uniform(0, 10)), self.now)
            Order.objects.filter(pk=order_id).update(completed_at=when)
            OrderEvent.objects.filter(order_id=order_id, kind="completed").update(created_at=when)


def _update_times(queryset, key: str, times: Mapping[str, datetime | None]) -> None:
    """Set ``created_at`` of each row from its kind (or action), in one UPDATE."""
    known = {name: moment for name, moment in times.items() if moment is not None}
    if known:
        whens = [When(**{key: name}, then=Value(moment)) for name, moment in known.items()]
        queryset.filter(**{f"{key}__in": list(known)}).update(
            created_at=Case(*whens, output_field=DateTimeField())
        )
