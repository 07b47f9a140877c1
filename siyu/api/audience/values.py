"""Customer value models over HTTP (staff only), under /api/v1/admin/values/.

The distributions per RFM class, lifecycle stage, value tier and ladder rung; one customer's value
row; the merchant's thresholds (read, change); and a full recompute on demand (queued as a task).
Reads need customers.view or analytics.view; changes need customers.edit.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from ninja import Field, Router, Schema

from siyu.api.auth import StaffRequest, staff_auth
from siyu.api.errors import ErrorOut
from siyu.api.schemas import ObjectId
from siyu.audience.values import selectors, services
from siyu.audience.values.models import CustomerValue
from siyu.members.scope import visible_customer

admin_router = Router(tags=["admin: customer values"], auth=staff_auth)
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class ValueCountOut(Schema):
    key: str
    label: str
    customers: int


class ValueRungOut(Schema):
    rung: int = Field(..., description="Paid orders: 0, 1, 2, or 3 for three or more")
    customers: int


class ValueDistributionOut(Schema):
    customers: int
    buyers: int
    semi_private: int
    rfm_classes: list[ValueCountOut]
    lifecycle_stages: list[ValueCountOut]
    value_tiers: list[ValueCountOut]
    loyalty_rungs: list[ValueRungOut]
    computed_at: datetime | None
    cycle_days: int | None
    cycle_source: str | None


class CustomerValueOut(Schema):
    customer_id: int
    order_count: int
    paid_total: int
    first_order_at: datetime | None
    last_order_at: datetime | None
    recency_days: int | None
    r_score: int
    f_score: int
    m_score: int
    rfm_class: str
    lifecycle_stage: str
    value_tier: str
    last_engaged_at: datetime | None
    is_semi_private: bool
    loyalty_rung: int
    favourite_category_id: int | None
    discount_order_share_bp: int
    coupon_use_share_bp: int
    preferred_hour: int | None
    computed_at: datetime | None = Field(..., description="None: not computed yet (the defaults)")


class ValueSettingsOut(Schema):
    cycle_days_fixed: int | None
    cycle_window_days: int
    cycle_min_customers: int
    cycle_default_days: int
    cycle_floor_days: int
    cycle_ceiling_days: int
    dormancy_cycles: Decimal
    churn_cycles: Decimal
    growth_orders: int
    maturity_orders: int
    new_customer_days: int
    active_days: int
    die_hard_orders: int
    die_hard_spend: int
    rfm_rule: str
    rfm_min_score: int
    preference_window_days: int
    discount_window_days: int
    contact_window_days: int


class ValueSettingsPatch(Schema):
    """Only the fields sent change; the service checks ranges and that churn comes after dormancy."""

    cycle_days_fixed: int | None = Field(None, ge=1, le=3650)
    cycle_window_days: int | None = Field(None, ge=30, le=3650)
    cycle_min_customers: int | None = Field(None, ge=1, le=1_000_000)
    cycle_default_days: int | None = Field(None, ge=1, le=3650)
    cycle_floor_days: int | None = Field(None, ge=1, le=3650)
    cycle_ceiling_days: int | None = Field(None, ge=1, le=3650)
    dormancy_cycles: Decimal | None = Field(None, ge=Decimal("0.5"), le=Decimal("50"), decimal_places=1)
    churn_cycles: Decimal | None = Field(None, ge=Decimal("0.5"), le=Decimal("100"), decimal_places=1)
    growth_orders: int | None = Field(None, ge=2, le=100)
    maturity_orders: int | None = Field(None, ge=2, le=100)
    new_customer_days: int | None = Field(None, ge=1, le=3650)
    active_days: int | None = Field(None, ge=1, le=3650)
    die_hard_orders: int | None = Field(None, ge=1, le=10_000)
    die_hard_spend: int | None = Field(None, ge=0, le=10**12)
    rfm_rule: Literal["above_mean", "at_least"] | None = None
    rfm_min_score: int | None = Field(None, ge=1, le=5)
    preference_window_days: int | None = Field(None, ge=1, le=3650)
    discount_window_days: int | None = Field(None, ge=1, le=3650)
    contact_window_days: int | None = Field(None, ge=1, le=3650)


class ValueRecomputeOut(Schema):
    queued: bool


def customer_value_dict(row: CustomerValue) -> dict[str, Any]:
    return {name: getattr(row, name) for name in CustomerValueOut.model_fields}


@admin_router.get("/values/distribution", response={200: ValueDistributionOut, **ERRORS})
def get_distribution(request: StaffRequest):
    """Customers per RFM class, lifecycle stage, value tier and loyalty-ladder rung."""
    selectors.require_value_reader(request.staff)
    return selectors.distribution(request.staff.merchant_id)


@admin_router.get("/values/customers/{customer_id}", response={200: CustomerValueOut, **ERRORS})
def get_customer_value(request: StaffRequest, customer_id: ObjectId):
    """One customer's value row (the defaults, with computed_at null, before the first recompute)."""
    selectors.require_value_reader(request.staff)
    visible_customer(request.staff, customer_id)  # another guide's customer is a 404
    row = selectors.customer_value(merchant_id=request.staff.merchant_id, customer_id=customer_id)
    return customer_value_dict(row)


@admin_router.get("/values/settings", response={200: ValueSettingsOut, **ERRORS})
def get_settings(request: StaffRequest):
    selectors.require_value_reader(request.staff)
    return services.settings_dict(services.settings_for(request.staff.merchant_id))


@admin_router.patch("/values/settings", response={200: ValueSettingsOut, **ERRORS})
def patch_settings(request: StaffRequest, payload: ValueSettingsPatch):
    """Change thresholds; they apply from the next recompute (queue one to see them at once)."""
    changes = payload.model_dump(exclude_unset=True)
    nullable = {"cycle_days_fixed"}
    changes = {k: v for k, v in changes.items() if v is not None or k in nullable}
    settings = services.update_settings(staff=request.staff, **changes)
    return services.settings_dict(settings)


@admin_router.post("/values/recompute", response={202: ValueRecomputeOut, **ERRORS})
def recompute(request: StaffRequest):
    """Queue a full recompute of the merchant's value rows."""
    services.request_recompute(staff=request.staff)
    return 202, {"queued": True}
