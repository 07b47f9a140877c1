"""Turning models into the API's shapes, without a query per row (callers prefetch)."""

from __future__ import annotations

from siyu.catalog.models import Product
from siyu.catalog.selectors import sku_available
from siyu.members.models import Customer
from siyu.orders.models import AfterSale, Order


def product_dict(product: Product, *, staff: bool = False, active_only: bool = True) -> dict:
    skus = [s for s in product.skus.all() if s.is_active or not active_only]
    sku_rows = []
    for s in skus:
        row = {
            "id": s.pk,
            "code": s.code,
            "specs": s.specs,
            "price": s.price,
            "list_price": s.list_price,
            "barcode": s.barcode,
            "weight_grams": s.weight_grams,
            "is_active": s.is_active,
            "available": sku_available(s),
        }
        if staff:
            row["cost"] = s.cost
        sku_rows.append(row)
    data = {
        "id": product.pk,
        "name": product.name,
        "subtitle": product.subtitle,
        "category_id": product.category_id,
        "selling_points": product.selling_points,
        "images": product.images,
        "status": product.status,
        "sort_order": product.sort_order,
        "roles": sorted(r.role for r in product.role_rows.all()),
        "price_from": min((s.price for s in skus if s.is_active), default=0),
        "skus": sku_rows,
    }
    if staff:
        data["description"] = product.description
        data["detail_html"] = product.detail_html
        data["keywords"] = product.keywords
    return data


def customer_dict(customer: Customer) -> dict:
    fields = [
        "id",
        "nickname",
        "avatar_url",
        "gender",
        "birthday",
        "province",
        "city",
        "district",
        "phone",
        "first_touch_source",
        "registered_at",
        "quiet_hours_start",
        "quiet_hours_end",
    ]
    data = {f: getattr(customer, f) for f in fields}
    data["contact_preferences"] = {p.channel: p.opted_in for p in customer.contact_preferences.all()}
    return data


ORDER_FIELDS = [
    "id",
    "number",
    "status",
    "fulfilment",
    "pickup_outlet_id",
    "pickup_code",
    "shipping_address",
    "goods_amount",
    "discount_amount",
    "shipping_fee",
    "payable_amount",
    "paid_amount",
    "refunded_amount",
    "carrier",
    "tracking_number",
    "note",
    "created_at",
    "expires_at",
    "paid_at",
    "shipped_at",
    "delivered_at",
    "completed_at",
    "cancelled_at",
]


def order_dict(order: Order, *, staff: bool = False) -> dict:
    data = {f: getattr(order, f) for f in ORDER_FIELDS}
    if not staff and order.status != "paid":
        data["pickup_code"] = ""  # only shown while it can be used
    data["lines"] = list(order.lines.all())
    if staff:
        data["customer_id"] = order.customer_id
        data["customer_nickname"] = order.customer.nickname
        data["cancel_reason"] = order.cancel_reason
        data["source"] = order.source
        data["events"] = list(order.events.all())
    return data


def after_sale_dict(after_sale: AfterSale) -> dict:
    fields = [
        "id",
        "number",
        "order_id",
        "kind",
        "status",
        "reason",
        "description",
        "amount",
        "return_carrier",
        "return_tracking_number",
        "review_note",
        "created_at",
    ]
    data = {f: getattr(after_sale, f) for f in fields}
    data["lines"] = list(after_sale.lines.all())
    return data
