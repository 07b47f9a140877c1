"""Tag rules and segments read as sentences ("近30天下单≥2次 且 城市是上海"), in Chinese and English,
with ids named (tags, products, categories, coupons); the JSON stays behind an "advanced" toggle."""

from __future__ import annotations

import pytest

from siyu.audience import services as audience
from siyu.audience.models import TagGroup, TagRule
from siyu.console.rule_sentences import rule_sentences
from siyu.testing import rows
from siyu.testing.factories import make_template
from siyu.testing.pages import texts

pytestmark = pytest.mark.django_db

ORDERS_AND_CITY = {
    "all": [
        {"orders": {"count": {"op": "gte", "value": 2}, "within_days": 30}},
        {"field": "city", "op": "eq", "value": "上海"},
    ]
}


@pytest.mark.parametrize(
    ("lang", "sentence"),
    [
        ("zh-hans", "近30天下单≥2次 且 城市是上海"),
        ("en", "placed ≥2 orders in the last 30 days and city is 上海"),
    ],
)
def test_a_segment_page_says_its_rule_as_a_sentence(lang, sentence, console, owner):
    segment = audience.create_segment(staff=owner, name="上海复购", rule=ORDERS_AND_CITY)

    html = console.get(
        f"/console/customers/segments/{segment.pk}/", HTTP_ACCEPT_LANGUAGE=lang
    ).content.decode()

    assert texts(html, "rule-sentence") == [sentence]
    assert "<details>" in html and 'data-testid="segment-rule"' in html  # the JSON, folded away


def test_the_tag_rules_table_says_each_rule_as_a_sentence(console, owner, merchant):
    group = TagGroup.objects.create(merchant=merchant, kind="consumption", name="消费")
    vip = audience.create_tag(staff=owner, group_id=group.pk, name="高价值")
    loyal = audience.create_tag(staff=owner, group_id=group.pk, name="忠实")
    audience.create_tag_rule(
        staff=owner,
        tag_id=loyal.pk,
        rule={
            "any": [
                {"tag": [vip.pk]},
                {"lifecycle_stage": ["maturity", "growth"]},
                {"not": {"field": "phone", "op": "is_set"}},
            ]
        },
    )

    html = console.get("/console/customers/tags/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert texts(html, "rule-sentence") == [
        "有标签 高价值 或 生命周期阶段是成熟期或成长期 或 不满足（手机号已填写）"
    ]


def test_ids_are_named_and_every_kind_of_condition_reads(owner, merchant):
    from django.utils import translation

    cats = rows.catalogue(merchant)
    template = make_template(owner, title="满100减20")
    rule = {
        "all": [
            {
                "orders": {
                    "spend": {"op": "between", "value": [10000, 50000]},
                    "category": cats["categories"]["tea"].pk,
                }
            },
            {"event": "add_to_cart", "count": {"op": "gte", "value": 3}, "within_days": 7},
            {"coupons": {"status": "unused", "template": template.pk}},
            {"field": "gender", "op": "eq", "value": "female"},
            {"field": "registered_at", "op": "within_days", "value": 90},
            {"reachable": "sms"},
        ]
    }

    with translation.override("en"):
        [sentence] = rule_sentences(merchant.pk, [rule])

    assert sentence == (
        "spent ¥100.00–¥500.00 in Tea and Add to cart ≥3 times in the last 7 days"
        " and holds ≥1 unused 满100减20 and gender is Female"
        " and registered within the last 90 days and reachable by SMS"
    )


def test_a_rule_the_language_no_longer_reads_shows_its_json_unfolded(console, owner, merchant):
    group = TagGroup.objects.create(merchant=merchant, kind="consumption", name="消费")
    tag = audience.create_tag(staff=owner, group_id=group.pk, name="旧规则")
    audience.create_tag_rule(staff=owner, tag_id=tag.pk, rule=ORDERS_AND_CITY)
    TagRule.objects.update(rule={"legacy": True})

    html = console.get("/console/customers/tags/").content.decode()

    assert texts(html, "rule-sentence") == []
    assert '<details class="rule-json" open>' in html and "legacy" in html
