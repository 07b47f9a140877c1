"""Real threads against PostgreSQL: each help takes one planned cut; the quota is never oversold."""

from __future__ import annotations

from collections import Counter

import pytest

from siyu.orders.models import Order
from siyu.promotions.bargain.models import Bargain, BargainHelp, BargainRecord, RecordStatus
from siyu.promotions.bargain.services import records
from siyu.testing.concurrency import postgres_only, run_together  # noqa: F401 - postgres_only is autouse

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twelve_friends_at_once_on_a_five_help_bargain(make_bargain, shopper):
    bargain = make_bargain(helpers_needed=5)
    owner = shopper("owner")[0]
    record = records.start_bargain(customer=owner, bargain_id=bargain.pk)
    friends = [shopper(f"f{i}")[0] for i in range(12)]

    results = run_together(12, lambda i: records.help_bargain(helper=friends[i], record_id=record.pk).seq)

    assert Counter("ok" if isinstance(r, int) else r for r in results) == {"ok": 5, "bargain_closed": 7}
    assert sorted(r for r in results if isinstance(r, int)) == [1, 2, 3, 4, 5]
    record.refresh_from_db()
    assert (record.status, record.helps_done, record.current_price) == (RecordStatus.SUCCEEDED, 5, 1000)
    assert list(BargainHelp.objects.order_by("seq").values_list("cut", flat=True)) == record.cuts


def test_one_friend_clicking_five_times_helps_once(make_bargain, shopper):
    bargain = make_bargain(helpers_needed=5)
    record = records.start_bargain(customer=shopper("owner")[0], bargain_id=bargain.pk)
    friend = shopper("f")[0]

    results = run_together(5, lambda i: records.help_bargain(helper=friend, record_id=record.pk).seq)

    assert Counter(results) == {1: 1, "bargain_already_helped": 4}
    record.refresh_from_db()
    assert (record.helps_done, record.current_price) == (1, 5000 - record.cuts[0])


def test_eight_buyers_for_a_quota_of_three(make_bargain, shopper):
    bargain = make_bargain(helpers_needed=1, quota=3, per_customer_limit=1)
    helper = shopper("helper")[0]
    buyers = []
    for i in range(8):
        customer, address, _ = shopper(f"b{i}")
        record = records.start_bargain(customer=customer, bargain_id=bargain.pk)
        records.help_bargain(helper=helper, record_id=record.pk)
        buyers.append((customer, address, record))

    def buy(i: int):
        customer, address, record = buyers[i]
        return records.buy_bargain(customer=customer, record_id=record.pk, address_id=address.pk).pk

    results = run_together(8, buy)

    assert Counter("ok" if isinstance(r, int) else r for r in results) == {"ok": 3, "bargain_sold_out": 5}
    assert Bargain.objects.get().sold == 3 and Order.objects.count() == 3
    assert BargainRecord.objects.filter(status=RecordStatus.ORDERED).count() == 3
