"""The activity kit as a group buy uses it: the one status service, get_owned, the typed stats."""

from __future__ import annotations

import pytest

from siyu.core.errors import InvalidTransition, NotFound
from siyu.promotions.groupbuy.models import GroupBuy
from siyu.promotions.groupbuy.playbook import GROUP_BUYS
from siyu.promotions.kit.services import set_status
from siyu.tenancy.models import AuditEntry, Merchant

pytestmark = pytest.mark.django_db


def test_each_verb_moves_the_activity_and_writes_its_audit_row(make_group_buy, owner):
    group_buy = make_group_buy()

    moved = [
        set_status(GROUP_BUYS, verb, staff=owner, activity_id=group_buy.pk).status
        for verb in ("pause", "resume", "end")
    ]

    assert moved == ["paused", "active", "ended"]
    audits = AuditEntry.objects.filter(action__startswith="group_buy.").exclude(action="group_buy.create")
    assert list(audits.order_by("pk").values_list("action", "before", "after")) == [
        ("group_buy.pause", {"status": "active"}, {"status": "paused"}),
        ("group_buy.resume", {"status": "paused"}, {"status": "active"}),
        ("group_buy.end", {"status": "active"}, {"status": "ended"}),
    ]


def test_a_verb_the_playbook_has_not_is_refused_and_changes_nothing(make_group_buy, owner):
    group_buy = make_group_buy()

    with pytest.raises(InvalidTransition) as refused:
        set_status(GROUP_BUYS, "publish", staff=owner, activity_id=group_buy.pk)

    assert refused.value.detail == {"from": "active", "to": "publish"}
    assert GroupBuy.objects.get().status == "active"
    assert list(
        AuditEntry.objects.filter(action__startswith="group_buy.").values_list("action", flat=True)
    ) == ["group_buy.create"]


def test_another_merchants_activity_is_not_found_by_its_id(make_group_buy, make_staff):
    group_buy = make_group_buy()
    stranger = make_staff(m=Merchant.objects.create(slug="other", name="Other"))

    with pytest.raises(NotFound) as refused:
        set_status(GROUP_BUYS, "pause", staff=stranger, activity_id=group_buy.pk)

    assert (refused.value.code, refused.value.detail) == ("not_found", {"group_buy_id": group_buy.pk})
    assert (
        GroupBuy.objects.for_merchant(group_buy.merchant_id).get_owned(group_buy.pk, lock=True) == group_buy
    )


def test_stats_are_typed_figures_and_the_api_body(make_group_buy):
    group_buy = make_group_buy()

    stats = GROUP_BUYS.stats(group_buy)

    assert [f.key for f in stats.figures][:2] == ["participants", "members_paid"]
    assert [f.key for f in stats.figures if f.money] == ["gmv", "discount_cost"]
    assert stats.as_dict()["group_buy_id"] == group_buy.pk and stats["teams_opened"] == 0
