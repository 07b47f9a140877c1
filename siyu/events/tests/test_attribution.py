"""Attribution: first and last touch per customer, and the source each order is credited to."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from siyu.events.services import record_events
from siyu.members.models import Customer, Source
from siyu.orders.services import checkout
from siyu.testing.flows import place


def touch(customer, *, days_ago: float, channel: str, campaign: str = "", kind: str = "visit") -> None:
    result = record_events(
        merchant=customer.merchant,
        customer=customer,
        events=[
            {
                "event_id": str(uuid.uuid4()),
                "type": kind,
                "occurred_at": (timezone.now() - timedelta(days=days_ago)).isoformat(),
                "source": {"channel": channel, "campaign": campaign} if channel else None,
            }
        ],
    )
    assert result.accepted == 1


def test_first_touch_is_set_once_and_last_touch_moves_forward_only(customer):
    assert (customer.first_touch_source, customer.last_touch_at) == (Source.UNKNOWN, None)
    touch(customer, days_ago=3, channel="article", campaign="a1")
    touch(customer, days_ago=1, channel="live", campaign="l1")
    touch(customer, days_ago=2, channel="ads", campaign="late-arrival")  # out of order: older than live
    touch(customer, days_ago=0.5, channel="")  # no source: not a touch
    customer.refresh_from_db()
    assert (customer.first_touch_source, customer.first_touch_campaign) == (Source.ARTICLE, "a1")
    assert (customer.last_touch_source, customer.last_touch_campaign) == (Source.LIVE, "l1")
    # An event older than the first touch that arrives late moves the first touch back.
    touch(customer, days_ago=10, channel="moments", campaign="m0")
    customer.refresh_from_db()
    assert (customer.first_touch_source, customer.first_touch_campaign) == (Source.MOMENTS, "m0")
    assert customer.last_touch_source == Source.LIVE


def test_a_first_touch_known_without_a_time_is_kept(merchant):
    imported = Customer.objects.create(
        merchant=merchant, registered_at=timezone.now(), first_touch_source=Source.OUTLET
    )
    touch(imported, days_ago=1, channel="moments")
    imported.refresh_from_db()
    assert (imported.first_touch_source, imported.last_touch_source) == (Source.OUTLET, Source.MOMENTS)


def test_one_batch_moves_several_customers_touches_in_one_update(merchant):
    people = [Customer.objects.create(merchant=merchant, registered_at=timezone.now()) for _ in range(3)]
    now = timezone.now()
    events = [
        {
            "event_id": str(uuid.uuid4()),
            "type": "visit",
            "occurred_at": (now - timedelta(hours=h)).isoformat(),
            "anonymous_id": f"dev-{i}",
            "source": channel,
        }
        for i, (h, channel) in enumerate([(5, "ads"), (1, "live"), (3, "h5")])
    ]
    from siyu.events.models import IdentityLink

    for i, person in enumerate(people):
        IdentityLink.objects.create(
            merchant=merchant, anonymous_id=f"dev-{i}", customer=person, via="login", linked_at=now
        )
    with CaptureQueriesContext(connection) as ctx:
        record_events(merchant=merchant, events=events)
    sql = [q["sql"].replace('"', "") for q in ctx.captured_queries]
    updates = [q for q in sql if "UPDATE members_customer" in q]
    assert len(updates) == 1
    assert [Customer.objects.get(pk=p.pk).last_touch_source for p in people] == ["ads", "live", "h5"]


def test_an_order_takes_the_last_touch_within_the_window(customer, address, sku):
    touch(customer, days_ago=6, channel="article", campaign="双11预热")
    order = place(customer, [(sku.pk, 1)], address=address)
    assert (order.source, order.source_campaign) == (Source.ARTICLE, "双11预热")


def test_an_order_outside_the_window_is_direct(customer, address, sku):
    touch(customer, days_ago=8, channel="article", campaign="old")
    order = place(customer, [(sku.pk, 1)], address=address)
    assert (order.source, order.source_campaign) == ("", "")


@override_settings(SIYU_ATTRIBUTION_WINDOW_DAYS=30)
def test_the_window_is_a_setting(customer, address, sku):
    touch(customer, days_ago=8, channel="article", campaign="old")
    assert place(customer, [(sku.pk, 1)], address=address).source == Source.ARTICLE


def test_the_link_the_storefront_passes_stands(customer, address, sku):
    touch(customer, days_ago=1, channel="moments", campaign="c1")
    request = checkout.CheckoutRequest(
        lines=[checkout.LineRequest(sku.pk, 1)], address_id=address.pk, source=Source.COMMUNITY
    )
    order, _ = checkout.place_order(customer=customer, request=request)
    assert (order.source, order.source_campaign) == (Source.COMMUNITY, "")
    request = checkout.CheckoutRequest(
        lines=[checkout.LineRequest(sku.pk, 1)], address_id=address.pk, source=Source.MOMENTS
    )
    order, _ = checkout.place_order(customer=customer, request=request)
    assert (order.source, order.source_campaign) == (Source.MOMENTS, "c1")


def test_order_events_are_not_touches(customer, address, sku):
    touch(customer, days_ago=6, channel="ads")
    place(customer, [(sku.pk, 1)], address=address)
    customer.refresh_from_db()
    assert customer.last_touch_at < timezone.now() - timedelta(days=5)
