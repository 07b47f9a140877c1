"""Staff use cases of group buys: validation, SKU conflicts, locked fields, status changes, audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from siyu.core.errors import InvalidInput, InvalidTransition, NotFound, PermissionDenied
from siyu.promotions.bargain.services.activities import BargainInput, create_bargain
from siyu.promotions.errors import ItemInAnotherActivity
from siyu.promotions.groupbuy.errors import GroupBuyLocked, GroupBuyPriceInvalid
from siyu.promotions.groupbuy.models import GroupBuy, GroupBuySku
from siyu.promotions.groupbuy.playbook import GROUP_BUYS
from siyu.promotions.groupbuy.services import activities, teams
from siyu.promotions.groupbuy.services.activities import GroupBuySkuInput
from siyu.promotions.kit.services import set_status
from siyu.tenancy.models import AuditEntry, Role
from siyu.testing.factories import delivery_to

pytestmark = pytest.mark.django_db


def test_create_records_the_activity_its_prices_and_an_audit_row(make_group_buy, sku, owner):
    group_buy = make_group_buy(lottery=True, lottery_winners=2, virtual_fill=True)

    assert (group_buy.status, group_buy.group_size, group_buy.lottery_winners, group_buy.created_by_id) == (
        "active",
        3,
        2,
        owner.pk,
    )
    assert list(GroupBuySku.objects.values_list("sku_id", "group_price", "leader_price")) == [
        (sku.pk, 3000, 2500)
    ]
    audit = AuditEntry.objects.get(action="group_buy.create")
    assert (audit.staff_id, audit.object_id, audit.after["skus"]) == (
        owner.pk,
        str(group_buy.pk),
        [[sku.pk, 3000, 2500]],
    )


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"group_size": 1}, InvalidInput),
        ({"time_limit_hours": 0}, InvalidInput),
        ({"lottery": True, "lottery_winners": 3}, InvalidInput),  # winners must be fewer than the size
        ({"ends_at_offset": -1}, InvalidInput),
        ({"skus": []}, InvalidInput),
        ({"price": (5000, None)}, GroupBuyPriceInvalid),  # not below the SKU's price
        ({"price": (3000, 3500)}, GroupBuyPriceInvalid),  # leader pays more than the group
    ],
)
def test_invalid_settings_are_refused_and_nothing_is_saved(make_group_buy, sku, changes, error):
    kw = dict(changes)
    if "ends_at_offset" in kw:
        kw.pop("ends_at_offset")
        kw["ends_at"] = timezone.now() - timedelta(hours=1)
        kw["starts_at"] = timezone.now() - timedelta(hours=2)
    if "price" in kw:
        group_price, leader_price = kw.pop("price")
        kw["skus"] = [GroupBuySkuInput(sku.pk, group_price, leader_price)]
    with pytest.raises(error):
        make_group_buy(**kw)
    assert GroupBuy.objects.count() == 0
    assert not AuditEntry.objects.filter(action__startswith="group_buy").exists()


def test_another_merchants_sku_is_not_found(make_group_buy, make_product):
    from siyu.testing.factories import make_merchant

    other = make_product(m=make_merchant("other")).skus.get()
    with pytest.raises(NotFound):
        make_group_buy(skus=[GroupBuySkuInput(other.pk, 100)])
    assert GroupBuy.objects.count() == 0


def test_a_guide_may_not_create_group_buys(make_group_buy, make_staff):
    with pytest.raises(PermissionDenied):
        make_group_buy(staff=make_staff(Role.GUIDE))
    assert GroupBuy.objects.count() == 0


def test_overlapping_activities_on_one_sku_conflict(make_group_buy, sku, owner):
    first = make_group_buy()
    with pytest.raises(ItemInAnotherActivity) as refused:
        make_group_buy()
    assert refused.value.detail == {"conflicts": [{"kind": "group_buy", "id": first.pk, "sku_id": sku.pk}]}
    with pytest.raises(ItemInAnotherActivity):  # nor a bargain on the same SKU at the same time
        create_bargain(
            staff=owner,
            data=BargainInput(
                name="Cut",
                sku_id=sku.pk,
                starts_at=timezone.now(),
                ends_at=timezone.now() + timedelta(days=1),
                floor_price=100,
                helpers_needed=3,
                hours_to_finish=24,
            ),
        )
    # After the first one's window: no conflict. Ended activities do not conflict either.
    later = make_group_buy(starts_at=first.ends_at, ends_at=first.ends_at + timedelta(days=1))
    set_status(GROUP_BUYS, "end", staff=owner, activity_id=first.pk)
    again = make_group_buy(ends_at=first.ends_at - timedelta(hours=1))
    assert GroupBuy.objects.count() == 3 and {later.status, again.status} == {"active"}


def test_edit_changes_free_fields_but_locks_structure_once_a_team_opened(make_group_buy, sku, owner, shopper):
    group_buy = make_group_buy()
    activities.update_group_buy(
        staff=owner,
        group_buy_id=group_buy.pk,
        changes={"name": "Now four", "group_size": 4, "skus": [GroupBuySkuInput(sku.pk, 2800)]},
    )
    group_buy.refresh_from_db()
    assert (group_buy.name, group_buy.group_size) == ("Now four", 4)
    assert list(GroupBuySku.objects.values_list("group_price", "leader_price")) == [(2800, None)]

    a, a_addr, _ = shopper("a")
    teams.open_team(
        customer=a, group_buy_id=group_buy.pk, sku_id=sku.pk, quantity=1, delivery=delivery_to(a_addr)
    )
    with pytest.raises(GroupBuyLocked):
        activities.update_group_buy(staff=owner, group_buy_id=group_buy.pk, changes={"group_size": 2})
    activities.update_group_buy(staff=owner, group_buy_id=group_buy.pk, changes={"time_limit_hours": 12})
    group_buy.refresh_from_db()
    assert (group_buy.group_size, group_buy.time_limit_hours) == (4, 12)
    assert AuditEntry.objects.filter(action="group_buy.update").count() == 2


def test_status_changes_follow_the_state_machine(make_group_buy, owner):
    group_buy = make_group_buy()
    set_status(GROUP_BUYS, "pause", staff=owner, activity_id=group_buy.pk)
    set_status(GROUP_BUYS, "end", staff=owner, activity_id=group_buy.pk)
    with pytest.raises(InvalidTransition):
        set_status(GROUP_BUYS, "resume", staff=owner, activity_id=group_buy.pk)
    with pytest.raises(InvalidTransition):
        activities.update_group_buy(staff=owner, group_buy_id=group_buy.pk, changes={"name": "x"})
    group_buy.refresh_from_db()
    assert (group_buy.status, group_buy.name) == ("ended", "Three for tea")
    assert list(
        AuditEntry.objects.filter(action__startswith="group_buy.")
        .values_list("action", flat=True)
        .order_by("pk")
    ) == [
        "group_buy.create",
        "group_buy.pause",
        "group_buy.end",
    ]
