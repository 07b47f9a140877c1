"""Customer groups against the sandbox over real HTTP: the full sync (groupchat/list + get), and the
change_external_chat callbacks as the fake encrypts them, decrypted and dispatched as Siyu's view does."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from siyu.audience.rules import customers_matching, validate_rule
from siyu.tenancy.models import Role
from siyu.testing.wecom_groups import GUIDE
from siyu.wechat.callbacks import dispatch_wecom
from siyu.wechat.errors import WeChatNotConfigured
from siyu.wechat.sandbox import wecom_groups as fake
from siyu.wechat.wecom_groups import api
from siyu.wechat.wecom_groups.models import JoinScene, MemberType, WeComGroup, WeComGroupMember
from siyu.wechat.wecom_groups.services import groups

pytestmark = pytest.mark.django_db


def _members(group: WeComGroup) -> list[tuple[str, int, int | None]]:
    rows = WeComGroupMember.objects.filter(group=group).order_by("userid")
    return [(m.userid, m.member_type, m.customer_id) for m in rows]


def _in_group(merchant, group: WeComGroup) -> set[int]:
    rule = validate_rule({"wecom_group": group.pk}, merchant_id=merchant.pk)
    return set(customers_matching(rule, merchant_id=merchant.pk).values_list("pk", flat=True))


def test_sync_stores_every_group_with_its_members_linked_to_customers(
    corp, merchant, make_staff, monkeypatch
):
    guide = make_staff(Role.GUIDE)
    guide.user.username = GUIDE
    guide.user.save(update_fields=["username"])
    anna = corp.contact("wmANNA", "Anna")
    bo = corp.contact("wmBO", "Bo")
    corp.contact("wmSTRANGER", "Stranger", customer=False)
    tea = fake.create_group(
        corp.fake, corp.corp_id, name="茶友群", external_userids=["wmANNA", "wmBO"], owner=GUIDE
    )
    cups = fake.create_group(
        corp.fake, corp.corp_id, name="杯子群", external_userids=["wmSTRANGER"], owner="boss"
    )
    fake.create_group(corp.fake, corp.corp_id, name="新品群", external_userids=[], owner="boss")
    monkeypatch.setattr(api, "GROUP_PAGE", 2)  # three groups: two pages of groupchat/list

    assert groups.sync_groups(merchant_id=merchant.pk) == {"groups": 3, "dismissed": 0}

    assert corp.fake.calls[("/qyapi", "/cgi-bin/externalcontact/groupchat/list")] == 2
    assert corp.fake.calls[("/qyapi", "/cgi-bin/externalcontact/groupchat/get")] == 3
    group = WeComGroup.objects.get(merchant=merchant, chat_id=tea)
    assert (group.name, group.owner_userid, group.owner, group.member_count, group.customer_count) == (
        "茶友群", GUIDE, guide, 3, 2,
    )  # fmt: skip
    assert _members(group) == [
        (GUIDE, MemberType.EMPLOYEE, None),
        ("wmANNA", MemberType.EXTERNAL, anna.pk),
        ("wmBO", MemberType.EXTERNAL, bo.pk),
    ]
    anna_row = WeComGroupMember.objects.get(group=group, userid="wmANNA")
    assert (anna_row.name, anna_row.join_scene, anna_row.invitor_userid) == ("Anna", JoinScene.INVITED, GUIDE)
    assert anna_row.join_time is not None and anna_row.join_time.tzinfo is not None
    other = WeComGroup.objects.get(merchant=merchant, chat_id=cups)
    assert (other.owner, other.member_count, other.customer_count) == (None, 2, 0)
    assert _in_group(merchant, group) == {anna.pk, bo.pk}

    # Again with nothing changed: the same rows, nothing duplicated.
    before = sorted(WeComGroupMember.objects.values_list("pk", flat=True))
    groups.sync_groups(merchant_id=merchant.pk)
    assert sorted(WeComGroupMember.objects.values_list("pk", flat=True)) == before

    # A group gone from WeCom (dismissed while no callback arrived) is dismissed by the next sync.
    corp.fake.state["wecom_groups"][corp.corp_id]["groups"].pop(cups)
    assert groups.sync_groups(merchant_id=merchant.pk) == {"groups": 2, "dismissed": 1}
    other.refresh_from_db()
    assert other.dismissed_at is not None and other.member_count == 0
    assert WeComGroupMember.objects.filter(group=other).count() == 0


def test_callbacks_add_remove_and_dismiss_keep_the_group_as_wecom_has_it(corp, merchant):
    corp.catch_pushes()
    anna = corp.contact("wmANNA", "Anna")
    bo = corp.contact("wmBO", "Bo")
    chat_id = fake.create_group(corp.fake, corp.corp_id, name="茶友群", external_userids=["wmANNA"])
    fake.push_chat(corp.fake, corp.corp_id, chat_id, "create")
    assert corp.pushes[-1]["Event"] == "change_external_chat" and corp.pushes[-1]["ChangeType"] == "create"
    assert dispatch_wecom(corp.account, corp.pushes[-1]) is True
    group = WeComGroup.objects.get(merchant=merchant, chat_id=chat_id)
    assert _in_group(merchant, group) == {anna.pk}

    fake.add_member(corp.fake, corp.corp_id, chat_id, "wmBO")
    fake.push_chat(corp.fake, corp.corp_id, chat_id, "update", detail="add_member", changed=1)
    assert (corp.pushes[-1]["UpdateDetail"], corp.pushes[-1]["MemChangeCnt"]) == ("add_member", "1")
    dispatch_wecom(corp.account, corp.pushes[-1])
    group.refresh_from_db()
    assert (group.member_count, group.customer_count) == (3, 2)
    assert _in_group(merchant, group) == {anna.pk, bo.pk}

    fake.remove_member(corp.fake, corp.corp_id, chat_id, "wmANNA")
    fake.push_chat(corp.fake, corp.corp_id, chat_id, "update", detail="del_member", changed=1)
    dispatch_wecom(corp.account, corp.pushes[-1])
    assert _in_group(merchant, group) == {bo.pk}

    corp.fake.state["wecom_groups"][corp.corp_id]["groups"][chat_id]["name"] = "茶友二群"
    fake.push_chat(corp.fake, corp.corp_id, chat_id, "update", detail="change_name")
    dispatch_wecom(corp.account, corp.pushes[-1])
    group.refresh_from_db()
    assert group.name == "茶友二群"

    fake.push_chat(corp.fake, corp.corp_id, chat_id, "dismiss")
    dispatch_wecom(corp.account, corp.pushes[-1])
    group.refresh_from_db()
    assert group.dismissed_at is not None and (group.member_count, group.customer_count) == (0, 0)
    # A rule that names the dismissed group still reads: nobody is in it.
    assert _in_group(merchant, group) == set()


def test_a_member_who_becomes_a_customer_later_is_linked(corp, merchant):
    corp.contact("wmLATE", "Late", customer=False)
    chat_id = fake.create_group(corp.fake, corp.corp_id, name="g", external_userids=["wmLATE"])
    group = groups.refresh_group(merchant_id=merchant.pk, chat_id=chat_id)
    assert group.customer_count == 0
    late = corp.contact("wmLATE2", "Late")  # a customer now carries the identity of wmLATE:
    assert late is not None
    late.identities.filter(kind="wecom_external_userid").update(value="wmLATE")
    assert groups.relink_members(merchant_id=merchant.pk, external_userids=["wmLATE"]) == 1
    group.refresh_from_db()
    assert group.customer_count == 1 and _in_group(merchant, group) == {late.pk}


def test_members_are_found_by_unionid_when_the_external_userid_is_new(corp, merchant):
    from siyu.members.models import Customer, CustomerIdentity

    person = Customer.objects.create(merchant=merchant, nickname="Union", registered_at=timezone.now())
    CustomerIdentity.objects.create(merchant=merchant, customer=person, kind="unionid", value="oUNION1")
    corp.contact("wmUNION", "Union", customer=False, unionid="oUNION1")
    chat_id = fake.create_group(corp.fake, corp.corp_id, name="g", external_userids=["wmUNION"])
    group = groups.refresh_group(merchant_id=merchant.pk, chat_id=chat_id)
    assert _members(group)[-1] == ("wmUNION", MemberType.EXTERNAL, person.pk)


def test_without_a_wecom_corp_the_sync_is_refused(merchant):
    with pytest.raises(WeChatNotConfigured):
        groups.sync_groups(merchant_id=merchant.pk)


def test_dismiss_of_an_unknown_group_changes_nothing(merchant):
    assert groups.dismiss_group(merchant_id=merchant.pk, chat_id="wrNOPE") is None
    assert WeComGroup.objects.count() == 0


def test_join_time_is_an_aware_utc_instant(corp, merchant):
    chat_id = fake.create_group(corp.fake, corp.corp_id, name="g", external_userids=[])
    corp.fake.state["wecom_groups"][corp.corp_id]["groups"][chat_id]["create_time"] = 1572505490
    group = groups.refresh_group(merchant_id=merchant.pk, chat_id=chat_id)
    assert group.created_in_wecom_at == dt.datetime(2019, 10, 31, 7, 4, 50, tzinfo=dt.UTC)
