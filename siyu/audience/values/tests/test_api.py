"""The staff API of the value models: distributions, one customer's row, settings, recompute."""

from __future__ import annotations

from decimal import Decimal

import pytest

from siyu.audience.values import services
from siyu.audience.values.models import CustomerValue, ValueModelSettings, ValueModelState
from siyu.audience.values.selectors import value_for
from siyu.tenancy.models import AuditEntry, Role
from siyu.tenancy.permissions import ROLE_PERMISSIONS, Perm
from siyu.tenancy.services import issue_staff_token
from siyu.testing.clients import ApiClient
from siyu.testing.factories import make_merchant
from siyu.testing.rows import Shop, fixed_now
from siyu.testing.worlds import EIGHT, build_eight

pytestmark = pytest.mark.django_db
BASE = "/api/v1/admin/values"


@pytest.fixture
def shop(merchant) -> Shop:
    return Shop(merchant, fixed_now())


def api_as(make_staff, role: str) -> ApiClient:
    return ApiClient(issue_staff_token(staff=make_staff(role)))


def test_distribution_counts_every_class_stage_tier_and_rung(shop, staff_api, django_assert_max_num_queries):
    build_eight(shop)
    fresh = shop.customer("fresh", registered_days_ago=2)
    shop.event(fresh, "search", 1)
    services.recompute_merchant(shop.merchant.pk, now=shop.now)
    with django_assert_max_num_queries(9):  # auth, four GROUP BYs, semi-private, state
        response = staff_api.get(f"{BASE}/distribution")
    assert response.status_code == 200
    body = response.json()
    assert (body["customers"], body["buyers"], body["semi_private"]) == (9, 8, 1)
    assert {c["key"]: c["customers"] for c in body["rfm_classes"]} == dict.fromkeys(EIGHT.values(), 1)
    assert body["rfm_classes"][0]["label"] == "Important value"
    assert body["loyalty_rungs"] == [
        {"rung": 0, "customers": 1},
        {"rung": 1, "customers": 4},
        {"rung": 2, "customers": 0},
        {"rung": 3, "customers": 4},
    ]
    tiers = {t["key"]: t["customers"] for t in body["value_tiers"]}
    assert tiers == {"newly_activated": 1, "ordinary": 0, "active": 0, "paying": 8, "die_hard": 0}
    assert sum(s["customers"] for s in body["lifecycle_stages"]) == 9
    assert (body["cycle_days"], body["cycle_source"]) == (30, "default")


def test_distribution_of_a_merchant_never_computed_is_all_zero(staff_api):
    body = staff_api.get(f"{BASE}/distribution").json()
    assert body["customers"] == 0 and body["computed_at"] is None
    assert all(c["customers"] == 0 for c in body["rfm_classes"])


def test_reading_needs_customers_or_analytics_view(shop, make_staff, monkeypatch):
    assert api_as(make_staff, Role.ANALYST).get(f"{BASE}/distribution").status_code == 200
    assert api_as(make_staff, Role.SERVICE).get(f"{BASE}/settings").status_code == 200
    # Every role reads customers since outlet managers see their guides' customers (issue 13):
    # a role without either permission is made up for the refusal.
    bare = ROLE_PERMISSIONS[Role.OUTLET_MANAGER] - {Perm.CUSTOMERS_VIEW, Perm.ANALYTICS_VIEW}
    monkeypatch.setitem(ROLE_PERMISSIONS, Role.OUTLET_MANAGER, bare)
    denied = api_as(make_staff, Role.OUTLET_MANAGER).get(f"{BASE}/distribution")
    assert denied.status_code == 403 and denied.json()["code"] == "permission_denied"


def test_one_customers_value_row(shop, staff_api):
    build_eight(shop)
    services.recompute_merchant(shop.merchant.pk, now=shop.now)
    row = CustomerValue.objects.for_merchant(shop.merchant).get(customer__nickname="rfm")
    response = staff_api.get(f"{BASE}/customers/{row.customer_id}")
    assert response.status_code == 200
    body = response.json()
    assert (body["rfm_class"], body["r_score"], body["order_count"], body["loyalty_rung"]) == (
        "important_value", 5, 3, 3,
    )  # fmt: skip
    assert value_for(row.customer) == row


def test_another_merchants_customer_is_not_found_and_an_uncomputed_one_has_defaults(shop, staff_api):
    other = Shop(make_merchant("other"), shop.now)
    build_eight(other)
    services.recompute_merchant(other.merchant.pk, now=shop.now)
    foreign = CustomerValue.objects.for_merchant(other.merchant).first()
    response = staff_api.get(f"{BASE}/customers/{foreign.customer_id}")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    mine = shop.customer("not yet")
    body = staff_api.get(f"{BASE}/customers/{mine.pk}").json()
    assert (body["customer_id"], body["computed_at"], body["lifecycle_stage"], body["order_count"]) == (
        mine.pk, None, "introduction", 0,
    )  # fmt: skip
    assert value_for(mine) is None
    assert not CustomerValue.objects.filter(customer=mine).exists()


def test_settings_start_at_the_documented_defaults(staff_api):
    body = staff_api.get(f"{BASE}/settings").json()
    assert body == {
        "cycle_days_fixed": None,
        "cycle_window_days": 365,
        "cycle_min_customers": 30,
        "cycle_default_days": 30,
        "cycle_floor_days": 7,
        "cycle_ceiling_days": 180,
        "dormancy_cycles": "2",
        "churn_cycles": "4",
        "growth_orders": 2,
        "maturity_orders": 3,
        "new_customer_days": 30,
        "active_days": 30,
        "die_hard_orders": 5,
        "die_hard_spend": 0,
        "rfm_rule": "above_mean",
        "rfm_min_score": 3,
        "preference_window_days": 365,
        "discount_window_days": 365,
        "contact_window_days": 180,
    }
    assert not ValueModelSettings.objects.exists()  # reading does not create the row


def test_changing_settings_is_validated_and_audited(staff_api, owner):
    response = staff_api.patch(
        f"{BASE}/settings", {"cycle_days_fixed": 14, "dormancy_cycles": "1.5", "rfm_rule": "at_least"}
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["cycle_days_fixed"], body["dormancy_cycles"], body["rfm_rule"]) == (14, "1.5", "at_least")
    saved = ValueModelSettings.objects.get(merchant=owner.merchant)
    assert (saved.cycle_days_fixed, saved.dormancy_cycles, saved.churn_cycles) == (
        14,
        Decimal("1.5"),
        Decimal("4"),
    )
    audit = AuditEntry.objects.get(action="value_settings.update")
    assert (audit.before["cycle_days_fixed"], audit.after["cycle_days_fixed"]) == (None, 14)
    assert audit.after["dormancy_cycles"] == "1.5"
    # Back to the measured cycle.
    assert staff_api.patch(f"{BASE}/settings", {"cycle_days_fixed": None}).json()["cycle_days_fixed"] is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"churn_cycles": "2.0"}, "churn_cycles"),  # not after dormancy (2.0)
        ({"maturity_orders": 2}, "maturity_orders"),  # not above growth (2)
        ({"cycle_floor_days": 200}, "cycle_ceiling_days"),  # ceiling 180 below the floor
    ],
)
def test_contradicting_settings_are_refused_and_change_nothing(staff_api, owner, change, field):
    staff_api.patch(f"{BASE}/settings", {"active_days": 14})
    before = list(ValueModelSettings.objects.values())
    audits = AuditEntry.objects.count()
    response = staff_api.patch(f"{BASE}/settings", change)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_value_settings" and field in response.json()["detail"]
    assert list(ValueModelSettings.objects.values()) == before
    assert AuditEntry.objects.count() == audits


@pytest.mark.parametrize(
    "change",
    [{"dormancy_cycles": "0.25"}, {"dormancy_cycles": "1.25"}, {"rfm_min_score": 6}, {"rfm_rule": "median"}],
)
def test_out_of_range_settings_are_422(staff_api, change):
    assert staff_api.patch(f"{BASE}/settings", change).status_code == 422
    assert not ValueModelSettings.objects.exists()


def test_the_service_refuses_unknown_or_out_of_range_settings(owner):
    with pytest.raises(Exception) as refused:
        services.update_settings(staff=owner, colour="red")
    assert refused.value.code == "invalid_value_settings"  # type: ignore[attr-defined]
    with pytest.raises(Exception) as refused:
        services.update_settings(staff=owner, active_days=0, dormancy_cycles=Decimal("0.33"))
    assert set(refused.value.detail) == {"active_days", "dormancy_cycles"}  # type: ignore[attr-defined]
    assert not ValueModelSettings.objects.exists()


def test_changing_settings_needs_customers_edit(make_staff):
    response = api_as(make_staff, Role.ANALYST).patch(f"{BASE}/settings", {"active_days": 7})
    assert response.status_code == 403
    assert not ValueModelSettings.objects.exists()
    assert api_as(make_staff, Role.ANALYST).post(f"{BASE}/recompute").status_code == 403


def test_recompute_is_queued_and_runs_after_commit(shop, staff_api, django_capture_on_commit_callbacks):
    build_eight(shop)  # orders a day or more before the real now
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_api.post(f"{BASE}/recompute")
    assert response.status_code == 202 and response.json() == {"queued": True}
    assert CustomerValue.objects.for_merchant(shop.merchant).count() == 8
    assert ValueModelState.objects.get(merchant=shop.merchant).buyers == 8
    assert AuditEntry.objects.filter(action="values.recompute").count() == 1


def test_the_daily_task_recomputes_every_active_merchant(shop, django_capture_on_commit_callbacks):
    from siyu.audience.values.tasks import recompute_values

    build_eight(shop)
    other = Shop(make_merchant("other"), shop.now)
    build_eight(other)
    asleep = Shop(make_merchant("asleep", is_active=False), shop.now)
    build_eight(asleep)
    result = recompute_values.enqueue()
    assert result.return_value == 2
    assert CustomerValue.objects.count() == 16
    assert not CustomerValue.objects.for_merchant(asleep.merchant).exists()
