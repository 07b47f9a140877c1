"""Storefront visits (issue 11 item 6f) and the visitor's history linked at login (item 6c)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from siyu.events.models import Event, EventKind, IdentityLink
from siyu.members.services import save_address
from siyu.testing.clients import h5_login, log_in
from siyu.testing.flows import pay, place

pytestmark = [pytest.mark.django_db, pytest.mark.clock]
BEACON = 'data-testid="visit-beacon"'
MORNING = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai


def visits() -> list[tuple[int | None, str]]:
    rows = Event.objects.filter(kind=EventKind.VISIT).order_by("id")
    return [(e.customer_id, e.anonymous_id) for e in rows]


def test_page_views_count_visitors_and_conversion_on_the_overview(
    merchant, owner, make_product, time_machine
):
    time_machine.move_to(MORNING)
    product = make_product(price=5000)
    browser, buyer_browser = Client(), Client()

    assert BEACON in browser.get("/shop/tea/").content.decode()  # not counted yet today
    pixel = browser.get("/shop/tea/visit/")
    assert (pixel.status_code, pixel["Content-Type"], pixel["Cache-Control"]) == (
        200,
        "image/gif",
        "no-store",
    )
    visitor = browser.session["storefront"]["tea"]["visitor"]
    assert visits() == [(None, visitor)]
    assert BEACON not in browser.get(f"/shop/tea/p/{product.pk}/").content.decode()  # counted today
    browser.get("/shop/tea/visit/")  # a stray second hit records nothing new
    assert len(visits()) == 1

    assert BEACON in buyer_browser.get(f"/shop/tea/p/{product.pk}/").content.decode()
    buyer_browser.get("/shop/tea/visit/")
    buyer = h5_login(buyer_browser, merchant, "buyer")  # the visit becomes the customer's
    assert visits() == [(None, visitor), (buyer.pk, buyer_browser.session["storefront"]["tea"]["visitor"])]
    address = save_address(customer=buyer, recipient="R", phone="1390000", province="p", city="c", detail="d")
    pay(buyer, place(buyer, [(product.skus.get().pk, 1)], address=address))

    html = log_in(owner).get("/console/overview/").content.decode()
    assert 'data-testid="kpi-visitors">2<' in html
    assert 'data-testid="kpi-paying_customers">1<' in html
    assert 'data-testid="kpi-conversion_rate">50.00%<' in html

    time_machine.move_to(MORNING + timedelta(days=1))  # a new local day: counted again, as the customer
    assert BEACON in buyer_browser.get("/shop/tea/").content.decode()
    buyer_browser.get("/shop/tea/visit/")
    assert visits()[-1] == (buyer.pk, "")


def test_a_failing_visit_record_never_breaks_the_page(merchant, monkeypatch, time_machine):
    time_machine.move_to(MORNING)

    def broken(**kwargs):
        raise RuntimeError("events table unavailable")

    monkeypatch.setattr("siyu.storefront.tracking.record_events", broken)
    client = Client()
    assert client.get("/shop/tea/visit/").status_code == 200
    assert not Event.objects.exists()
    assert BEACON in client.get("/shop/tea/").content.decode()  # not remembered: tried again later


def test_login_links_what_the_browser_did_before(merchant, make_product, time_machine):
    time_machine.move_to(MORNING)
    product = make_product()
    sharer = h5_login(Client(), merchant, "sharer")
    client = Client()
    client.get(f"/shop/tea/p/{product.pk}/", {"sharer": sharer.pk, "source": "moments"})  # a share landing
    client.get("/shop/tea/visit/")
    visitor = client.session["storefront"]["tea"]["visitor"]
    assert Event.objects.filter(anonymous_id=visitor, customer__isnull=True).count() == 2
    assert client.session.session_key not in {e.anonymous_id for e in Event.objects.all()}  # no credential

    customer = h5_login(client, merchant, "newbie")

    assert Event.objects.filter(anonymous_id=visitor, customer=customer).count() == 2
    link = IdentityLink.objects.get()
    assert (link.anonymous_id, link.customer_id, link.via, link.events_attached) == (
        visitor,
        customer.pk,
        "login",
        2,
    )
    # Another person logging in on a fresh browser links nothing of this one.
    h5_login(Client(), merchant, "other")
    assert IdentityLink.objects.count() == 1
