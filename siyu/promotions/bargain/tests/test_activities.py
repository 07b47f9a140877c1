"""Staff use cases of bargains: validation, conflicts, locked fields, status changes, audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from siyu.core.errors import InvalidInput, InvalidTransition, PermissionDenied
from siyu.promotions.bargain.errors import BargainLocked, BargainRangeInvalid
from siyu.promotions.bargain.models import Bargain
from siyu.promotions.bargain.playbook import BARGAINS
from siyu.promotions.bargain.services import activities, records
from siyu.promotions.errors import ItemInAnotherActivity
from siyu.promotions.kit.services import set_status
from siyu.tenancy.models import AuditEntry, Role

pytestmark = pytest.mark.django_db


def test_create_starts_from_the_skus_price_and_is_audited(make_bargain, sku, owner):
    bargain = make_bargain(quota=50)
    assert (
        bargain.start_price,
        bargain.floor_price,
        bargain.helpers_needed,
        bargain.quota,
        bargain.sold,
    ) == (
        5000,
        1000,
        3,
        50,
        0,
    )
    audit = AuditEntry.objects.get(action="bargain.create")
    assert (audit.staff_id, audit.after["floor_price"], audit.after["sku"]) == (owner.pk, 1000, sku.pk)


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"floor_price": 4998}, BargainRangeInvalid),  # 2 fen for 3 helpers
        ({"floor_price": 5000}, BargainRangeInvalid),
        ({"helpers_needed": 0}, InvalidInput),
        ({"hours_to_finish": 169}, InvalidInput),
        ({"quota": 0}, InvalidInput),
        ({"name": "  "}, InvalidInput),
    ],
)
def test_invalid_settings_are_refused_and_nothing_is_saved(make_bargain, changes, error):
    with pytest.raises(error):
        make_bargain(**changes)
    assert Bargain.objects.count() == 0
    assert not AuditEntry.objects.filter(action__startswith="bargain").exists()


def test_a_floor_exactly_one_fen_per_helper_below_is_allowed(make_bargain):
    assert make_bargain(floor_price=4997).floor_price == 4997


def test_an_overlapping_bargain_on_the_same_sku_conflicts(make_bargain, make_product):
    first = make_bargain()
    with pytest.raises(ItemInAnotherActivity) as refused:
        make_bargain()
    assert refused.value.detail["conflicts"] == [{"kind": "bargain", "id": first.pk, "sku_id": first.sku_id}]
    other_sku = make_product(name="Oolong").skus.get()
    assert make_bargain(sku_id=other_sku.pk).sku_id == other_sku.pk


def test_a_guide_may_not_create_bargains(make_bargain, make_staff):
    with pytest.raises(PermissionDenied):
        make_bargain(staff=make_staff(Role.GUIDE))
    assert Bargain.objects.count() == 0


def test_edit_locks_the_price_shape_once_a_record_started(make_bargain, owner, customer):
    bargain = make_bargain()
    activities.update_bargain(
        staff=owner, bargain_id=bargain.pk, changes={"floor_price": 2000, "name": "Cut more"}
    )
    bargain.refresh_from_db()
    assert (bargain.floor_price, bargain.name) == (2000, "Cut more")

    records.start_bargain(customer=customer, bargain_id=bargain.pk)
    with pytest.raises(BargainLocked):
        activities.update_bargain(staff=owner, bargain_id=bargain.pk, changes={"helpers_needed": 5})
    new_end = timezone.now() + timedelta(days=10)
    activities.update_bargain(staff=owner, bargain_id=bargain.pk, changes={"ends_at": new_end, "quota": 3})
    bargain.refresh_from_db()
    assert (bargain.helpers_needed, bargain.ends_at, bargain.quota) == (3, new_end, 3)


def test_status_changes_follow_the_state_machine(make_bargain, owner):
    bargain = make_bargain()
    set_status(BARGAINS, "end", staff=owner, activity_id=bargain.pk)
    with pytest.raises(InvalidTransition):
        set_status(BARGAINS, "pause", staff=owner, activity_id=bargain.pk)
    with pytest.raises(InvalidTransition):
        activities.update_bargain(staff=owner, bargain_id=bargain.pk, changes={"name": "again"})
    assert Bargain.objects.get().status == "ended"
    # An ended bargain no longer blocks its SKU.
    assert make_bargain().status == "active"
