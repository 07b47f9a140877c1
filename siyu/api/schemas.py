"""Response and request shapes shared by the shop and admin APIs. Money is integer fen."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated

from ninja import Field, Path, Schema
from pydantic import WithJsonSchema, field_validator

# Ids in paths, queries and bodies: positive and within a 63-bit column, so a fuzzer's 10^30 is a 422.
ObjectId = Annotated[int, Field(ge=1, le=2**62)]
# A wall-clock time in the merchant's zone (quiet hours): "22:00:00", no UTC offset. OpenAPI's
# ``format: time`` is RFC 3339's full-time, which requires an offset, so a response without one broke
# its own schema (243 mismatches under schemathesis); this says what is sent and accepted.
LOCAL_TIME_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$"
LocalTime = Annotated[
    time,
    WithJsonSchema(
        {
            "type": "string",
            "format": "partial-time",
            "pattern": LOCAL_TIME_PATTERN,
            "description": "local time without a UTC offset, e.g. 22:00:00",
        }
    ),
]
# The shop's merchant, from the /shop/{merchant}/ prefix (a router prefix is not in the view's path).
MerchantSlug = Annotated[str, Path(..., max_length=64, description="Merchant slug")]


class OkOut(Schema):
    ok: bool = True


class CategoryOut(Schema):
    id: int
    name: str
    parent_id: int | None
    sort_order: int


class SkuOut(Schema):
    id: int
    code: str
    specs: dict[str, str]
    price: int
    list_price: int
    barcode: str
    weight_grams: int
    is_active: bool
    available: int


class ProductOut(Schema):
    id: int
    name: str
    subtitle: str
    category_id: int | None
    selling_points: list[str]
    images: list[str]
    status: str
    sort_order: int
    roles: list[str]
    price_from: int
    skus: list[SkuOut]


class StaffSkuOut(SkuOut):
    cost: int


class StaffProductOut(ProductOut):
    description: str
    detail_html: str  # the 图文详情, as cleaned when saved (siyu/media/richtext.py)
    keywords: str
    skus: list[StaffSkuOut]  # type: ignore[assignment]


class OutletOut(Schema):
    id: int
    code: str
    name: str
    province: str
    city: str
    district: str
    address: str
    phone: str
    opening_hours: dict[str, list[list[str]]]
    supports_pickup: bool
    is_active: bool


REGION_CODE = r"^(\d{6})?$"


class AddressIn(Schema):
    """An address. The region is given as GB/T 2260 codes (the names are then taken from them; a
    district is needed where the city has districts) or as names (their codes are looked up)."""

    recipient: str = Field(..., min_length=1, max_length=32)
    phone: str = Field(..., min_length=5, max_length=20)
    province: str = Field("", max_length=32, description="omit when province_code is given")
    city: str = Field("", max_length=32, description="omit when city_code is given")
    district: str = Field("", max_length=32)
    province_code: str = Field("", pattern=REGION_CODE, description="e.g. 330000")
    city_code: str = Field("", pattern=REGION_CODE, description="e.g. 330100")
    district_code: str = Field("", pattern=REGION_CODE, description="e.g. 330106")
    detail: str = Field(..., min_length=1, max_length=200)
    is_default: bool = False


class AddressOut(Schema):
    id: int
    recipient: str
    phone: str
    province: str
    city: str
    district: str
    province_code: str
    city_code: str
    district_code: str
    detail: str
    is_default: bool


class CustomerOut(Schema):
    id: int
    nickname: str
    avatar_url: str
    gender: str
    birthday: date | None
    province: str
    city: str
    district: str
    phone: str | None
    first_touch_source: str
    registered_at: datetime
    quiet_hours_start: LocalTime | None
    quiet_hours_end: LocalTime | None
    contact_preferences: dict[str, bool]


class ProfileIn(Schema):
    """A partial update: fields left out stay as they are; ``null`` clears a field."""

    nickname: str | None = Field(None, max_length=64)
    avatar_url: str | None = Field(None, max_length=200)
    gender: str | None = Field(None, pattern="^(unknown|male|female)$")
    birthday: date | None = None
    province: str | None = Field(None, max_length=32)
    city: str | None = Field(None, max_length=32)
    district: str | None = Field(None, max_length=32)
    quiet_hours_start: LocalTime | None = Field(None, description="Local time, without a UTC offset")
    quiet_hours_end: LocalTime | None = Field(None, description="Local time, without a UTC offset")

    @field_validator("nickname", "avatar_url", "province", "city", "district")
    @classmethod
    def _null_clears_text(cls, value: str | None) -> str:
        return "" if value is None else value

    @field_validator("gender")
    @classmethod
    def _null_clears_gender(cls, value: str | None) -> str:
        return "unknown" if value is None else value

    @field_validator("quiet_hours_start", "quiet_hours_end")
    @classmethod
    def _local_time(cls, value: time | None) -> time | None:
        if value is not None and value.tzinfo is not None:
            raise ValueError("use a local time without a UTC offset")
        return value


class OrderLineOut(Schema):
    id: int
    sku_id: int
    product_name: str
    sku_code: str
    specs: dict[str, str]
    image: str
    unit_price: int
    quantity: int
    goods_amount: int
    discount_amount: int
    paid_amount: int
    refunded_quantity: int
    refunded_amount: int


class OrderOut(Schema):
    id: int
    number: str
    status: str
    fulfilment: str
    pickup_outlet_id: int | None
    pickup_code: str
    shipping_address: dict[str, str] | None
    goods_amount: int
    discount_amount: int
    shipping_fee: int
    payable_amount: int
    paid_amount: int
    refunded_amount: int
    carrier: str
    tracking_number: str
    note: str
    created_at: datetime
    expires_at: datetime
    paid_at: datetime | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    lines: list[OrderLineOut]


class OrderEventOut(Schema):
    kind: str
    from_status: str
    to_status: str
    actor: str
    data: dict
    created_at: datetime


class StaffOrderOut(OrderOut):
    customer_id: int
    customer_nickname: str
    cancel_reason: str
    source: str
    events: list[OrderEventOut]


class AfterSaleLineOut(Schema):
    order_line_id: int
    quantity: int
    amount: int


class AfterSaleOut(Schema):
    id: int
    number: str
    order_id: int
    kind: str
    status: str
    reason: str
    description: str
    amount: int
    return_carrier: str
    return_tracking_number: str
    review_note: str
    created_at: datetime
    lines: list[AfterSaleLineOut]
