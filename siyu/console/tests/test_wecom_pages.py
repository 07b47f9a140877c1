"""微信 → 企业微信客户标签 and 客户群 in the console: choosing tags, sync now against the sandbox,
the group list and a group's members as each role may see them."""

from __future__ import annotations

import pytest
from django.utils import timezone

from siyu.audience.models import Tag, TagGroup
from siyu.members.models import Customer
from siyu.tenancy.models import Role
from siyu.testing.clients import log_in
from siyu.testing.pages import texts
from siyu.testing.snapshots import changed, refused, tenant_rows
from siyu.testing.wechat import serve_fake
from siyu.testing.wecom_groups import wecom_corp
from siyu.wechat.sandbox import wecom_groups as fake
from siyu.wechat.wecom_groups.models import (
    SIYU_GROUP_NAME,
    TagOrigin,
    WeComGroup,
    WeComGroupMember,
    WeComTagMapping,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake_wechat(settings):
    settings.REDIS_URL = ""
    yield from serve_fake(settings)


@pytest.fixture
def tags(merchant):
    group = TagGroup.objects.create(merchant=merchant, kind="manual", name="手动标签")
    return [Tag.objects.create(merchant=merchant, group=group, name=n) for n in ("高消费", "爱喝绿茶")]


def _customer(merchant, name, guide=None, phone=None) -> Customer:
    return Customer.objects.create(
        merchant=merchant, nickname=name, guide=guide, phone=phone, registered_at=timezone.now()
    )


def test_choosing_tags_and_syncing_now_makes_them_corp_tags(
    console, merchant, tags, fake_wechat, django_capture_on_commit_callbacks
):
    corp = wecom_corp(merchant, fake_wechat)
    page = console.get("/console/wechat/tags/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "企业微信客户标签" in page and texts(page, "tag-state") == ["—", "—"]

    response = console.post("/console/wechat/tags/choose/", {"tag": [str(tags[0].pk)]})
    assert response.status_code == 302
    assert list(WeComTagMapping.objects.values_list("tag_id", "origin", "corp_tag_id")) == [
        (tags[0].pk, TagOrigin.SIYU, "")
    ]
    page = console.get("/console/wechat/tags/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert texts(page, "tag-state") == ["等待下次同步", "—"]

    with django_capture_on_commit_callbacks(execute=True):
        response = console.post("/console/wechat/tags/sync/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 302
    state = fake_wechat.state["wecom_groups"][corp.corp_id]["tag_groups"]
    assert [(g["group_name"], [t["name"] for t in g["tag"]]) for g in state] == [
        (SIYU_GROUP_NAME, ["高消费"])
    ]
    page = console.get("/console/wechat/tags/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert texts(page, "tag-state") == ["In WeCom", "—"]


def test_a_tag_of_another_shop_is_refused_and_nothing_changes(console, merchant, tags):
    from siyu.testing.factories import make_merchant

    other = make_merchant("other")
    foreign = Tag.objects.create(
        merchant=other, group=TagGroup.objects.create(merchant=other, kind="manual", name="x"), name="x"
    )
    refused(
        console, "/console/wechat/tags/choose/", {"tag": [str(foreign.pk)]}, merchant, 400, "tag_not_syncable"
    )
    refused(console, "/console/wechat/tags/choose/", {"tag": ["abc"]}, merchant, 400, "invalid_input")


def test_sync_now_without_a_wecom_corp_is_refused(console, merchant, tags):
    before = tenant_rows(merchant)
    response = console.post("/console/wechat/groups/sync/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 409 or response.status_code == 400, response.status_code
    assert 'data-code="wechat_not_configured"' in response.content.decode()
    assert changed(before, tenant_rows(merchant)) == []


def test_a_guide_may_not_choose_tags(console_as, merchant, tags):
    client, _guide = console_as(Role.GUIDE)
    refused(client, "/console/wechat/tags/choose/", {"tag": [str(tags[0].pk)]}, merchant, 403)


def test_groups_list_and_a_group_with_its_members(
    console,
    merchant,
    fake_wechat,
    make_staff,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):
    corp = wecom_corp(merchant, fake_wechat)
    guide = make_staff(Role.GUIDE)
    anna = corp.contact("wmANNA", "Anna")
    assert anna is not None
    Customer.objects.filter(pk=anna.pk).update(phone="13800000011", guide=guide)
    corp.contact("wmSTRANGER", "陌生人", customer=False)
    chat_id = fake.create_group(
        fake_wechat,
        corp.corp_id,
        name="茶友群",
        external_userids=["wmANNA", "wmSTRANGER"],
        owner=guide.user.username,
    )
    with django_capture_on_commit_callbacks(execute=True):
        console.post("/console/wechat/groups/sync/")
    group = WeComGroup.objects.get(chat_id=chat_id)

    page = console.get("/console/wechat/groups/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert texts(page, "group-name") == ["茶友群"]
    assert texts(page, "group-owner") == [guide.display_name]
    assert (texts(page, "group-members"), texts(page, "group-customers")) == (["3"], ["1"])

    with django_assert_max_num_queries(12):
        page = console.get(
            f"/console/wechat/groups/{group.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans"
        ).content.decode()
    assert texts(page, "member-name") == [guide.user.username, "Anna", "陌生人"]
    assert texts(page, "phone") == ["—", "138****0011", "—"]
    assert "13800000011" not in page
    assert f'href="/console/customers/{anna.pk}/"' in page


def test_a_guide_sees_other_guides_customers_masked(console_as, merchant):
    client, guide = console_as(Role.GUIDE)
    mine = _customer(merchant, "Mine", guide=guide, phone="13800000012")
    theirs = _customer(merchant, "王小明")
    group = WeComGroup.objects.create(
        merchant=merchant,
        chat_id="wr1",
        name="群",
        owner_userid="x",
        synced_at=timezone.now(),
        member_count=3,
    )
    for userid, customer, name in (("wm1", mine, "Mine"), ("wm2", theirs, "王小明"), ("wm3", None, "李四")):
        WeComGroupMember.objects.create(
            merchant=merchant, group=group, userid=userid, member_type=2, customer=customer, name=name
        )

    page = client.get(f"/console/wechat/groups/{group.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert texts(page, "member-name") == ["Mine", "王** （其他导购的客户）", "李**"]
    assert texts(page, "phone") == ["138****0012", "—", "—"]
    assert "王小明" not in page and f"/console/customers/{theirs.pk}/" not in page


def test_a_group_of_another_merchant_is_not_found(console, merchant):
    from siyu.testing.factories import make_merchant

    other = make_merchant("other")
    group = WeComGroup.objects.create(
        merchant=other, chat_id="wr1", owner_userid="x", synced_at=timezone.now()
    )
    response = console.get(f"/console/wechat/groups/{group.pk}/")
    assert response.status_code == 404 and 'data-code="not_found"' in response.content.decode()


def test_the_wechat_pages_are_in_the_navigation(console):
    page = console.get("/console/wechat/groups/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'href="/console/wechat/tags/"' in page and "企业微信客户群" in page


def test_log_in_helper_is_the_console_one(owner):
    assert log_in(owner).get("/console/wechat/tags/").status_code == 200


@pytest.mark.parametrize(
    ("lang", "sentence"),
    [
        ("zh-hans", "在企业微信群“茶友群” 且 是企业微信好友"),
        ("en", "in WeCom group 茶友群 and is a WeCom contact"),
    ],
)
def test_a_segment_of_a_groups_members_holds_exactly_them(console, merchant, lang, sentence):
    from siyu.audience.models import Segment
    from siyu.members.models import CustomerIdentity

    group = WeComGroup.objects.create(
        merchant=merchant, chat_id="wr1", name="茶友群", owner_userid="x", synced_at=timezone.now()
    )
    inside = [_customer(merchant, f"in{i}") for i in range(3)]
    outside = _customer(merchant, "out")
    for i, person in enumerate(inside):
        WeComGroupMember.objects.create(
            merchant=merchant, group=group, userid=f"wm{i}", member_type=2, customer=person
        )
        if i < 2:
            CustomerIdentity.objects.create(
                merchant=merchant, customer=person, kind="wecom_external_userid", value=f"wm{i}"
            )
    CustomerIdentity.objects.create(
        merchant=merchant, customer=outside, kind="wecom_external_userid", value="wmX"
    )

    builder = console.get(f"/console/customers/segments/new/?wecom_group={group.pk}").content.decode()
    assert f"&quot;wecom_group&quot;: {group.pk}" in builder
    rule = f'{{"all": [{{"wecom_group": {group.pk}}}, {{"wecom_contact": true}}]}}'
    response = console.post(
        "/console/customers/segments/new/", {"name": "群内好友", "kind": "dynamic", "rule": rule}
    )
    assert response.status_code == 302
    segment = Segment.objects.get(name="群内好友")
    assert segment.member_count == 2
    page = console.get(
        f"/console/customers/segments/{segment.pk}/", HTTP_ACCEPT_LANGUAGE=lang
    ).content.decode()
    assert texts(page, "rule-sentence") == [sentence]


def test_a_rule_naming_another_merchants_group_is_refused(console, merchant):
    from siyu.testing.factories import make_merchant

    other = make_merchant("other")
    group = WeComGroup.objects.create(
        merchant=other, chat_id="wr1", owner_userid="x", synced_at=timezone.now()
    )
    before = tenant_rows(merchant)
    rule = f'{{"wecom_group": [{group.pk}]}}'
    response = console.post(
        "/console/customers/segments/new/", {"name": "x", "kind": "dynamic", "rule": rule}
    )
    assert response.status_code == 400 and "rule.wecom_group names something" in response.content.decode()
    assert changed(before, tenant_rows(merchant)) == []
