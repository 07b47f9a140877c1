"""The customer-data console pages' world: five customers with values, a tag group with a manual and a
rule-kept tag, a coupon template; and a membership with points for the 360 page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from siyu.audience import services as audience
from siyu.audience.models import CustomerTag, Tag, TagGroup, TagRule
from siyu.members.loyalty.models import LoyaltySettings, Membership, MemberTier, PointsEntry
from siyu.members.models import Customer
from siyu.promotions import services as promotions
from siyu.promotions.models import CouponTemplate
from siyu.tenancy.models import Merchant, Staff
from siyu.testing import rows


@dataclass
class World:
    merchant: Merchant
    owner: Staff
    customers: list[Customer]  # oldest first; [0..2] important_value in 杭州, [3..4] general_retain
    group: TagGroup
    vip: Tag  # manual, carried by customers[0] and [1]
    auto: Tag  # kept by a rule (rfm_class important_value)
    rule: TagRule
    template: CouponTemplate


def make_world(merchant: Merchant, owner: Staff, *, extra: int = 0) -> World:
    customers = []
    for i in range(5 + extra):
        c = rows.customer(
            merchant,
            nickname=f"p{i}",
            city="杭州" if i < 3 else "上海",
            phone=f"1380000{i:04d}",
        )
        important = i < 3
        rows.value(
            c,
            rfm_class="important_value" if important else "general_retain",
            lifecycle_stage="maturity" if important else "churn",
            value_tier="die_hard" if important else "ordinary",
            loyalty_rung=3 if important else 1,
            order_count=5 if important else 1,
            paid_total=50000 if important else 2000,
            r_score=5 if important else 1,
            f_score=4 if important else 1,
            m_score=5 if important else 2,
            discount_order_share_bp=2500,
            preferred_hour=20,
        )
        customers.append(c)
    group = TagGroup.objects.create(merchant=merchant, kind="manual", name="运营", sort_order=1)
    vip = audience.create_tag(staff=owner, group_id=group.pk, name="VIP")
    auto = audience.create_tag(staff=owner, group_id=group.pk, name="高价值")
    rule = audience.create_tag_rule(staff=owner, tag_id=auto.pk, rule={"rfm_class": ["important_value"]})
    audience.tag_customers(staff=owner, tag_id=vip.pk, customer_ids=[customers[0].pk, customers[1].pk])
    template = promotions.create_template(
        staff=owner,
        title="回购券",
        kind="amount",
        amount=500,
        threshold=0,
        total_quantity=1000,
        per_customer_limit=5,
        valid_until=timezone.now() + timedelta(days=30),
    )
    return World(merchant, owner, customers, group, vip, auto, rule, template)


def carriers(tag: Tag) -> set[int]:
    return set(CustomerTag.objects.filter(tag=tag).values_list("customer_id", flat=True))


def membership(world: World) -> Membership:
    LoyaltySettings.objects.create(merchant=world.merchant, enabled=True)
    silver = MemberTier.objects.create(
        merchant=world.merchant, code="silver", name="白银", rank=1, growth_threshold=0
    )
    MemberTier.objects.create(
        merchant=world.merchant, code="gold", name="黄金", rank=2, growth_threshold=1000
    )
    person = world.customers[0]
    row = Membership.objects.create(
        merchant=world.merchant, customer=person, tier=silver, tier_since=timezone.now(), growth_value=400
    )
    balance = 0
    for i in range(12):
        balance += 10 + i
        PointsEntry.objects.create(
            merchant=world.merchant,
            customer=person,
            kind="earn",
            delta=10 + i,
            balance_after=balance,
            idempotency_key=f"k{i}",
        )
    Membership.objects.filter(pk=row.pk).update(points_balance=balance)
    return row
