"""Siyu tags <-> WeCom corp tags against the sandbox over real HTTP: definitions both ways, carriers
pushed with mark_tag and pulled from externalcontact/get, and no change bouncing back."""

from __future__ import annotations

import pytest

from siyu.audience.models import CustomerTag, Tag, TagGroup, TagSource
from siyu.audience.services import tags as audience_tags
from siyu.tenancy.models import AuditEntry
from siyu.testing.snapshots import changed, tenant_rows
from siyu.testing.wecom_groups import GUIDE
from siyu.wechat.callbacks import dispatch_wecom
from siyu.wechat.sandbox import wecom_groups as fake
from siyu.wechat.wecom_groups.callbacks import contact_tags_changed
from siyu.wechat.wecom_groups.errors import TagNotSyncable
from siyu.wechat.wecom_groups.models import SIYU_GROUP_NAME, TagOrigin, WeComTagMapping, WeComTagState
from siyu.wechat.wecom_groups.services import tags as sync
from siyu.wechat.wecom_groups.tasks import sync_tags_of

pytestmark = pytest.mark.django_db

QY = "/qyapi"
EC = "/cgi-bin/externalcontact"


@pytest.fixture
def siyu_tags(merchant):
    group = TagGroup.objects.create(merchant=merchant, kind="manual", name="手动标签")
    return {
        n: Tag.objects.create(merchant=merchant, group=group, name=n) for n in ("高消费", "爱喝绿茶", "沉睡")
    }


def _calls(corp, endpoint: str) -> int:
    return corp.fake.calls[(QY, f"{EC}/{endpoint}")]


def _corp_groups(corp) -> dict[str, list[str]]:
    state = corp.fake.state["wecom_groups"][corp.corp_id]["tag_groups"]
    return {g["group_name"]: [t["name"] for t in g["tag"]] for g in state}


def _wecom_tags_of(corp, external_userid: str) -> set[str]:
    names = {
        t["id"]: t["name"]
        for g in corp.fake.state["wecom_groups"][corp.corp_id]["tag_groups"]
        for t in g["tag"]
    }
    held = (
        corp.fake.state.get("wecom.contact_tags", {}).get(corp.corp_id, {}).get((external_userid, GUIDE), [])
    )
    return {names[t] for t in held}


def _siyu_tags_of(customer) -> set[str]:
    rows = CustomerTag.objects.filter(customer=customer).select_related("tag")
    return {row.tag.name for row in rows}


def _tag(customer, tag, source=TagSource.MANUAL):
    from django.utils import timezone

    CustomerTag.objects.create(
        merchant=customer.merchant, customer=customer, tag=tag, source=source, tagged_at=timezone.now()
    )


def test_chosen_tags_become_corp_tags_in_the_siyu_group_once(corp, merchant, owner, siyu_tags):
    result = sync.choose_synced_tags(staff=owner, tag_ids=[siyu_tags["高消费"].pk, siyu_tags["爱喝绿茶"].pk])
    assert result == {"added": 2, "dropped": 0}
    assert AuditEntry.objects.get(action="wecom.tags_chosen").after["tag_ids"] == sorted(
        [siyu_tags["高消费"].pk, siyu_tags["爱喝绿茶"].pk]
    )

    counts = sync.sync_corp_tags(merchant_id=merchant.pk)

    assert counts == {"created": 2, "deleted": 0, "renamed": 0, "pulled": 0, "forgotten": 0}
    assert _corp_groups(corp) == {SIYU_GROUP_NAME: ["高消费", "爱喝绿茶"]}
    mappings = {m.tag.name: m for m in WeComTagMapping.objects.select_related("tag")}
    assert {n: (m.origin, m.corp_name, m.corp_tag_id.startswith("et")) for n, m in mappings.items()} == {
        "高消费": (TagOrigin.SIYU, "高消费", True),
        "爱喝绿茶": (TagOrigin.SIYU, "爱喝绿茶", True),
    }
    # Nothing changed: one get_corp_tag_list, no writes; the echo of our create (change_external_tag) too.
    before = tenant_rows(merchant)
    assert sync.sync_corp_tags(merchant_id=merchant.pk)["created"] == 0
    assert (_calls(corp, "get_corp_tag_list"), _calls(corp, "add_corp_tag")) == (2, 1)
    corp.catch_pushes()
    fake.push_tag_change(corp.fake, corp.corp_id, mappings["高消费"].corp_tag_id, "create")
    dispatch_wecom(corp.account, corp.pushes[-1])
    assert changed(before, tenant_rows(merchant)) == []
    assert _calls(corp, "add_corp_tag") == 1


def test_renames_and_unchosen_tags_reach_wecom(corp, merchant, owner, siyu_tags):
    sync.choose_synced_tags(staff=owner, tag_ids=[siyu_tags["高消费"].pk, siyu_tags["沉睡"].pk])
    sync.sync_corp_tags(merchant_id=merchant.pk)
    audience_tags.update_tag(staff=owner, tag_id=siyu_tags["高消费"].pk, name="高价值")
    sync.choose_synced_tags(staff=owner, tag_ids=[siyu_tags["高消费"].pk])

    counts = sync.sync_corp_tags(merchant_id=merchant.pk)

    assert (counts["renamed"], counts["deleted"]) == (1, 1)
    assert _corp_groups(corp) == {SIYU_GROUP_NAME: ["高价值"]}
    assert list(WeComTagMapping.objects.values_list("tag__name", flat=True)) == ["高价值"]


def test_a_corp_tag_made_in_wecom_becomes_a_siyu_tag_and_follows_renames(corp, merchant):
    corp.catch_pushes()
    _, (tag_id,) = fake.add_tags(corp.fake, corp.corp_id, group_id=None, group_name="客户等级", names=["VIP"])
    fake.push_tag_change(corp.fake, corp.corp_id, tag_id, "create")
    assert corp.pushes[-1]["Event"] == "change_external_tag" and corp.pushes[-1]["Id"] == tag_id
    dispatch_wecom(corp.account, corp.pushes[-1])

    mapping = WeComTagMapping.objects.select_related("tag__group").get(corp_tag_id=tag_id)
    assert (mapping.origin, mapping.tag.name, mapping.tag.group.name) == (
        TagOrigin.WECOM,
        "VIP",
        "企业微信标签",
    )
    assert _calls(corp, "add_corp_tag") == 0  # pulled, never pushed back

    corp.fake.state["wecom_groups"][corp.corp_id]["tag_groups"][0]["tag"][0]["name"] = "超级VIP"
    fake.push_tag_change(corp.fake, corp.corp_id, tag_id, "update")
    dispatch_wecom(corp.account, corp.pushes[-1])
    mapping.tag.refresh_from_db()
    assert mapping.tag.name == "超级VIP"
    assert _calls(corp, "edit_corp_tag") == 0

    fake.delete_tags(corp.fake, corp.corp_id, tag_ids={tag_id}, group_ids=set())
    fake.push_tag_change(corp.fake, corp.corp_id, tag_id, "delete")
    dispatch_wecom(corp.account, corp.pushes[-1])
    assert not WeComTagMapping.objects.filter(corp_tag_id=tag_id).exists()
    assert Tag.objects.filter(pk=mapping.tag_id).exists()  # the Siyu tag and its history stay


def test_siyu_tags_are_pushed_and_their_echo_does_not_bounce(corp, merchant, owner, siyu_tags):
    anna = corp.contact("wmANNA", "Anna")
    bo = corp.contact("wmBO", "Bo")
    sync.choose_synced_tags(staff=owner, tag_ids=[t.pk for t in siyu_tags.values()])
    _tag(anna, siyu_tags["高消费"])
    _tag(anna, siyu_tags["爱喝绿茶"])

    counts = sync_tags_of(merchant.pk)

    assert (counts["created"], counts["looked_up"], counts["marked"], counts["retry_later"]) == (3, 2, 1, 0)
    assert _wecom_tags_of(corp, "wmANNA") == {"高消费", "爱喝绿茶"}
    assert _wecom_tags_of(corp, "wmBO") == set()
    assert _calls(corp, "mark_tag") == 1
    # The echo: WeCom tells Siyu the contact changed; the pull finds nothing new.
    before = tenant_rows(merchant)
    corp.catch_pushes()
    fake.push_contact_edit(corp.fake, corp.corp_id, "wmANNA", GUIDE)
    assert corp.pushes[-1]["ChangeType"] == "edit_external_contact"
    contact_tags_changed(corp.account, corp.pushes[-1])
    assert [t for t in changed(before, tenant_rows(merchant)) if t != "wecom_groups.WeComTagState"] == []
    assert _siyu_tags_of(anna) == {"高消费", "爱喝绿茶"}
    # Pushing again sends nothing: idempotent.
    assert sync.push_contact_tags(merchant_id=merchant.pk)["marked"] == 0
    assert _calls(corp, "mark_tag") == 1

    # A removal in Siyu is a remove_tag.
    CustomerTag.objects.filter(customer=anna, tag=siyu_tags["爱喝绿茶"]).delete()
    assert sync.push_contact_tags(merchant_id=merchant.pk)["marked"] == 1
    assert _wecom_tags_of(corp, "wmANNA") == {"高消费"}
    assert _siyu_tags_of(bo) == set()


def test_a_tag_set_in_wecom_comes_into_siyu_and_is_not_pushed_back(corp, merchant, owner, siyu_tags):
    anna = corp.contact("wmANNA", "Anna")
    sync.choose_synced_tags(staff=owner, tag_ids=[siyu_tags["沉睡"].pk])
    sync_tags_of(merchant.pk)
    corp_id = WeComTagMapping.objects.get(tag=siyu_tags["沉睡"]).corp_tag_id
    corp.fake.state.setdefault("wecom.contact_tags", {}).setdefault(corp.corp_id, {})[("wmANNA", GUIDE)] = [
        corp_id
    ]
    corp.catch_pushes()
    fake.push_contact_edit(corp.fake, corp.corp_id, "wmANNA", GUIDE)

    contact_tags_changed(corp.account, corp.pushes[-1])

    row = CustomerTag.objects.get(customer=anna)
    assert (row.tag_id, row.source) == (siyu_tags["沉睡"].pk, TagSource.WECOM)
    assert sync.push_contact_tags(merchant_id=merchant.pk)["marked"] == 0
    assert _calls(corp, "mark_tag") == 0

    # Untagged in WeCom: gone from Siyu too, still without a push.
    corp.fake.state["wecom.contact_tags"][corp.corp_id][("wmANNA", GUIDE)] = []
    contact_tags_changed(corp.account, corp.pushes[-1])
    assert _siyu_tags_of(anna) == set()
    assert sync.push_contact_tags(merchant_id=merchant.pk)["marked"] == 0


def test_changes_on_both_sides_merge(corp, merchant, owner, siyu_tags):
    """Siyu drops 高消费 while WeCom adds 沉睡: after the pull and the push both sides hold 沉睡 only."""
    anna = corp.contact("wmANNA", "Anna")
    sync.choose_synced_tags(staff=owner, tag_ids=[siyu_tags["高消费"].pk, siyu_tags["沉睡"].pk])
    _tag(anna, siyu_tags["高消费"])
    sync_tags_of(merchant.pk)
    assert _wecom_tags_of(corp, "wmANNA") == {"高消费"}

    CustomerTag.objects.filter(customer=anna, tag=siyu_tags["高消费"]).delete()
    dormant = WeComTagMapping.objects.get(tag=siyu_tags["沉睡"]).corp_tag_id
    corp.fake.state["wecom.contact_tags"][corp.corp_id][("wmANNA", GUIDE)].append(dormant)
    sync.pull_contact_tags(merchant_id=merchant.pk, external_userid="wmANNA")
    assert _siyu_tags_of(anna) == {"沉睡"}  # WeCom's addition in; Siyu's removal not undone
    sync.push_contact_tags(merchant_id=merchant.pk)
    assert _wecom_tags_of(corp, "wmANNA") == {"沉睡"}
    assert set(WeComTagState.objects.get(external_userid="wmANNA").corp_tag_ids) == {dormant}


def test_a_rate_limit_pauses_the_push_and_the_next_run_finishes(corp, merchant, owner, siyu_tags):
    anna = corp.contact("wmANNA", "Anna")
    sync.choose_synced_tags(staff=owner, tag_ids=[siyu_tags["高消费"].pk])
    sync.sync_corp_tags(merchant_id=merchant.pk)
    _tag(anna, siyu_tags["高消费"])
    fake.inject_fault(corp.fake, "mark_tag", 45009)

    first = sync.push_contact_tags(merchant_id=merchant.pk)

    assert (first["looked_up"], first["marked"], first["retry_later"]) == (1, 0, 1)
    assert _wecom_tags_of(corp, "wmANNA") == set()
    assert WeComTagState.objects.get(external_userid="wmANNA").corp_tag_ids == []
    second = sync.push_contact_tags(merchant_id=merchant.pk)
    assert (second["marked"], second["retry_later"]) == (1, 0)
    assert _wecom_tags_of(corp, "wmANNA") == {"高消费"}


def test_a_batch_stops_at_its_limit(corp, merchant, owner, siyu_tags):
    sync.choose_synced_tags(staff=owner, tag_ids=[siyu_tags["高消费"].pk])
    sync.sync_corp_tags(merchant_id=merchant.pk)
    people = [corp.contact(f"wm{i}", f"P{i}") for i in range(3)]
    for person in people:
        _tag(person, siyu_tags["高消费"])
    sync.push_contact_tags(merchant_id=merchant.pk, limit=3)  # three lookups use the batch up
    assert _calls(corp, "mark_tag") == 0
    assert sync.push_contact_tags(merchant_id=merchant.pk, limit=2)["marked"] == 2
    assert sync.push_contact_tags(merchant_id=merchant.pk, limit=2)["marked"] == 1
    assert [_wecom_tags_of(corp, f"wm{i}") for i in range(3)] == [{"高消费"}] * 3


def test_choosing_another_merchants_tag_is_refused_and_changes_nothing(merchant, owner, siyu_tags):
    from siyu.testing.factories import make_merchant

    other = make_merchant("other")
    group = TagGroup.objects.create(merchant=other, kind="manual", name="x")
    foreign = Tag.objects.create(merchant=other, group=group, name="x")
    before = tenant_rows(merchant)
    with pytest.raises(TagNotSyncable) as refused:
        sync.choose_synced_tags(staff=owner, tag_ids=[siyu_tags["高消费"].pk, foreign.pk])
    assert refused.value.detail == {"tag_ids": [foreign.pk]}
    assert changed(before, tenant_rows(merchant)) == []
