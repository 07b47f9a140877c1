"""Customer 360 and the guides' notes: one call shows what every part of the CDP knows."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from siyu.audience.models import GuideNote
from siyu.audience.services.tags import create_tag, create_tag_group, tag_customers
from siyu.events.services import record_events
from siyu.members.loyalty.services import admin as loyalty_admin
from siyu.members.services import bind_guide, login_with_code
from siyu.tenancy.models import AuditEntry, Role
from siyu.tenancy.services import issue_staff_token
from siyu.testing.clients import ApiClient
from siyu.testing.factories import make_merchant
from siyu.testing.flows import pay, place


def _world(owner, customer, sku, address):
    loyalty_admin.update_settings(staff=owner, earn_points_per_yuan=1, growth_per_yuan=1)
    loyalty_admin.create_tier(staff=owner, code="silver", name="银卡", rank=0, growth_threshold=0)
    order = pay(customer, place(customer, [(sku.pk, 2)], address=address))
    group = create_tag_group(staff=owner, kind="preference", name="口味")
    tag = create_tag(staff=owner, group_id=group.pk, name="爱喝绿茶")
    tag_customers(staff=owner, tag_id=tag.pk, customer_ids=[customer.pk])
    record_events(
        merchant=customer.merchant_id,
        customer=customer,
        events=[
            {
                "event_id": "0b7e3c1e-1111-4a8e-9a51-000000000001",
                "type": "search",
                "occurred_at": order.created_at.isoformat(),
                "properties": {"keywords": "龙井"},
                "source": {"channel": "moments"},
            }
        ],
    )
    return order, tag


def test_customer_360_shows_every_part(owner, staff_api, customer, sku, address):
    order, tag = _world(owner, customer, sku, address)
    staff_api.post(
        f"/api/v1/admin/customers/{customer.pk}/notes", {"body": "想要送礼装", "kind": "consultation"}
    )

    with CaptureQueriesContext(connection) as queries:
        r = staff_api.get(f"/api/v1/admin/customers/{customer.pk}/360")
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["id"] == customer.pk
    assert body["spend"] == {
        "orders": 1,
        "paid": order.paid_amount,
        "refunded": 0,
        "net": order.paid_amount,
        "first_paid_at": body["spend"]["first_paid_at"],
        "last_paid_at": body["spend"]["last_paid_at"],
    }
    assert [o["number"] for o in body["orders"]] == [order.number]
    assert [(t["tag_id"], t["name"], t["group_kind"], t["source"]) for t in body["tags"]] == [
        (tag.pk, "爱喝绿茶", "preference", "manual")
    ]
    assert body["membership"]["enabled"] is True
    assert body["membership"]["tier"] == "银卡"
    assert body["membership"]["points_balance"] == (order.paid_amount - order.shipping_fee) // 100
    kinds = [e["kind"] for e in body["events"]]
    assert "search" in kinds and "order_paid" in kinds
    assert [(n["kind"], n["body"]) for n in body["notes"]] == [("consultation", "想要送礼装")]
    assert {i["kind"] for i in body["identities"]} == {"mp_openid", "unionid"}
    assert all("…" in i["value"] for i in body["identities"])  # openids are shown by their ends only
    assert body["last_touch"]["source"] == "moments"
    # A fixed number of queries: the page never loops over orders, tags or events.
    assert len(queries) <= 25


def test_360_of_another_merchants_customer_is_not_found(staff_api, owner):
    beta = make_merchant("beta")
    stranger = login_with_code(merchant=beta, code="zoe").customer
    assert staff_api.get(f"/api/v1/admin/customers/{stranger.pk}/360").status_code == 404
    r = staff_api.post(f"/api/v1/admin/customers/{stranger.pk}/notes", {"body": "x"})
    assert r.status_code == 404
    assert GuideNote.objects.count() == 0


def test_notes_are_append_only_records_by_guides(make_staff, customer):
    guide = make_staff(Role.GUIDE)
    api = ApiClient(issue_staff_token(staff=guide))
    # A guide writes notes on their own customers only: another's is not found.
    assert api.post(f"/api/v1/admin/customers/{customer.pk}/notes", {"body": "x"}).status_code == 404
    bind_guide(staff=guide, customer_id=customer.pk, guide_id=guide.pk, source="share_link")
    r = api.post(
        f"/api/v1/admin/customers/{customer.pk}/notes", {"body": "  回访：已收到货  ", "kind": "follow_up"}
    )
    assert r.status_code == 201
    assert (r.json()["body"], r.json()["kind"], r.json()["staff_id"]) == (
        "回访：已收到货",
        "follow_up",
        guide.pk,
    )
    assert AuditEntry.objects.filter(action="customer.note").count() == 1
    listed = api.get(f"/api/v1/admin/customers/{customer.pk}/notes").json()
    assert listed["count"] == 1 and listed["items"][0]["staff_name"] == guide.display_name


def test_bad_notes_are_refused_and_change_nothing(staff_api, make_staff, customer, outlet):
    for payload in ({"body": ""}, {"body": "x" * 2001}, {"body": "ok", "kind": "gossip"}):
        assert staff_api.post(f"/api/v1/admin/customers/{customer.pk}/notes", payload).status_code == 422
    blank = staff_api.post(f"/api/v1/admin/customers/{customer.pk}/notes", {"body": "   "})
    assert (blank.status_code, blank.json()["code"]) == (400, "note_invalid")
    service = ApiClient(issue_staff_token(staff=make_staff(Role.OUTLET_MANAGER, outlets=[outlet])))
    assert service.post(f"/api/v1/admin/customers/{customer.pk}/notes", {"body": "x"}).status_code == 403
    # An outlet manager reads the customers of their outlets' guides only: this one is not found.
    assert service.get(f"/api/v1/admin/customers/{customer.pk}/360").status_code == 404
    assert GuideNote.objects.count() == 0


def test_a_payment_refreshes_value_row_and_automatic_tags(
    owner, customer, sku, address, django_capture_on_commit_callbacks
):
    """Order paid -> the value row (rung 1) and then every automatic tag whose rule now matches."""
    from siyu.audience.models import CustomerTag
    from siyu.audience.services.tag_rules import create_tag_rule
    from siyu.audience.values.models import CustomerValue

    group = create_tag_group(staff=owner, kind="consumption", name="购买")
    buyer = create_tag(staff=owner, group_id=group.pk, name="已购客户")
    create_tag_rule(staff=owner, tag_id=buyer.pk, rule={"loyalty_rung": {"op": "gte", "value": 1}})
    order = place(customer, [(sku.pk, 1)], address=address)
    with django_capture_on_commit_callbacks(execute=True):
        pay(customer, order)
    value = CustomerValue.objects.get(customer=customer)
    assert (value.order_count, value.loyalty_rung) == (1, 1)
    assert list(CustomerTag.objects.filter(customer=customer).values_list("tag_id", "source")) == [
        (buyer.pk, "rule")
    ]
