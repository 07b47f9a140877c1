"""Rows for the audience tests, written straight to the tables (the rules read tables, not services)."""

from __future__ import annotations

import datetime as dt
import uuid
from itertools import count
from typing import Any

from siyu.audience.values.models import CustomerValue
from siyu.catalog.models import Category, Product, Sku
from siyu.events.models import Event
from siyu.members.models import ContactPreference, Customer, CustomerIdentity
from siyu.orders.models import Order, OrderLine
from siyu.promotions.models import Coupon, CouponTemplate
from siyu.tenancy.models import Merchant

NOW = dt.datetime(2025, 6, 15, 4, 0, tzinfo=dt.UTC)  # 12:00 in Shanghai
_seq = count(1)


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
