"""Binding customers to shopping guides (专属导购): by an operator on the 360 page or in bulk from the
list, by a guide's share link; every change leaves a GuideBinding row, refusals change nothing."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from siyu.members.guide_links import guide_code
from siyu.members.models import Customer, GuideBinding
from siyu.members.services import bind_guide
from siyu.tenancy.models import AuditEntry, Role
from siyu.testing.clients import h5_login, log_in
from siyu.testing.factories import make_merchant, make_staff
from siyu.testing.guides import GuideWorld, build_guide_world
from siyu.testing.snapshots import changed, refused, tenant_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(merchant) -> GuideWorld:
    return build_guide_world(merchant)


def _guide_of(customer: Customer) -> int | None:
    return Customer.objects.get(pk=customer.pk).guide_id


def test_an_operator_moves_a_customer_to_another_guide_on_the_360_page(w):
    client = log_in(w.operator)
    anna = w.customers["anna"]
    page = client.get(f"/console/customers/{anna.pk}/").content.decode()
    assert 'data-testid="guide-form"' in page and 'data-testid="customer-guide">Guide A' in page

    response = client.post(f"/console/customers/{anna.pk}/guide/", {"guide": w.guide_b.pk})

    assert response.status_code == 302
    assert _guide_of(anna) == w.guide_b.pk
    row = GuideBinding.objects.filter(customer=anna).order_by("-id").first()
    assert (row.guide_id, row.previous_guide_id, row.source, row.bound_by_id) == (
        w.guide_b.pk,
        w.guide_a.pk,
        "operator",
        w.operator.pk,
    )
    audits = AuditEntry.objects.filter(action="customer.guide_assigned", object_id=str(anna.pk))
    audit = audits.first()  # newest first
    assert (audit.before, audit.after) == ({"guide_id": w.guide_a.pk}, {"guide_id": w.guide_b.pk})
    page = client.get(f"/console/customers/{anna.pk}/").content.decode()
    assert 'data-testid="guide-history"' in page and "Assigned by an operator" in page
    # Empty unbinds.
    client.post(f"/console/customers/{anna.pk}/guide/", {"guide": ""})
    assert _guide_of(anna) is None


def test_binding_to_someone_who_is_no_guide_is_a_form_error_and_changes_nothing(w, merchant):
    client = log_in(w.operator)
    anna = w.customers["anna"]
    other_shop_guide = make_staff(make_merchant("other"), Role.GUIDE)
    for bad in (w.operator.pk, other_shop_guide.pk, "x"):
        refused(client, f"/console/customers/{anna.pk}/guide/", {"guide": bad}, merchant, 400)
    response = client.post(f"/console/customers/{anna.pk}/guide/", {"guide": w.operator.pk})
    assert (
        'data-testid="guide-error">Choose an active shopping guide of this shop.<'
        in response.content.decode()
    )
    # A guide may not assign customers, not even their own.
    guide = log_in(w.guide_a)
    refused(guide, f"/console/customers/{anna.pk}/guide/", {"guide": w.guide_a.pk}, merchant, 403)


def test_bulk_assignment_from_the_list_and_the_guide_filter(w):
    client = log_in(w.operator)
    amy, bob, uma = w.customers["amy"], w.customers["bob"], w.customers["uma"]
    listed = client.get("/console/customers/?guide=none").content.decode()
    assert listed.count("data-customer=") == 1 and f'data-customer="{uma.pk}"' in listed
    response = client.post(
        "/console/customers/bulk-guide/",
        {"guide": w.guide_b.pk, "scope": "selected", "customer_ids": [amy.pk, bob.pk, uma.pk]},
    )
    assert response.status_code == 302
    assert [_guide_of(c) for c in (amy, bob, uma)] == [w.guide_b.pk] * 3
    # bob was already B's: two changed, two history rows, one audit row.
    assert GuideBinding.objects.filter(guide=w.guide_b, bound_by=w.operator).count() == 1 + 2
    listed = client.get(f"/console/customers/?guide={w.guide_b.pk}").content.decode()
    assert listed.count("data-customer=") == 3
    # "Everyone the filter finds": B's customers back to nobody.
    client.post(
        "/console/customers/bulk-guide/",
        {"guide": "none", "scope": "filter", "filter": f"guide={w.guide_b.pk}"},
    )
    assert [_guide_of(c) for c in (amy, bob, uma)] == [None, None, None]


def test_bulk_assignment_refusals_change_nothing(w, merchant):
    client = log_in(w.operator)
    before = tenant_rows(merchant)
    for data in (
        {"guide": w.guide_b.pk, "scope": "selected"},  # nobody ticked
        {"guide": w.operator.pk, "scope": "selected", "customer_ids": [w.customers["uma"].pk]},
        {"guide": w.guide_b.pk, "scope": "selected", "customer_ids": [999_999]},
    ):
        response = client.post("/console/customers/bulk-guide/", data)
        assert response.status_code in (400, 404), data
    assert changed(before, tenant_rows(merchant)) == []


def test_a_guides_share_link_binds_a_new_customer_and_never_takes_one_from_another_guide(w, merchant):
    link = log_in(w.guide_a).get("/console/customers/").content.decode()
    assert 'data-testid="guide-link"' in link
    code = guide_code(w.guide_a)
    shop = Client()
    landing = shop.get(f"/shop/{merchant.slug}/?guide={code}&source=promo_link")
    assert landing.status_code == 302 and "guide=" not in landing["Location"]
    newcomer = h5_login(shop, merchant, "nina")
    assert _guide_of(newcomer) == w.guide_a.pk
    row = GuideBinding.objects.get(customer=newcomer)
    assert (row.guide_id, row.source, row.bound_by_id) == (w.guide_a.pk, "share_link", None)
    # Bob is guide B's: following guide A's link changes nothing.
    bob_browser = Client()
    h5_login(bob_browser, merchant, "bob")
    bob_browser.get(f"/shop/{merchant.slug}/?guide={code}")
    assert _guide_of(w.customers["bob"]) == w.guide_b.pk
    # Uma has no guide: a logged-in visit through the link binds her at once.
    uma_browser = Client()
    h5_login(uma_browser, merchant, "uma")
    uma_browser.get(f"/shop/{merchant.slug}/?guide={code}")
    assert _guide_of(w.customers["uma"]) == w.guide_a.pk


def test_a_forged_or_foreign_guide_code_binds_nobody(w, merchant):
    other = make_merchant("other")
    foreign = make_staff(other, Role.GUIDE)
    for code in (f"{w.guide_a.pk}:forged", guide_code(foreign), str(w.guide_a.pk), "x" * 200):
        shop = Client()
        shop.get(f"/shop/{merchant.slug}/?guide={code}")
        customer = h5_login(shop, merchant, f"n{len(code)}{code[:3]}")
        assert _guide_of(customer) is None, code
    # A guide who has left: the link binds nobody either.
    w.guide_a.is_active = False
    w.guide_a.save(update_fields=["is_active"])
    shop = Client()
    shop.get(f"/shop/{merchant.slug}/?guide={guide_code(w.guide_a)}")
    assert _guide_of(h5_login(shop, merchant, "late")) is None


def test_the_share_link_shown_to_a_guide_carries_their_code(w, rf):
    from siyu.members.guide_links import guide_share_url

    url = guide_share_url(rf.get("/"), w.guide_a)
    query = parse_qs(urlsplit(url).query)
    assert urlsplit(url).path == f"/shop/{w.merchant.slug}/"
    assert query == {"guide": [guide_code(w.guide_a)], "source": ["promo_link"]}


def test_share_link_binding_through_the_service_needs_the_guides_own_id(w):
    with pytest.raises(Exception) as refused_exc:
        bind_guide(
            staff=w.guide_a, customer_id=w.customers["uma"].pk, guide_id=w.guide_b.pk, source="share_link"
        )
    assert getattr(refused_exc.value, "code", "") == "invalid_input"
    assert _guide_of(w.customers["uma"]) is None
