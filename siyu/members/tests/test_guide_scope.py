"""A guide sees only their own customers and those customers' orders, on every console page and API
route that lists or fetches customers or orders; another guide's customer or order is a 404 (not a
403: an id says nothing of whether it exists) and a refused call changes nothing. An outlet manager
sees the customers of their outlets' guides."""

from __future__ import annotations

import csv
import io

import pytest

from siyu.audience import services as audience
from siyu.audience.models import CustomerTag
from siyu.members.scope import customers_visible_to, orders_visible_to
from siyu.tenancy.services import issue_staff_token
from siyu.testing.clients import ApiClient, log_in
from siyu.testing.guides import GuideWorld, build_guide_world
from siyu.testing.snapshots import changed, tenant_rows

pytestmark = pytest.mark.django_db
ADM = "/api/v1/admin"


@pytest.fixture
def w(merchant) -> GuideWorld:
    return build_guide_world(merchant)


def _ids(w: GuideWorld, *names: str) -> list[int]:
    return sorted(w.customers[n].pk for n in names)


def test_the_scope_rule_for_each_role(w):
    seen = {
        "operator": customers_visible_to(w.operator),
        "guide A": customers_visible_to(w.guide_a),
        "guide B": customers_visible_to(w.guide_b),
        "manager X": customers_visible_to(w.manager_x),
    }
    assert {k: sorted(qs.values_list("pk", flat=True)) for k, qs in seen.items()} == {
        "operator": _ids(w, "anna", "amy", "bob", "uma"),
        "guide A": _ids(w, "anna", "amy"),
        "guide B": _ids(w, "bob"),
        "manager X": _ids(w, "anna", "amy"),
    }
    orders = {
        k: sorted(orders_visible_to(s).values_list("customer_id", flat=True))
        for k, s in (("guide A", w.guide_a), ("guide B", w.guide_b), ("manager X", w.manager_x))
    }
    assert orders == {
        "guide A": _ids(w, "anna", "amy"),
        "guide B": _ids(w, "bob"),
        "manager X": _ids(w, "anna", "amy"),
    }


def test_console_pages_show_a_guide_only_their_customers_and_orders(w):
    client = log_in(w.guide_a)
    listed = client.get("/console/customers/").content.decode()
    assert sorted(int(x) for x in _data_ids(listed, "data-customer")) == _ids(w, "anna", "amy")
    assert 'data-testid="customers-title">My customers<' in listed
    orders = client.get("/console/orders/").content.decode()
    assert sorted(_data_ids(orders, "data-order")) == sorted(
        [w.orders["anna"].number, w.orders["amy"].number]
    )
    anna, bob = w.customers["anna"], w.customers["bob"]
    assert client.get(f"/console/customers/{anna.pk}/").status_code == 200
    assert client.get(f"/console/orders/{w.orders['anna'].pk}/").status_code == 200
    before = tenant_rows(w.merchant)
    for url in (
        f"/console/customers/{bob.pk}/",
        f"/console/customers/{bob.pk}/data/",
        f"/console/orders/{w.orders['bob'].pk}/",
        f"/console/orders/{w.orders['uma'].pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "bob" not in response.content.decode() and "uma" not in response.content.decode()
    for url, data in (
        (f"/console/customers/{bob.pk}/notes/", {"body": "mine now"}),
        (f"/console/customers/{bob.pk}/tags/", {"tag_id": 1}),
    ):
        assert client.post(url, data).status_code == 404, url
    assert changed(before, tenant_rows(w.merchant)) == []


def test_bulk_tagging_by_a_guide_is_refused_for_anothers_customer_and_changes_nothing(w):
    group = audience.create_tag_group(staff=w.operator, kind="manual", name="手工")
    tag = audience.create_tag(staff=w.operator, group_id=group.pk, name="VIP")
    client = log_in(w.guide_a)
    before = tenant_rows(w.merchant)
    ids = [w.customers["anna"].pk, w.customers["bob"].pk]
    response = client.post(
        "/console/customers/bulk-tag/",
        {"tag_id": tag.pk, "action": "add", "scope": "selected", "customer_ids": ids},
    )
    assert response.status_code == 404
    assert changed(before, tenant_rows(w.merchant)) == []
    # "Every customer the filter finds" is every one of theirs, and only theirs.
    client.post("/console/customers/bulk-tag/", {"tag_id": tag.pk, "action": "add", "scope": "filter"})
    tagged = CustomerTag.objects.filter(tag=tag).values_list("customer_id", flat=True)
    assert sorted(tagged) == _ids(w, "anna", "amy")


def test_segment_members_and_exports_keep_to_the_guides_customers(w):
    segment = audience.create_segment(
        staff=w.operator, name="everyone", rule={"field": "phone", "op": "is_set"}
    )
    client = log_in(w.guide_a)
    page = client.get(f"/console/customers/segments/{segment.pk}/").content.decode()
    assert sorted(int(x) for x in _data_ids(page, "data-customer")) == _ids(w, "anna", "amy")
    api = ApiClient(issue_staff_token(staff=w.guide_a))
    members = api.get(f"{ADM}/segments/{segment.pk}/members").json()
    assert sorted(m["id"] for m in members["items"]) == _ids(w, "anna", "amy")
    preview = api.post(f"{ADM}/segments/preview", {"rule": {"field": "phone", "op": "is_set"}}).json()
    assert preview["count"] == 2
    for response in (
        client.get(f"/console/customers/segments/{segment.pk}/export.csv"),
        api.get(f"{ADM}/segments/{segment.pk}/export.csv"),
    ):
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
        assert sorted(int(r[0]) for r in rows[1:]) == _ids(w, "anna", "amy")
        assert sorted(r[2] for r in rows[1:]) == ["138****0011", "138****0012"]


def test_admin_api_routes_keep_a_guide_to_their_customers(w):
    api = ApiClient(issue_staff_token(staff=w.guide_a))
    anna, bob = w.customers["anna"], w.customers["bob"]
    assert sorted(c["id"] for c in api.get(f"{ADM}/customers").json()["items"]) == _ids(w, "anna", "amy")
    orders = api.get(f"{ADM}/orders").json()["items"]
    assert sorted(o["customer_id"] for o in orders) == _ids(w, "anna", "amy")
    assert api.get(f"{ADM}/orders", {"customer_id": bob.pk}).json()["count"] == 0
    for path in ("", "/360", "/notes", "/tags"):
        assert api.get(f"{ADM}/customers/{anna.pk}{path}").status_code == 200, path
    assert api.get(f"{ADM}/values/customers/{anna.pk}").status_code == 200
    before = tenant_rows(w.merchant)
    reads = [f"{ADM}/customers/{bob.pk}{p}" for p in ("", "/360", "/notes", "/tags")]
    reads += [f"{ADM}/values/customers/{bob.pk}", f"{ADM}/orders/{w.orders['bob'].pk}"]
    for path in reads:
        response = api.get(path)
        assert (response.status_code, response.json()["code"]) == (404, "not_found"), path
    for method, path, body in (
        ("patch", f"{ADM}/customers/{bob.pk}", {"nickname": "taken"}),
        ("post", f"{ADM}/customers/{bob.pk}/notes", {"body": "mine"}),
        ("post", f"{ADM}/tags/1/customers", {"customer_ids": [bob.pk]}),
    ):
        assert api.request(method, path, body).status_code == 404, path
    assert changed(before, tenant_rows(w.merchant)) == []


def test_the_member_list_and_the_customer_picker_keep_to_the_guides_customers(w):
    client = log_in(w.guide_a)
    members = client.get("/console/members/").content.decode()
    assert sorted(int(x) for x in _data_ids(members, "data-member")) == _ids(w, "anna", "amy")
    assert client.get(f"/console/members/{w.customers['bob'].pk}/").status_code == 404
    picked = client.get("/console/pick/customers/").content.decode()
    assert "anna" in picked and "amy" in picked and "bob" not in picked and "uma" not in picked
    assert "138****0011" in picked and "13800000011" not in picked


def test_an_outlet_manager_sees_their_outlets_guides_customers(w):
    api = ApiClient(issue_staff_token(staff=w.manager_x))
    assert sorted(c["id"] for c in api.get(f"{ADM}/customers").json()["items"]) == _ids(w, "anna", "amy")
    assert api.get(f"{ADM}/customers/{w.customers['bob'].pk}").status_code == 404
    orders = api.get(f"{ADM}/orders").json()["items"]
    assert sorted(o["customer_id"] for o in orders) == _ids(w, "anna", "amy")
    page = log_in(w.manager_x).get("/console/customers/").content.decode()
    assert sorted(int(x) for x in _data_ids(page, "data-customer")) == _ids(w, "anna", "amy")


def test_a_guides_list_takes_a_fixed_number_of_queries(w, django_assert_max_num_queries):
    client = log_in(w.guide_a)
    client.get("/console/customers/")
    with django_assert_max_num_queries(6):  # session, user, staff, count, page, spend
        client.get("/console/customers/")


def _data_ids(html: str, attribute: str) -> list[str]:
    import re

    return re.findall(rf'{attribute}="([^"]+)"', html)
