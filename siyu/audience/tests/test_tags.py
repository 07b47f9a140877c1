"""Tag groups and tags, tagging by hand (single, bulk, by segment; audited; set-based), automatic rules."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from siyu.audience import services as svc
from siyu.audience.errors import DuplicateName, InvalidRule, TagHasRule, TagInUse, TagIsAutomatic
from siyu.audience.models import CustomerTag, Tag, TagGroup, TagRule, TagSource
from siyu.audience.services.tags import DEFAULT_GROUPS
from siyu.core.errors import NotFound, PermissionDenied
from siyu.tenancy.models import AuditEntry, Role
from siyu.testing import rows
from siyu.testing.rows import NOW

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


def carriers(tag) -> dict[str, str]:
    rows = CustomerTag.objects.filter(tag=tag).select_related("customer")
    return {r.customer.nickname: r.source for r in rows}


def test_default_groups_are_seeded_once(merchant):
    assert svc.seed_default_tag_groups(merchant_id=merchant.pk) == 8
    assert svc.seed_default_tag_groups(merchant_id=merchant.pk) == 0
    groups = list(TagGroup.objects.for_merchant(merchant).values_list("kind", "name"))
    assert groups == [(str(k), n) for k, n in DEFAULT_GROUPS]
    assert [k for k, _ in groups] == [
        "basic", "member_tier", "consumption", "lifecycle", "preference", "manual", "survey", "campaign",
    ]  # fmt: skip


def test_groups_and_tags_are_managed_with_audit(merchant, owner):
    group = svc.create_tag_group(staff=owner, kind="preference", name=" 茶类偏好 ")
    assert (group.name, group.kind) == ("茶类偏好", "preference")
    with pytest.raises(DuplicateName):
        svc.create_tag_group(staff=owner, kind="manual", name="茶类偏好")
    tag = svc.create_tag(staff=owner, group_id=group.pk, name="绿茶", description="likes green tea")
    with pytest.raises(DuplicateName):
        svc.create_tag(staff=owner, group_id=group.pk, name="绿茶")
    svc.update_tag(staff=owner, tag_id=tag.pk, name="绿茶控")
    with pytest.raises(TagInUse) as caught:
        svc.delete_tag_group(staff=owner, group_id=group.pk)
    assert caught.value.detail == {"group_id": group.pk, "tags": 1}
    actions = list(
        AuditEntry.objects.for_merchant(merchant)
        .filter(action__startswith="tag")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["tag_group.create", "tag.create", "tag.update"]
    assert Tag.objects.get(pk=tag.pk).name == "绿茶控"


def test_reading_staff_cannot_write(merchant, make_staff):
    analyst = make_staff(Role.ANALYST)
    with pytest.raises(PermissionDenied):
        svc.create_tag_group(staff=analyst, kind="basic", name="x")
    assert not TagGroup.objects.exists()


def test_bulk_tagging_is_set_based_and_audited(people, owner):
    c, vip = people.c, people.tags["vip"]
    ids = [c["bob"].pk, c["cat"].pk, c["dan"].pk]  # cat already carries it
    with CaptureQueriesContext(connection) as queries:
        assert svc.tag_customers(staff=owner, tag_id=vip.pk, customer_ids=ids) == {"added": 2}
    statements = [q["sql"].split(" ")[0] for q in queries if "SAVEPOINT" not in q["sql"]]
    # tag (locked), its rule?, the ids, one INSERT ... SELECT for every customer, one audit row
    assert statements == ["SELECT", "SELECT", "SELECT", "INSERT", "INSERT"]
    assert carriers(vip) == {"ann": "manual", "bob": "manual", "cat": "manual", "dan": "manual"}
    row = CustomerTag.objects.get(tag=vip, customer=c["bob"])
    assert row.tagged_by_id == owner.pk
    audit = AuditEntry.objects.get(action="tag.add")
    assert (audit.staff_id, audit.object_id) == (owner.pk, str(vip.pk))
    assert audit.after == {"customer_ids": sorted(ids), "source": "manual", "added": 2}

    assert svc.untag_customers(staff=owner, tag_id=vip.pk, customer_ids=[c["ann"].pk, c["bob"].pk]) == {
        "removed": 2
    }
    assert carriers(vip) == {"cat": "manual", "dan": "manual"}
    assert AuditEntry.objects.get(action="tag.remove").after == {
        "customer_ids": sorted([c["ann"].pk, c["bob"].pk]),
        "removed": 2,
    }


def test_tagging_by_segment(people, owner):
    segment = svc.create_segment(
        staff=owner, name="Hangzhou", rule={"field": "city", "op": "eq", "value": "杭州"}
    )
    tea = people.tags["tea"]
    assert svc.tag_customers(staff=owner, tag_id=tea.pk, segment_id=segment.pk) == {"added": 2}
    assert carriers(tea) == {"ann": "manual", "bob": "manual", "dan": "manual"}
    assert svc.untag_customers(staff=owner, tag_id=tea.pk, segment_id=segment.pk) == {"removed": 2}
    assert carriers(tea) == {"bob": "manual"}


def test_refusals_change_nothing(people, owner):
    vip = people.tags["vip"]
    before = carriers(vip)
    with pytest.raises(NotFound) as caught:
        svc.tag_customers(staff=owner, tag_id=vip.pk, customer_ids=[people.c["bob"].pk, people.stranger.pk])
    assert caught.value.detail == {"customer_ids": [people.stranger.pk]}
    with pytest.raises(NotFound):
        svc.tag_customers(staff=owner, tag_id=people.tags["beta"].pk, customer_ids=[people.c["bob"].pk])
    assert carriers(vip) == before
    assert not AuditEntry.objects.filter(action__startswith="tag.").exists()


def test_a_tag_named_by_a_segment_cannot_be_deleted(people, owner):
    vip = people.tags["vip"]
    segment = svc.create_segment(staff=owner, name="VIPs", rule={"not": {"tag": vip.pk}})
    with pytest.raises(TagInUse) as caught:
        svc.delete_tag(staff=owner, tag_id=vip.pk)
    assert caught.value.detail == {"segment_ids": [segment.pk], "tag_rule_ids": []}
    svc.delete_segment(staff=owner, segment_id=segment.pk)
    svc.delete_tag(staff=owner, tag_id=vip.pk)
    assert not CustomerTag.objects.filter(tag_id=vip.pk).exists()
    assert AuditEntry.objects.get(action="tag.delete").before["customers"] == 2


# ---- automatic rules ---------------------------------------------------------------------------------


def viewed_without_buying(people) -> dict:
    green = people.products["green"].pk
    return {
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


def test_a_rule_keeps_its_tag_on_exactly_the_matching_customers(people, owner):
    c = people.c
    group = TagGroup.objects.create(merchant=people.merchant, kind="consumption", name="消费")
    tag = Tag.objects.create(merchant=people.merchant, group=group, name="Considering green tea")
    # A row given by hand before the rule existed is the staff's: the rule never removes it.
    CustomerTag.objects.create(
        merchant=people.merchant, customer=c["bob"], tag=tag, source="manual", tagged_at=NOW
    )
    rule = svc.create_tag_rule(staff=owner, tag_id=tag.pk, rule=viewed_without_buying(people))
    assert svc.recompute_tag_rules(now=NOW) == {"rules": 1, "added": 2, "removed": 0}
    assert carriers(tag) == {"ann": "rule", "cat": "rule", "bob": "manual"}
    rule.refresh_from_db()
    assert (rule.last_run_at, rule.last_matched) == (NOW, 2)
    # ann buys green tea: the next run takes the tag off her, and only her.
    rows.order(c["ann"], [people.products["green"]], paid_at=NOW - DAY)
    assert svc.recompute_tag_rules(now=NOW) == {"rules": 1, "added": 0, "removed": 1}
    assert carriers(tag) == {"cat": "rule", "bob": "manual"}
    # A week later the views are out of the 30-day window (cat's last one was 1 day before NOW).
    assert svc.recompute_tag_rules(now=NOW + 30 * DAY) == {"rules": 1, "added": 0, "removed": 1}
    assert carriers(tag) == {"bob": "manual"}
    with pytest.raises(TagIsAutomatic):
        svc.tag_customers(staff=owner, tag_id=tag.pk, customer_ids=[c["dan"].pk])


def test_incremental_refresh_reaches_the_state_of_a_full_run(people, owner):
    c, p = people.c, people.products
    group = TagGroup.objects.create(merchant=people.merchant, kind="consumption", name="消费")
    considering = Tag.objects.create(merchant=people.merchant, group=group, name="considering")
    repeat = Tag.objects.create(merchant=people.merchant, group=group, name="bought tea twice")
    svc.create_tag_rule(staff=owner, tag_id=considering.pk, rule=viewed_without_buying(people))
    tea_twice = {
        "orders": {
            "category": people.categories["tea"].pk,
            "count": {"op": "gte", "value": 2},
            "within_days": 90,
        }
    }
    svc.create_tag_rule(staff=owner, tag_id=repeat.pk, rule=tea_twice)
    svc.recompute_tag_rules(now=NOW)
    assert (carriers(considering), carriers(repeat)) == ({"ann": "rule", "cat": "rule"}, {})

    # Orders are paid: cat buys green twice, dan once more; only they are refreshed.
    rows.order(c["cat"], [p["green"]], paid_at=NOW - DAY)
    rows.order(c["cat"], [p["longjing"]], paid_at=NOW - DAY)
    rows.order(c["dan"], [p["tea"]], paid_at=NOW - DAY)
    assert svc.refresh_tags_for([c["cat"].pk, c["dan"].pk], now=NOW) == {"rules": 2, "added": 2, "removed": 1}
    incremental = (carriers(considering), carriers(repeat))
    assert incremental == ({"ann": "rule"}, {"cat": "rule", "dan": "rule"})

    assert svc.recompute_tag_rules(now=NOW) == {"rules": 2, "added": 0, "removed": 0}
    assert (carriers(considering), carriers(repeat)) == incremental


def test_tag_rule_refusals(people, owner):
    vip = people.tags["vip"]
    with pytest.raises(InvalidRule) as caught:
        svc.create_tag_rule(staff=owner, tag_id=vip.pk, rule={"tag": vip.pk, "has": False})
    assert caught.value.detail["reason"] == "self_reference"
    with pytest.raises(InvalidRule) as caught:
        svc.create_tag_rule(staff=owner, tag_id=vip.pk, rule={"tag": people.tags["beta"].pk})
    assert caught.value.detail["reason"] == "unknown_id"
    with pytest.raises(NotFound):
        svc.create_tag_rule(staff=owner, tag_id=people.tags["beta"].pk, rule={"semi_private": True})
    svc.create_tag_rule(staff=owner, tag_id=vip.pk, rule={"semi_private": True})
    with pytest.raises(TagHasRule):
        svc.create_tag_rule(staff=owner, tag_id=vip.pk, rule={"semi_private": False})
    assert TagRule.objects.count() == 1


def test_deleting_a_rule_removes_the_tags_it_set(people, owner):
    vip = people.tags["tea"]
    rule = svc.create_tag_rule(staff=owner, tag_id=vip.pk, rule={"semi_private": True})
    assert svc.run_tag_rule(staff=owner, rule_id=rule.pk) == {"added": 1, "removed": 0, "matched": 1}
    assert carriers(vip) == {"bob": "manual", "dan": "rule"}
    assert svc.delete_tag_rule(staff=owner, rule_id=rule.pk) == 1
    assert carriers(vip) == {"bob": "manual"}
    assert list(
        AuditEntry.objects.filter(action__startswith="tag").order_by("id").values_list("action", flat=True)
    ) == [
        "tag_rule.create",
        "tag_rule.run",
        "tag_rule.delete",
    ]
    assert TagSource.RULE not in CustomerTag.objects.values_list("source", flat=True)
