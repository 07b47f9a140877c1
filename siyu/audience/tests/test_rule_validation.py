"""Strict validation: every malformed rule is refused with the JSON path of the problem and a reason."""

from __future__ import annotations

import pytest
from django.utils import translation

from siyu.audience.errors import InvalidRule
from siyu.audience.rules import parse_rule, spec, validate_rule
from siyu.audience.rules.nodes import AllOf, Compare, EventCond, FieldCond, Not, TagCond

FEMALE = {"field": "gender", "op": "eq", "value": "female"}


def refusal(rule) -> dict:
    with pytest.raises(InvalidRule) as caught:
        parse_rule(rule)
    assert caught.value.code == "invalid_rule"
    return caught.value.detail


@pytest.mark.parametrize(
    ("rule", "path", "reason"),
    [
        ([], "rule", "not_an_object"),
        ({}, "rule", "unknown_condition"),
        ({"colour": "red"}, "rule.colour", "unknown_condition"),
        ({"all": [FEMALE], "tag": 1}, "rule", "ambiguous"),
        ({"all": []}, "rule.all", "empty_group"),
        ({"all": FEMALE}, "rule.all", "bad_value"),
        ({"any": [FEMALE, "x"]}, "rule.any[1]", "not_an_object"),
        (
            {"not": {"all": [FEMALE, {"field": "shoe_size", "op": "eq", "value": 1}]}},
            "rule.not.all[1].field",
            "unknown_field",
        ),
        ({"field": "gender", "op": "gt", "value": "female"}, "rule.op", "unknown_op"),
        ({"field": "gender", "op": "eq", "value": "robot"}, "rule.value", "bad_value"),
        ({"field": "gender", "op": "eq"}, "rule.value", "missing_key"),
        ({"field": "gender", "value": "female"}, "rule.op", "missing_key"),
        ({"field": "gender", "op": "eq", "value": "female", "extra": 1}, "rule.extra", "unknown_key"),
        ({"field": "phone", "op": "is_set", "value": True}, "rule.value", "unknown_key"),
        ({"field": "city", "op": "in", "value": []}, "rule.value", "bad_value"),
        ({"field": "city", "op": "in", "value": ["杭州", 3]}, "rule.value[1]", "bad_value"),
        ({"field": "city", "op": "eq", "value": "x" * 65}, "rule.value", "bad_value"),
        ({"field": "birthday", "op": "gte", "value": "2025-13-01"}, "rule.value", "bad_value"),
        ({"field": "birthday", "op": "month_in", "value": [0]}, "rule.value[0]", "bad_value"),
        ({"field": "age", "op": "between", "value": [40, 20]}, "rule.value", "bad_value"),
        ({"field": "registered_at", "op": "within_days", "value": 0}, "rule.value", "bad_value"),
        ({"field": "registered_at", "op": "within_days", "value": True}, "rule.value", "bad_value"),
        ({"field": "registered_at", "op": "is_set"}, "rule.op", "unknown_op"),  # never NULL
        ({"field": "is_blocked", "op": "eq", "value": 1}, "rule.value", "bad_value"),
        ({"field": "loyalty_rung", "op": "gte", "value": 4}, "rule.value", "bad_value"),
        ({"rfm_class": ["important_value", "vip"]}, "rule.rfm_class[1]", "bad_value"),
        ({"rfm_class": 3}, "rule.rfm_class", "bad_value"),
        ({"semi_private": "yes"}, "rule.semi_private", "bad_value"),
        ({"loyalty_rung": {"op": "gte"}}, "rule.loyalty_rung.value", "missing_key"),
        ({"loyalty_rung": {"op": "most", "value": 1}}, "rule.loyalty_rung.op", "unknown_op"),
        ({"tag": "vip"}, "rule.tag", "bad_value"),
        ({"tag": [1, 0]}, "rule.tag[1]", "bad_value"),
        ({"tag": 1, "has": "no"}, "rule.has", "bad_value"),
        ({"event": "dance"}, "rule.event", "bad_value"),
        (
            {"all": [FEMALE, FEMALE, {"event": "search", "count": {"op": "over", "value": 3}}]},
            "rule.all[2].count.op",
            "unknown_op",
        ),
        ({"event": "search", "count": {"op": "lt", "value": 0}}, "rule.count.value", "bad_value"),
        ({"event": "search", "count": {"op": "gte", "value": 100_001}}, "rule.count.value", "bad_value"),
        ({"event": "search", "within_days": 3651}, "rule.within_days", "bad_value"),
        ({"event": "search", "where": {"colour": "red"}}, "rule.where.colour", "unknown_key"),
        ({"event": "search", "where": {"product_id": "5"}}, "rule.where.product_id", "bad_value"),
        ({"event": "search", "where": {"keywords": ""}}, "rule.where.keywords", "bad_value"),
        ({"orders": []}, "rule.orders", "not_an_object"),
        ({"orders": {"spend": {"op": "gte", "value": -1}}}, "rule.orders.spend.value", "bad_value"),
        ({"orders": {"product": 1, "category": 2}}, "rule.orders.category", "unknown_key"),
        ({"orders": {"status": "paid"}}, "rule.orders.status", "unknown_key"),
        ({"coupons": {"status": "lost"}}, "rule.coupons.status", "bad_value"),
        ({"coupons": {"template": 0}}, "rule.coupons.template", "bad_value"),
        ({"reachable": "pigeon"}, "rule.reachable", "bad_value"),
        ({"consent": {"opted_in": True}}, "rule.consent.channel", "missing_key"),
        ({"consent": {"channel": "sms", "opted_in": "yes"}}, "rule.consent.opted_in", "bad_value"),
    ],
)
def test_refused_with_path_and_reason(rule, path, reason):
    detail = refusal(rule)
    assert (detail["path"], detail["reason"]) == (path, reason)


def test_depth_and_size_are_bounded():
    deep = FEMALE
    for _ in range(spec.MAX_DEPTH):
        deep = {"not": deep}
    assert parse_rule(deep)  # exactly the limit is fine
    detail = refusal({"not": deep})
    assert detail["reason"] == "too_deep" and detail["path"] == "rule" + ".not" * spec.MAX_DEPTH
    wide = {"any": [FEMALE] * (spec.MAX_GROUP_SIZE + 1)}
    assert refusal(wide) == {"path": "rule.any", "reason": "too_large", "limit": spec.MAX_GROUP_SIZE}
    many = {"all": [{"any": [FEMALE] * 30}, {"any": [FEMALE] * 30}, {"any": [FEMALE] * 30}]}
    assert refusal(many) == {
        "path": "rule.all[2].any[0]",
        "reason": "too_large",
        "limit": spec.MAX_CONDITIONS,
    }
    long_list = {"field": "city", "op": "in", "value": ["x"] * (spec.MAX_LIST + 1)}
    assert refusal(long_list)["reason"] == "too_large"


def test_messages_name_the_path_in_both_languages():
    with translation.override("en"), pytest.raises(InvalidRule) as caught:
        parse_rule({"all": [FEMALE, {"field": "gender", "op": "gt", "value": "x"}]})
    assert str(caught.value.text) == "rule.all[1].op is not an operator this field supports."
    with translation.override("zh-hans"), pytest.raises(InvalidRule) as caught:
        parse_rule({"tag": "x"})
    assert "rule.tag" in str(caught.value.text)


def test_parsed_tree_has_defaults_filled_in():
    node = parse_rule({"all": [{"tag": [3, 1, 3]}, {"not": {"event": "search"}}, {"semi_private": True}]})
    assert isinstance(node, AllOf)
    tag, negated, semi = node.children
    assert tag == TagCond((1, 3), True, "rule.all[0]")
    assert isinstance(negated, Not)
    assert negated.child == EventCond("search", Compare("gte", 1), None, (), "rule.all[1].not")
    assert semi == FieldCond("is_semi_private", "eq", True, "rule.all[2]")


@pytest.mark.django_db
def test_ids_must_belong_to_the_merchant(people):
    mine, theirs = people.merchant.pk, people.tags["beta"].pk
    rule = {
        "all": [{"tag": people.tags["vip"].pk}, {"any": [FEMALE, {"tag": [people.tags["tea"].pk, theirs]}]}]
    }
    with pytest.raises(InvalidRule) as caught:
        validate_rule(rule, merchant_id=mine)
    assert caught.value.detail == {
        "path": "rule.all[1].any[1].tag",
        "reason": "unknown_id",
        "kind": "tag",
        "id": theirs,
    }
    checks = [
        ({"orders": {"category": 10**9}}, "rule.orders.category", "category"),
        ({"orders": {"product": 10**9}}, "rule.orders.product", "product"),
        ({"event": "product_view", "where": {"sku_id": 10**9}}, "rule.where.sku_id", "sku"),
        ({"coupons": {"template": 10**9}}, "rule.coupons.template", "coupon_template"),
        ({"field": "favourite_category_id", "op": "in", "value": [10**9]}, "rule.value", "category"),
    ]
    for bad, path, kind in checks:
        with pytest.raises(InvalidRule) as caught:
            validate_rule(bad, merchant_id=mine)
        assert caught.value.detail == {"path": path, "reason": "unknown_id", "kind": kind, "id": 10**9}
    # The other merchant's own ids are fine for it, and a tag rule cannot name its own tag.
    assert validate_rule({"tag": theirs}, merchant_id=people.other.pk)
    with pytest.raises(InvalidRule) as caught:
        validate_rule(
            {"not": {"tag": people.tags["vip"].pk}}, merchant_id=mine, own_tag_id=people.tags["vip"].pk
        )
    assert caught.value.detail == {"path": "rule.not.tag", "reason": "self_reference"}
