"""On PostgreSQL with real threads: a group's callbacks and the sync storing it at the same instant,
and pulls racing pushes of one contact's tags, leave one consistent row set."""

from __future__ import annotations

from collections import Counter

import pytest
from django.utils import timezone

from siyu.audience.models import CustomerTag, Tag, TagGroup, TagSource
from siyu.members.models import Customer, CustomerIdentity
from siyu.testing.concurrency import postgres_only, run_together  # noqa: F401 - postgres_only is autouse
from siyu.wechat.wecom_groups.models import (
    TagOrigin,
    WeComGroup,
    WeComGroupMember,
    WeComTagMapping,
    WeComTagState,
)
from siyu.wechat.wecom_groups.services import groups, tags

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _chat(n_members: int) -> dict:
    members = [{"userid": "guide", "type": 1, "join_time": 1700000000, "join_scene": 1}]
    members += [
        {"userid": f"wm{i}", "type": 2, "join_time": 1700000000 + i, "join_scene": 3}
        for i in range(n_members)
    ]
    return {
        "chat_id": "wrRACE",
        "name": "群",
        "owner": "guide",
        "create_time": 1700000000,
        "member_list": members,
    }


def test_eight_simultaneous_stores_of_one_group_make_one_group_and_one_row_per_member(merchant):
    for i in range(4):
        person = Customer.objects.create(merchant=merchant, nickname=f"p{i}", registered_at=timezone.now())
        CustomerIdentity.objects.create(
            merchant=merchant, customer=person, kind="wecom_external_userid", value=f"wm{i}"
        )

    results = run_together(
        8, lambda i: groups.store_group(merchant_id=merchant.pk, group_chat=_chat(3 + i % 2)).pk
    )

    assert len(set(results)) == 1 and all(isinstance(r, int) for r in results), results
    group = WeComGroup.objects.get(merchant=merchant, chat_id="wrRACE")
    members = Counter(WeComGroupMember.objects.filter(group=group).values_list("userid", flat=True))
    assert set(members.values()) == {1}
    assert group.member_count == len(members) and group.customer_count == len(members) - 1


def test_pulls_of_one_contact_at_once_add_the_tag_once(merchant):
    person = Customer.objects.create(merchant=merchant, nickname="p", registered_at=timezone.now())
    CustomerIdentity.objects.create(
        merchant=merchant, customer=person, kind="wecom_external_userid", value="wm1"
    )
    group = TagGroup.objects.create(merchant=merchant, kind="manual", name="g")
    tag = Tag.objects.create(merchant=merchant, group=group, name="VIP")
    WeComTagMapping.objects.create(merchant=merchant, tag=tag, origin=TagOrigin.SIYU, corp_tag_id="etVIP")
    follow = [{"userid": "guide", "tags": [{"tag_id": "etVIP", "type": 1}]}]

    results = run_together(
        6,
        lambda i: tags.apply_contact_tags(
            merchant_id=merchant.pk, external_userid="wm1", follow_users=follow
        ),
    )

    assert sorted(r["added"] for r in results) == [0, 0, 0, 0, 0, 1], results  # type: ignore[index]
    assert list(CustomerTag.objects.filter(customer=person).values_list("tag_id", "source")) == [
        (tag.pk, TagSource.WECOM)
    ]
    assert list(WeComTagState.objects.values_list("corp_tag_ids", flat=True)) == [["etVIP"]]
