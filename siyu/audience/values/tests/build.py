"""Hand-built merchant histories for the value-model tests: every row written directly, at times
relative to one fixed ``now``, so each class, stage and tier is known by construction."""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from siyu.catalog.models import Category, Product, Sku
from siyu.events.models import Event
from siyu.members.models import Customer
from siyu.orders.models import Order, OrderLine, OrderStatus
from siyu.promotions.models import Coupon, CouponTemplate
from siyu.tenancy.models import Merchant

SHANGHAI = ZoneInfo("Asia/Shanghai")
_numbers = itertools.count(1)


def fixed_now() -> datetime:
    """Today at 12:00 in Shanghai: near the real date (event partitions exist), same hour every run."""
    return timezone.now().astimezone(SHANGHAI).replace(hour=12, minute=0, second=0, microsecond=0)


class Shop:
    """One merchant's history, written row by row."""

    def __init__(self, merchant: Merchant, now: datetime) -> None:
        self.merchant = merchant
        self.now = now
        self.categories: dict[str, Category] = {}
        self.skus: dict[str, Sku] = {}

    def at(self, days_ago: float, hour: int | None = None) -> datetime:
        moment = self.now - timedelta(days=days_ago)
        if hour is not None:
            moment = moment.astimezone(SHANGHAI).replace(hour=hour, minute=0, second=0, microsecond=0)
        return moment

    def customer(self, name: str, *, registered_days_ago: float = 400) -> Customer:
        return Customer.objects.create(
            merchant=self.merchant, nickname=name, registered_at=self.at(registered_days_ago)
        )

    def sku(self, category: str) -> Sku:
        if category not in self.skus:
            cat = Category.objects.create(merchant=self.merchant, name=category)
            product = Product.objects.create(merchant=self.merchant, name=f"{category} item", category=cat)
            self.categories[category] = cat
            self.skus[category] = Sku.objects.create(
                merchant=self.merchant, product=product, code=f"{category}-{next(_numbers)}", price=1000
            )
        return self.skus[category]

    def order(
        self,
        customer: Customer,
        days_ago: float,
        amount: int = 10_000,
        *,
        discount: int = 0,
        refunded: int = 0,
        status: str = OrderStatus.COMPLETED,
        category: str = "tea",
        quantity: int = 1,
        hour: int | None = None,
        paid: bool = True,
    ) -> Order:
        paid_at = self.at(days_ago, hour) if paid else None
        order = Order.objects.create(
            merchant=self.merchant,
            number=f"T{next(_numbers):08d}",
            customer=customer,
            status=status if paid else OrderStatus.PENDING_PAYMENT,
            goods_amount=amount + discount,
            discount_amount=discount,
            payable_amount=amount,
            paid_amount=amount if paid else 0,
            refunded_amount=refunded,
            expires_at=self.at(days_ago),
            paid_at=paid_at,
        )
        sku = self.sku(category)
        OrderLine.objects.create(
            merchant=self.merchant,
            order=order,
            sku=sku,
            product_id_snapshot=sku.product_id,
            product_name=sku.product.name,
            sku_code=sku.code,
            unit_price=(amount + discount) // quantity,
            quantity=quantity,
            goods_amount=amount + discount,
            discount_amount=discount,
            paid_amount=amount,
            refunded_amount=refunded,
        )
        return order

    def event(self, customer: Customer, kind: str, days_ago: float, *, hour: int | None = None) -> Event:
        return Event.objects.create(
            merchant=self.merchant,
            event_id=uuid.uuid4(),
            kind=kind,
            customer=customer,
            occurred_at=self.at(days_ago, hour),
        )

    def coupons(self, customer: Customer, *statuses: str, days_ago: float = 10) -> list[Coupon]:
        template = CouponTemplate.objects.filter(merchant=self.merchant).first()
        if template is None:
            template = CouponTemplate.objects.create(
                merchant=self.merchant, title="10 off", kind="amount", amount=1000
            )
        made = [
            Coupon.objects.create(
                merchant=self.merchant, template=template, customer=customer, status=s, source="staff"
            )
            for s in statuses
        ]
        # claimed_at is set on insert: move it to the intended time.
        Coupon.objects.filter(pk__in=[c.pk for c in made]).update(claimed_at=self.at(days_ago))
        return made
