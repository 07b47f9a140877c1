"""A merchant's membership programme with members in known places, for the 会员 console pages and the
H5 member page tests."""

from __future__ import annotations

from dataclasses import dataclass

from siyu.members.loyalty.models import LoyaltySettings, MemberTier
from siyu.members.loyalty.services import admin as loyalty_admin
from siyu.members.models import Customer
from siyu.tenancy.models import Staff
from siyu.testing import factories


@dataclass(frozen=True)
class MemberWorld:
    program: LoyaltySettings
    tiers: dict[str, MemberTier]  # silver from 0, gold from 1000, diamond from 5000 (factories.make_tiers)
    gold: Customer  # 金卡: growth 1200 (given by staff), 300 points; phone 13812345678
    silver: Customer  # 银卡: 50 points, growth 0; phone 13900001111
    newcomer: Customer  # no membership row yet (counts as 银卡)


def member_world(owner: Staff) -> MemberWorld:
    """Settings, three tiers and three customers; every write through the loyalty services."""
    program = factories.set_up_loyalty(owner)
    tiers = factories.make_tiers(owner)
    gold, _token = factories.log_in_customer(owner.merchant, "gold-member")
    silver, _token = factories.log_in_customer(owner.merchant, "silver-member")
    newcomer, _token = factories.log_in_customer(owner.merchant, "newcomer")
    for customer, phone, nickname in (
        (gold, "13812345678", "金卡张"),
        (silver, "13900001111", "银卡李"),
        (newcomer, "", "新人王"),
    ):
        Customer.objects.filter(pk=customer.pk).update(phone=phone or None, nickname=nickname)
        customer.refresh_from_db()
    loyalty_admin.adjust_growth(staff=owner, customer_id=gold.pk, delta=1200, reason="老会员迁移")
    loyalty_admin.adjust_points(staff=owner, customer_id=gold.pk, delta=300, reason="老会员迁移")
    loyalty_admin.adjust_points(staff=owner, customer_id=silver.pk, delta=50, reason="welcome")
    return MemberWorld(program, tiers, gold, silver, newcomer)
