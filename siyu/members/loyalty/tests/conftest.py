"""Membership fixtures: a programme with known rules, three tiers, and buying helpers."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db.models import Sum

from siyu.members.loyalty.models import LoyaltySettings, Membership, MemberTier, PointsEntry
from siyu.members.loyalty.services import admin
from siyu.members.models import Address, Customer
from siyu.orders.models import Order
from siyu.orders.services import checkout
from siyu.orders.tests.flows import pay


@pytest.fixture
def program(owner) -> LoyaltySettings:
    """1 point and 1 growth per ¥1 paid; 100 points pay ¥1, at most half the goods, whole yuan only."""
    return admin.update_settings(
        staff=owner,
        earn_points_per_yuan=1,
        growth_per_yuan=1,
        redeem_points_per_yuan=100,
        redeem_max_share_bp=5_000,
        redeem_step_fen=100,
        points_valid_days=365,
        check_in_points=1,
        check_in_growth=1,
    )


@pytest.fixture
def tiers(owner, program) -> dict[str, MemberTier]:
    """silver from 0; gold from 1000 (9折, free shipping, 1.5x points, keep 200); diamond from 5000."""
    return {
        "silver": admin.create_tier(staff=owner, code="silver", name="银卡", rank=0, growth_threshold=0),
        "gold": admin.create_tier(
            staff=owner,
            code="gold",
            name="金卡",
            rank=1,
            growth_threshold=1000,
            keep_threshold=200,
            discount_bp=9_000,
            free_shipping=True,
            points_multiplier_bp=15_000,
        ),
        "diamond": admin.create_tier(
            staff=owner, code="diamond", name="钻石卡", rank=2, growth_threshold=5000, keep_threshold=1000
        ),
    }


@pytest.fixture
def order_for(address) -> Callable[..., Order]:
    """Place (and by default pay) an order of ``[(sku id, qty)]`` for ``customer``."""

    def make(
        customer: Customer,
        lines: list[tuple[int, int]],
        *,
        points: int = 0,
        paid: bool = True,
        to: Address | None = None,
    ) -> Order:
        request = checkout.CheckoutRequest(
            lines=[checkout.LineRequest(sku_id, qty) for sku_id, qty in lines],
            address_id=(to or address).pk,
            points=points,
        )
        order, _created = checkout.place_order(customer=customer, request=request)
        return pay(customer, order) if paid else order

    return make


def give_points(owner, customer: Customer, points: int, reason: str = "test") -> None:
    admin.adjust_points(staff=owner, customer_id=customer.pk, delta=points, reason=reason)


def balance(customer: Customer) -> int:
    row = Membership.objects.filter(customer=customer).first()
    return row.points_balance if row else 0


def ledger_sum(customer: Customer) -> int:
    return PointsEntry.objects.filter(customer=customer).aggregate(s=Sum("delta"))["s"] or 0


def entries(customer: Customer) -> list[tuple[str, int, int, int]]:
    """(kind, delta, balance_after, shortfall) oldest first."""
    return list(
        PointsEntry.objects.filter(customer=customer)
        .order_by("id")
        .values_list("kind", "delta", "balance_after", "shortfall")
    )
