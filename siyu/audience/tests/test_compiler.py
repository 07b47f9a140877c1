"""The rule compiler, condition by condition, on a population whose answer is known for every rule.

``people.names`` also asserts that each selection is one SQL statement. ``eve`` (merged into ann)
and ``zed`` (another merchant's customer) must never be selected, whatever the rule.
"""

from __future__ import annotations

import datetime as dt

import pytest

from siyu.audience.rules import customers_matching, validate_rule
from siyu.testing.rows import NOW

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # `make test-clock` runs it at fixed instants
EVERYONE = {"ann", "bob", "cat", "dan"}


def field(name, op, value=None):
    rule = {"field": name, "op": op}
    return rule if value is None else {**rule, "value": value}


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (field("gender", "eq", "female"), {"ann", "dan"}),
        (field("gender", "ne", "female"), {"bob", "cat"}),
        (field("gender", "in", ["male", "unknown"]), {"bob", "cat"}),
        (field("gender", "not_in", ["female"]), {"bob", "cat"}),
        (field("first_touch_source", "eq", "ads"), {"bob"}),
        (field("city", "eq", "杭州"), {"ann", "dan"}),
        (field("city", "in", ["上海", "北京"]), {"bob"}),
        (field("province", "contains", "江"), {"ann"}),
        (field("city", "is_set"), {"ann", "bob", "dan"}),
        (field("city", "is_not_set"), {"cat"}),
        (field("phone", "is_set"), {"ann"}),  # dan's is the empty string: not set
        (field("phone", "is_not_set"), {"bob", "cat", "dan"}),
        (field("birthday", "month_in", [6]), {"ann", "bob"}),
        (field("birthday", "is_not_set"), {"cat"}),
        (field("birthday", "gte", "1995-06-16"), {"bob", "dan"}),
        (field("birthday", "between", ["1995-01-01", "1995-06-15"]), {"ann"}),
        (field("age", "gte", 30), {"ann"}),  # ann turns 30 today, bob tomorrow (Shanghai calendar)
        (field("age", "eq", 29), {"bob"}),
        (field("age", "lt", 30), {"bob", "dan"}),
        (field("age", "ne", 29), {"ann", "dan"}),  # no birthday: no age, fails every comparison
        (field("age", "between", [20, 29]), {"bob", "dan"}),
        (field("registered_at", "within_days", 30), {"ann", "dan"}),
        (field("registered_at", "older_than_days", 100), {"bob"}),
        (field("registered_at", "eq", "2025-06-05"), {"ann"}),  # 10 days before 2025-06-15 12:00 local
        (field("registered_at", "lt", "2025-06-05"), {"bob", "cat"}),
        (field("registered_at", "gt", "2025-06-05"), {"dan"}),
        (field("is_blocked", "eq", True), {"dan"}),
    ],
)
def test_profile_fields(people, rule, expected):
    assert people.names(rule) == expected


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"rfm_class": ["important_value"]}, {"ann"}),
        ({"rfm_class": "general_retain"}, {"bob"}),
        # No value row (cat) is judged on the model's defaults: introduction, newly activated, rung 0.
        ({"lifecycle_stage": ["introduction"]}, {"cat", "dan"}),
        ({"lifecycle_stage": ["growth", "dormancy"]}, {"ann", "bob"}),
        ({"value_tier": ["newly_activated"]}, {"cat", "dan"}),
        ({"semi_private": True}, {"dan"}),
        ({"semi_private": False}, {"ann", "bob", "cat"}),
        ({"loyalty_rung": {"op": "gte", "value": 1}}, {"ann", "bob"}),
        ({"loyalty_rung": {"op": "lt", "value": 1}}, {"cat", "dan"}),
        ({"loyalty_rung": {"op": "between", "value": [1, 1]}}, {"bob"}),
        (field("order_count", "eq", 0), {"cat", "dan"}),
        (field("recency_days", "gt", 100), {"bob"}),
        (field("recency_days", "ne", 5), {"bob"}),  # absent recency fails ne too
        (field("recency_days", "is_not_set"), {"cat", "dan"}),
        (field("recency_days", "is_set"), {"ann", "bob"}),
        ({"not": field("recency_days", "gt", 100)}, {"ann", "cat", "dan"}),
        ({"not": {"lifecycle_stage": ["introduction"]}}, {"ann", "bob"}),
    ],
)
def test_value_fields_with_defaults_for_missing_rows(people, rule, expected):
    assert people.names(rule) == expected


def test_tags(people):
    vip, tea = people.tags["vip"].pk, people.tags["tea"].pk
    assert people.names({"tag": vip}) == {"ann", "cat"}
    assert people.names({"tag": vip, "has": False}) == {"bob", "dan"}
    assert people.names({"tag": [vip, tea]}) == {"ann", "bob", "cat"}
    assert people.names({"tag": [vip, tea], "has": False}) == {"dan"}


def test_events(people):
    green = {"product_id": people.products["green"].pk}
    view = {"event": "product_view", "where": green}
    assert people.names({**view, "count": {"op": "gte", "value": 3}, "within_days": 30}) == {"ann", "cat"}
    assert people.names({**view, "count": {"op": "gte", "value": 4}}) == {
        "ann",
        "cat",
    }  # ann's 40-day-old one
    assert people.names({**view, "count": {"op": "gte", "value": 4}, "within_days": 30}) == {"cat"}
    assert people.names({**view, "count": {"op": "eq", "value": 2}}) == {"bob"}
    assert people.names({**view, "count": {"op": "lt", "value": 1}}) == {"dan"}
    assert people.names({**view, "count": {"op": "between", "value": [2, 4]}, "within_days": 30}) == {
        "ann",
        "bob",
    }
    assert people.names({**view, "count": {"op": "ne", "value": 5}}) == {"ann", "bob", "dan"}
    assert people.names({"event": "product_view", "where": {"source": "ads"}}) == {"bob"}
    assert people.names({"event": "search", "where": {"keywords": "longjing"}}) == {"ann"}
    assert people.names({"event": "add_to_cart", "within_days": 4}) == set()
    assert people.names({"event": "add_to_cart", "within_days": 5}) == {"bob"}


def test_orders(people):
    cats, prods = people.categories, people.products
    assert people.names({"orders": {}}) == {"ann", "bob", "dan"}  # paid, closed ones excluded
    assert people.names({"orders": {"within_days": 30}}) == {"ann", "dan"}
    assert people.names({"orders": {"count": {"op": "eq", "value": 2}}}) == {"ann"}
    assert people.names({"orders": {"count": {"op": "eq", "value": 0}}}) == {"cat"}
    # A category covers its descendants: longjing is inside green, inside tea.
    assert people.names({"orders": {"category": cats["tea"].pk}}) == {"ann", "bob", "dan"}
    assert people.names({"orders": {"category": cats["green"].pk}}) == {"ann", "dan"}
    assert people.names({"orders": {"product": prods["cup"].pk}}) == {"ann"}
    assert people.names({"orders": {"product": prods["green"].pk}}) == {
        "dan"
    }  # ann's is unpaid, bob's closed
    # Spend is net of refunds: ann 3000 + 2000, bob 1000, dan 5000 - 1000.
    assert people.names({"orders": {"spend": {"op": "gte", "value": 4000}}}) == {"ann", "dan"}
    assert people.names({"orders": {"spend": {"op": "gte", "value": 4000}, "within_days": 30}}) == {"dan"}
    assert people.names({"orders": {"spend": {"op": "lt", "value": 1}}}) == {"cat"}
    assert people.names({"orders": {"spend": {"op": "eq", "value": 1000}}}) == {"bob"}
    green_spend = {"category": cats["green"].pk, "spend": {"op": "between", "value": [3000, 3999]}}
    assert people.names({"orders": green_spend}) == {"ann"}
    both = {"count": {"op": "gte", "value": 1}, "spend": {"op": "gte", "value": 4500}}
    assert people.names({"orders": both}) == {"ann"}


def test_coupons(people):
    t1, t2 = people.templates["t1"].pk, people.templates["t2"].pk
    assert people.names({"coupons": {}}) == EVERYONE
    assert people.names({"coupons": {"status": "unused"}}) == {"ann", "bob"}
    assert people.names({"coupons": {"status": "usable"}}) == {"ann"}
    assert people.names({"coupons": {"status": "expired"}}) == {"bob"}
    assert people.names({"coupons": {"status": "used", "within_days": 7}}) == {"ann"}
    assert people.names({"coupons": {"status": "used", "within_days": 2}}) == set()
    assert people.names({"coupons": {"status": "locked"}}) == {"cat"}
    assert people.names({"coupons": {"status": "voided"}}) == {"dan"}
    assert people.names({"coupons": {"template": t2}}) == {"bob", "dan"}
    assert people.names({"coupons": {"template": t1, "count": {"op": "eq", "value": 0}}}) == {"bob", "dan"}
    assert people.names({"coupons": {"template": t1, "count": {"op": "gte", "value": 2}}}) == {"ann"}


def test_reachability_and_consent(people):
    # SMS: a phone (on the profile or as an identity) and consent; dan is blocked.
    assert people.names({"reachable": "sms"}) == {"ann", "cat"}
    assert people.names({"reachable": "official_account"}) == {"ann"}  # bob opted out
    assert people.names({"reachable": "subscribe_message"}) == {"bob"}
    assert people.names({"reachable": "wecom"}) == set()
    assert people.names({"consent": {"channel": "official_account", "opted_in": False}}) == {"bob"}
    assert people.names({"consent": {"channel": "wecom"}}) == {"dan"}


def test_groups(people):
    female = field("gender", "eq", "female")
    hangzhou = field("city", "eq", "杭州")
    ordered = {"orders": {}}
    assert people.names({"all": [female, hangzhou]}) == {"ann", "dan"}
    assert people.names({"any": [field("gender", "eq", "male"), field("city", "is_not_set")]}) == {
        "bob",
        "cat",
    }
    assert people.names({"not": female}) == {"bob", "cat"}
    assert people.names({"all": [ordered, {"not": {"any": [female, {"semi_private": True}]}}]}) == {"bob"}
    assert people.names({"not": {"not": {"all": [female, ordered]}}}) == {"ann", "dan"}
    # Not everyone: the merged customer and the other merchant's never come in, even through NOT.
    assert people.names({"not": field("gender", "eq", "male")}) == {"ann", "cat", "dan"}


def test_viewed_without_buying(people):
    """The classic automatic tag: viewed product Y at least 3 times in 30 days, never bought it."""
    green = people.products["green"].pk
    rule = {
        "all": [
            {
                "event": "product_view",
                "where": {"product_id": green},
                "count": {"op": "gte", "value": 3},
                "within_days": 30,
            },
            {"not": {"orders": {"product": green}}},
        ]
    }
    assert people.names(rule) == {"ann", "cat"}  # ann's green order is unpaid


def test_time_windows_are_relative_to_now(people):
    rule = field("registered_at", "within_days", 30)
    assert people.names(rule, now=NOW + dt.timedelta(days=25)) == {"dan"}
    assert people.names(rule, now=NOW - dt.timedelta(days=15)) == {"ann", "cat", "dan"}  # ann, dan: "future"


def test_the_query_is_one_statement_with_correlated_subqueries(people):
    rule = {
        "all": [
            {"tag": people.tags["vip"].pk},
            {"event": "product_view", "count": {"op": "gte", "value": 3}},
            {"orders": {"spend": {"op": "gte", "value": 100}}},
        ]
    }
    qs = customers_matching(
        validate_rule(rule, merchant_id=people.merchant.pk), merchant_id=people.merchant.pk, now=NOW
    )
    sql = str(qs.query).upper()
    assert sql.count("SELECT") == 4 and sql.count("EXISTS") == 2 and "OFFSET 2" in sql and "SUM(" in sql
