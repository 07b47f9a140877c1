"""Rows written straight to the tables, for tests of code that reads tables rather than services
(the audience rules, the value models): every field known by construction, at times relative to a
fixed now.

The functions (``customer``, ``order``, ``event``...) write the audience tests' rows around ``NOW``;
``Shop`` writes one merchant's history day by day before a ``now`` of its own (``fixed_now()``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from siyu.audience.values.models import CustomerValue
from siyu.catalog.models import Category, Product, Sku
from siyu.events.models import Event
from siyu.members.models import ContactPreference, Customer, CustomerIdentity
from siyu.orders.models import Order, OrderLine, OrderStatus
from siyu.promotions.models import Coupon, CouponTemplate
from siyu.tenancy.models import Merchant

NOW = dt.datetime(2025, 6, 15, 4, 0, tzinfo=dt.UTC)  # 12:00 in Shanghai
_seq = itertools.count(1)


def customer(merchant: Merchant, **fields: Any) -> Customer:
    fields.setdefault("registered_at", NOW - dt.timedelta(days=100))
    fields.setdefault("nickname", f"c{next(_seq)}")
    return Customer.objects.create(merchant=merchant, **fields)


def value(c: Customer, **fields: Any) -> CustomerValue:
    fields.setdefault("computed_at", NOW)
    return CustomerValue.objects.create(merchant_id=c.merchant_id, customer=c, **fields)


def catalogue(merchant: Merchant) -> dict[str, Any]:
    """Tea > Green tea > Longjing; one product in each, and one without a category; a SKU each."""
    tea = Category.objects.create(merchant=merchant, name="Tea")
    green = Category.objects.create(merchant=merchant, name="Green", parent=tea)
    longjing = Category.objects.create(merchant=merchant, name="Longjing", parent=green)
    other = Category.objects.create(merchant=merchant, name="Teaware")
    products = {}
    for key, cat in (("tea", tea), ("green", green), ("longjing", longjing), ("cup", other), ("loose", None)):
        p = Product.objects.create(merchant=merchant, name=key, category=cat, status="on_sale")
        Sku.objects.create(merchant=merchant, product=p, code=f"{merchant.slug}-{key}", price=1000)
        products[key] = p
    return {
        "categories": {"tea": tea, "green": green, "longjing": longjing, "cup": other},
        "products": products,
    }


def order(
    c: Customer,
    products: list[Product],
    *,
    paid_at: dt.datetime | None = None,
    status: str = "paid",
    amount: int = 1000,
    refunded: int = 0,
) -> Order:
    """An order with one line per product; ``amount`` fen paid per line, ``refunded`` off the first."""
    n = next(_seq)
    total = amount * len(products)
    o = Order.objects.create(
        merchant_id=c.merchant_id,
        number=f"T{n:010d}",
        customer=c,
        status=status,
        goods_amount=total,
        payable_amount=total,
        paid_amount=total if paid_at else 0,
        refunded_amount=refunded,
        expires_at=(paid_at or NOW) + dt.timedelta(minutes=30),
        paid_at=paid_at,
    )
    for i, p in enumerate(products):
        sku = Sku.objects.filter(product=p).first()
        assert sku is not None
        OrderLine.objects.create(
            merchant_id=c.merchant_id,
            order=o,
            sku=sku,
            product_id_snapshot=p.pk,
            product_name=p.name,
            sku_code=sku.code,
            unit_price=amount,
            quantity=1,
            goods_amount=amount,
            paid_amount=amount if paid_at else 0,
            refunded_amount=refunded if i == 0 else 0,
        )
    return o


def event(
    c: Customer | None, kind: str, at: dt.datetime, merchant: Merchant | None = None, **fields: Any
) -> Event:
    merchant_id = merchant.pk if merchant else c.merchant_id  # type: ignore[union-attr]
    return Event.objects.create(
        merchant_id=merchant_id,
        event_id=uuid.uuid4(),
        kind=kind,
        customer=c,
        anonymous_id="" if c else "anon-1",
        occurred_at=at,
        **fields,
    )


def template(merchant: Merchant, **fields: Any) -> CouponTemplate:
    fields.setdefault("title", f"coupon {next(_seq)}")
    fields.setdefault("kind", "amount")
    fields.setdefault("amount", 500)
    fields.setdefault("valid_until", NOW + dt.timedelta(days=365))
    return CouponTemplate.objects.create(merchant=merchant, **fields)


def coupon(c: Customer, t: CouponTemplate, status: str = "unused", **fields: Any) -> Coupon:
    row = Coupon.objects.create(
        merchant_id=c.merchant_id, customer=c, template=t, status=status, source="staff", **fields
    )
    if "claimed_at" in fields:  # auto_now_add ignores the given time
        Coupon.objects.filter(pk=row.pk).update(claimed_at=fields["claimed_at"])
    return row


def identity(c: Customer, kind: str) -> CustomerIdentity:
    return CustomerIdentity.objects.create(
        merchant_id=c.merchant_id, customer=c, kind=kind, value=f"{kind}-{c.pk}"
    )


def consent(c: Customer, channel: str, opted_in: bool = True) -> ContactPreference:
    return ContactPreference.objects.create(
        merchant_id=c.merchant_id, customer=c, channel=channel, opted_in=opted_in
    )


# One merchant's history, for the value models ----------------------------------------------------

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
