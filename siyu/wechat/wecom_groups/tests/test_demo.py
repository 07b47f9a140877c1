"""The demo's WeCom groups: made by ensure_demo_wecom_groups, known to the sandbox it starts (seeded
from Siyu's rows), so a sync keeps them and the tags it chose reach the sandbox's WeCom."""

from __future__ import annotations

import pytest
from django.utils import timezone

from siyu.audience.models import Tag, TagGroup
from siyu.audience.rules import customers_matching, validate_rule
from siyu.members.models import Customer
from siyu.simulate.demo_wechat import DEMO_GROUPS, ensure_demo_wecom_groups
from siyu.tenancy.models import Role
from siyu.testing.wecom_groups import wecom_corp
from siyu.wechat.models import WeChatAccount
from siyu.wechat.wecom_groups.models import WeComGroup, WeComGroupMember
from siyu.wechat.wecom_groups.sandbox_seed import use_siyu_as_seed
from siyu.wechat.wecom_groups.services import groups
from siyu.wechat.wecom_groups.tasks import sync_tags_of

pytestmark = pytest.mark.django_db


# Committed rows: the sandbox reads Siyu's database from its own server thread, as the demo's does.
@pytest.mark.django_db(transaction=True)
def test_the_demo_groups_survive_a_sync_against_the_seeded_sandbox(merchant, make_staff, fake_wechat):
    owner, guide = make_staff(Role.OWNER), make_staff(Role.GUIDE)
    people = [
        Customer.objects.create(
            merchant=merchant, nickname=f"客户{i}", registered_at=timezone.now(), guide=guide
        )
        for i in range(7)
    ] + [
        Customer.objects.create(merchant=merchant, nickname=f"路人{i}", registered_at=timezone.now())
        for i in range(3)
    ]
    manual = TagGroup.objects.create(merchant=merchant, kind="manual", name="手动标签")
    Tag.objects.create(merchant=merchant, group=manual, name="茶艺课学员")
    assert ensure_demo_wecom_groups(merchant) == {"groups": 0}  # no corp yet: nothing

    wecom_corp(merchant, fake_wechat)  # not registered with the fake: the seed must find it
    WeChatAccount.objects.filter(merchant=merchant).update(sandbox=True)
    fake_wechat.accounts.clear()
    fake_wechat.account_loader = _loader()
    assert ensure_demo_wecom_groups(merchant) == {"groups": 2, "synced_tags": 1}
    assert ensure_demo_wecom_groups(merchant) == {"groups": 0, "synced_tags": 1}  # idempotent
    first = WeComGroup.objects.get(chat_id=DEMO_GROUPS[0][0])
    assert (first.owner, first.member_count, first.customer_count) == (guide, 9, 8)
    in_first = validate_rule({"wecom_group": first.pk}, merchant_id=merchant.pk)
    assert set(customers_matching(in_first, merchant_id=merchant.pk)) == {*people[:6], *people[7:9]}
    before = sorted(WeComGroupMember.objects.values_list("group_id", "userid", "customer_id"))

    use_siyu_as_seed(fake_wechat)
    assert groups.sync_groups(merchant_id=merchant.pk) == {"groups": 2, "dismissed": 0}
    assert sorted(WeComGroupMember.objects.values_list("group_id", "userid", "customer_id")) == before
    counts = sync_tags_of(merchant.pk)
    assert counts["created"] == 1 and owner.is_active


def _loader():
    from siyu.wechat.sandbox_accounts import DatabaseAccounts

    return DatabaseAccounts()
