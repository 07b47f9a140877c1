"""Coupon templates, claims, codes, triggers and targeted issuing, through the services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from siyu.core.errors import InvalidInput, NotFound, PermissionDenied
from siyu.promotions import services
from siyu.promotions.errors import (
    CouponCodeInvalid,
    CouponLimitReached,
    CouponNotClaimable,
    CouponSoldOut,
)
from siyu.promotions.models import Coupon, CouponHolding, CouponTemplate
from siyu.tenancy.models import AuditEntry, Role

pytestmark = pytest.mark.django_db


def test_claim_gives_a_coupon_with_the_templates_dates(make_template, customer):
    until = timezone.now() + timedelta(days=7)
    template = make_template(valid_until=until)
    coupon = services.claim_coupon(customer=customer, template_id=template.pk)
    template.refresh_from_db()
    assert (coupon.status, coupon.valid_until, coupon.source) == ("unused", until, "centre")
    assert (template.issued, CouponHolding.objects.get(template=template, customer=customer).count) == (1, 1)


def test_after_claim_validity_counts_days_from_the_claim(make_template, customer):
    template = make_template(validity="after_claim", valid_days=3, valid_until=None)
    coupon = services.claim_coupon(customer=customer, template_id=template.pk)
    assert coupon.valid_until - coupon.valid_from == timedelta(days=3)


def test_per_customer_limit_refuses_and_changes_nothing(make_template, customer):
    template = make_template(per_customer_limit=2)
    services.claim_coupon(customer=customer, template_id=template.pk)
    services.claim_coupon(customer=customer, template_id=template.pk)
    with pytest.raises(CouponLimitReached):
        services.claim_coupon(customer=customer, template_id=template.pk)
    template.refresh_from_db()
    assert (template.issued, Coupon.objects.filter(template=template).count()) == (2, 2)


def test_total_quantity_runs_out(make_template, customer_login):
    template = make_template(total_quantity=2)
    for code in ("a", "b"):
        services.claim_coupon(customer=customer_login(code)[0], template_id=template.pk)
    with pytest.raises(CouponSoldOut):
        services.claim_coupon(customer=customer_login("c")[0], template_id=template.pk)
    template.refresh_from_db()
    assert template.issued == 2
    assert CouponHolding.objects.filter(template=template).values_list("count", flat=True).count() == 2


def test_claim_key_replay_returns_the_first_coupon(make_template, customer):
    template = make_template(per_customer_limit=5)
    first = services.claim_coupon(customer=customer, template_id=template.pk, claim_key="k1")
    again = services.claim_coupon(customer=customer, template_id=template.pk, claim_key="k1")
    template.refresh_from_db()
    assert (again.pk, template.issued) == (first.pk, 1)


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"claimable": False}, "not_offered"),
        ({"claim_starts_at": "future"}, "outside_claim_window"),
        ({"claim_ends_at": "past"}, "outside_claim_window"),
    ],
)
def test_not_claimable_templates(make_template, customer, fields, reason):
    now = timezone.now()
    values = {
        k: (now + timedelta(days=1) if v == "future" else now - timedelta(minutes=1) if v == "past" else v)
        for k, v in fields.items()
    }
    template = make_template(**values)
    with pytest.raises(CouponNotClaimable) as exc:
        services.claim_coupon(customer=customer, template_id=template.pk)
    assert exc.value.detail == {"reason": reason}
    assert Coupon.objects.count() == 0


def test_paused_template_cannot_be_claimed(make_template, customer, owner):
    template = make_template()
    services.set_template_status(staff=owner, template_id=template.pk, status="paused")
    with pytest.raises(CouponNotClaimable):
        services.claim_coupon(customer=customer, template_id=template.pk)
    assert Coupon.objects.count() == 0


def test_new_customers_only(make_template, customer, sku, address):
    from siyu.testing.flows import pay, place

    template = make_template(new_customers_only=True, per_customer_limit=3)
    services.claim_coupon(customer=customer, template_id=template.pk)
    pay(customer, place(customer, [(sku.pk, 1)], address=address))
    with pytest.raises(CouponNotClaimable):
        services.claim_coupon(customer=customer, template_id=template.pk)


def test_another_merchants_template_is_not_found(make_template, customer_login):
    from siyu.testing.factories import make_merchant

    template = make_template()
    other = customer_login("bob", m=make_merchant("other"))[0]
    with pytest.raises(NotFound):
        services.claim_coupon(customer=other, template_id=template.pk)
    assert CouponTemplate.objects.get(pk=template.pk).issued == 0


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"amount": 0}, "amount"),
        ({"kind": "percent", "rate_bp": 10_000}, "rate_bp"),
        ({"threshold": 1000}, "threshold"),
        ({"valid_until": None}, "valid_until"),
        ({"validity": "after_claim", "valid_days": None}, "valid_days"),
        ({"triggers": ["birthday"]}, "triggers"),
        ({"title": " "}, "title"),
    ],
)
def test_template_validation(make_template, fields, problem):
    with pytest.raises(InvalidInput) as exc:
        make_template(**fields)
    assert problem in exc.value.detail
    assert CouponTemplate.objects.count() == 0


def test_template_needs_the_promotions_permission(make_staff):
    guide = make_staff(role=Role.GUIDE)
    with pytest.raises(PermissionDenied):
        services.create_template(
            staff=guide, title="x", kind="amount", amount=100, valid_until=timezone.now() + timedelta(days=1)
        )
    assert CouponTemplate.objects.count() == 0


def test_what_a_coupon_gives_is_frozen_once_issued(make_template, customer, owner):
    template = make_template()
    services.claim_coupon(customer=customer, template_id=template.pk)
    with pytest.raises(InvalidInput):
        services.update_template(staff=owner, template_id=template.pk, amount=5000)
    services.update_template(staff=owner, template_id=template.pk, total_quantity=10)
    template.refresh_from_db()
    assert (template.amount, template.total_quantity) == (2000, 10)
    assert AuditEntry.objects.filter(action="coupon.update").count() == 1


def test_shared_code_once_per_customer_single_use_code_once(make_template, owner, customer_login):
    shared = make_template(code_mode="shared", claimable=False)
    services.create_codes(staff=owner, template_id=shared.pk, code="tea2026")
    alice, bob = customer_login("alice")[0], customer_login("bob")[0]
    assert services.redeem_code(customer=alice, code="TEA2026").source == "code"
    services.redeem_code(customer=bob, code=" tea2026 ")
    with pytest.raises(CouponLimitReached):
        services.redeem_code(customer=alice, code="TEA2026")
    unique = make_template(code_mode="unique", claimable=False)
    [row] = services.create_codes(staff=owner, template_id=unique.pk, count=1)
    services.redeem_code(customer=alice, code=row.code)
    with pytest.raises(CouponCodeInvalid):
        services.redeem_code(customer=bob, code=row.code)
    with pytest.raises(CouponCodeInvalid):
        services.redeem_code(customer=bob, code="NOPE1234")
    assert Coupon.objects.filter(template=unique).count() == 1
    assert Coupon.objects.filter(template=shared).count() == 2


def test_code_templates_are_not_in_the_centre(make_template, customer):
    template = make_template(code_mode="shared")
    with pytest.raises(CouponNotClaimable):
        services.claim_coupon(customer=customer, template_id=template.pk)


def test_register_trigger_issues_on_first_login(make_template, merchant):
    from siyu.members.services import login_with_code

    template = make_template(triggers=["register"], claimable=False)
    new = login_with_code(merchant=merchant, code="newcomer").customer
    again = login_with_code(merchant=merchant, code="newcomer").customer
    assert again.pk == new.pk
    assert list(Coupon.objects.filter(template=template).values_list("customer_id", "source")) == [
        (new.pk, "register")
    ]


def test_first_order_trigger_issues_once(make_template, customer, sku, address):
    from siyu.testing.flows import pay, place

    template = make_template(triggers=["first_order"], claimable=False, per_customer_limit=5)
    pay(customer, place(customer, [(sku.pk, 1)], address=address))
    pay(customer, place(customer, [(sku.pk, 1)], address=address))
    assert Coupon.objects.filter(template=template, customer=customer).count() == 1


def test_targeted_issue_all_or_nothing_on_quantity(make_template, owner, customer_login):
    customers = [customer_login(f"c{i}")[0] for i in range(3)]
    template = make_template(total_quantity=2, claimable=False)
    with pytest.raises(CouponSoldOut):
        services.issue_to_customers(
            staff=owner, template_id=template.pk, customer_ids=[c.pk for c in customers]
        )
    assert Coupon.objects.count() == 0
    services.update_template(staff=owner, template_id=template.pk, total_quantity=5)
    result = services.issue_to_customers(
        staff=owner, template_id=template.pk, customer_ids=[c.pk for c in customers], batch_key="b1"
    )
    replay = services.issue_to_customers(
        staff=owner, template_id=template.pk, customer_ids=[c.pk for c in customers], batch_key="b1"
    )
    template.refresh_from_db()
    assert result == {"issued": 3, "replayed": 0, "skipped_customer_ids": []}
    assert replay == {"issued": 0, "replayed": 3, "skipped_customer_ids": []}
    assert template.issued == 3
    assert Coupon.objects.filter(template=template, source="staff").count() == 3


def test_targeted_issue_skips_customers_at_their_limit(make_template, owner, customer_login):
    a, b = customer_login("a")[0], customer_login("b")[0]
    template = make_template()
    services.claim_coupon(customer=a, template_id=template.pk)
    result = services.issue_to_customers(staff=owner, template_id=template.pk, customer_ids=[a.pk, b.pk])
    assert result == {"issued": 1, "replayed": 0, "skipped_customer_ids": [a.pk]}


def test_targeted_issue_refuses_other_merchants_customers(make_template, owner, customer_login):
    from siyu.testing.factories import make_merchant

    stranger = customer_login("x", m=make_merchant("other"))[0]
    template = make_template()
    with pytest.raises(NotFound):
        services.issue_to_customers(staff=owner, template_id=template.pk, customer_ids=[stranger.pk])
    assert Coupon.objects.count() == 0
