"""Phones are masked (138****0011) on every surface for every role; the full number comes only from
the audited reveal (console button, API route) for roles with ``customers.view_phone``, and from an
export by such a role. docs/guides.md has the design."""

from __future__ import annotations

import csv
import io

import pytest

from siyu.audience import services as audience
from siyu.tenancy.models import AuditEntry
from siyu.tenancy.services import issue_staff_token
from siyu.testing.clients import ApiClient, log_in
from siyu.testing.guides import GuideWorld, build_guide_world
from siyu.testing.snapshots import changed, tenant_rows

pytestmark = pytest.mark.django_db
ADM = "/api/v1/admin"
HX = {"HX-Request": "true"}


@pytest.fixture
def w(merchant) -> GuideWorld:
    return build_guide_world(merchant)


def _full_numbers(w: GuideWorld) -> list[str]:
    return [p for c in w.customers.values() for p in (c.phone, "139" + (c.phone or "")[3:])]


@pytest.mark.parametrize("who", ["operator", "guide_a"])
def test_console_pages_mask_every_phone_for_every_role(w, who):
    client = log_in(getattr(w, who))
    anna = w.customers["anna"]
    segment = audience.create_segment(staff=w.operator, name="all", rule={"field": "phone", "op": "is_set"})
    pages = {
        "list": client.get("/console/customers/").content.decode(),
        "360": client.get(f"/console/customers/{anna.pk}/").content.decode(),
        "order": client.get(f"/console/orders/{w.orders['anna'].pk}/").content.decode(),
        "segment": client.get(f"/console/customers/segments/{segment.pk}/").content.decode(),
        "preview": client.post(
            "/console/customers/segments/preview/", {"rule": '{"field": "phone", "op": "is_set"}'}, headers=HX
        ).content.decode(),
    }
    for name, html in pages.items():
        assert not [p for p in _full_numbers(w) if p in html], name
    assert 'data-testid="phone">138****0011<' in pages["list"]
    assert 'data-testid="phone">138****0011<' in pages["360"]
    assert "Anna 139****0011" in pages["360"]  # the address's recipient
    assert 'data-testid="order-phone">139****0011<' in pages["order"]
    assert "138****0011" in pages["segment"] and "138****0011" in pages["preview"]
    # The "show number" button is offered to roles that may reveal, and only to them.
    assert ('data-testid="reveal-phone"' in pages["360"]) is (who == "operator")
    assert ('data-testid="reveal-order-phone"' in pages["order"]) is (who == "operator")


@pytest.mark.parametrize("who", ["operator", "guide_a"])
def test_api_answers_mask_every_phone_for_every_role(w, who):
    api = ApiClient(issue_staff_token(staff=getattr(w, who)))
    anna = w.customers["anna"]
    segment = audience.create_segment(staff=w.operator, name="all", rule={"field": "phone", "op": "is_set"})
    answers = {
        "customers": api.get(f"{ADM}/customers", {"q": "anna"}).json()["items"][0]["phone"],
        "customer": api.get(f"{ADM}/customers/{anna.pk}").json()["phone"],
        "360": api.get(f"{ADM}/customers/{anna.pk}/360").json()["phone"],
        "order": api.get(f"{ADM}/orders/{w.orders['anna'].pk}").json()["shipping_address"]["phone"],
        "orders": api.get(f"{ADM}/orders", {"customer_id": anna.pk}).json()["items"][0]["shipping_address"][
            "phone"
        ],
        "members": [m["phone"] for m in api.get(f"{ADM}/segments/{segment.pk}/members").json()["items"]],
    }
    identities = api.get(f"{ADM}/customers/{anna.pk}/360").json()["identities"]
    assert [i["value"] for i in identities if i["kind"] == "phone"] == ["138****0011"]
    assert answers["customers"] == answers["customer"] == answers["360"] == "138****0011"
    assert answers["order"] == answers["orders"] == "139****0011"
    assert "138****0011" in answers["members"] and not set(answers["members"]) & set(_full_numbers(w))


def test_revealing_a_number_is_audited_and_answers_the_full_number(w):
    anna = w.customers["anna"]
    client = log_in(w.operator)
    shown = client.post(f"/console/customers/{anna.pk}/phone/", headers=HX)
    assert shown.status_code == 200
    assert 'data-testid="phone-full">13800000011<' in shown.content.decode()
    order_shown = client.post(f"/console/orders/{w.orders['anna'].pk}/phone/", headers=HX)
    assert 'data-testid="order-phone-full">13900000011<' in order_shown.content.decode()
    api = ApiClient(issue_staff_token(staff=w.operator))
    assert api.post(f"{ADM}/customers/{anna.pk}/reveal-phone").json() == {
        "customer_id": anna.pk,
        "phone": "13800000011",
    }
    assert api.post(f"{ADM}/orders/{w.orders['anna'].pk}/reveal-phone").json() == {
        "order_id": w.orders["anna"].pk,
        "recipient_phone": "13900000011",
        "customer_phone": "13800000011",
    }
    rows = AuditEntry.objects.filter(action__endswith="phone_revealed").order_by("id")
    assert [(r.action, r.staff_id, r.object_id) for r in rows] == [
        ("customer.phone_revealed", w.operator.pk, str(anna.pk)),
        ("order.phone_revealed", w.operator.pk, str(w.orders["anna"].pk)),
        ("customer.phone_revealed", w.operator.pk, str(anna.pk)),
        ("order.phone_revealed", w.operator.pk, str(w.orders["anna"].pk)),
    ]
    assert rows[0].after == {"phone": "138****0011"}  # the audit log itself keeps no full number


def test_a_role_without_the_permission_cannot_reveal_and_nothing_is_recorded(w):
    anna, bob = w.customers["anna"], w.customers["bob"]
    guide = log_in(w.guide_a)
    api = ApiClient(issue_staff_token(staff=w.guide_a))
    operator = ApiClient(issue_staff_token(staff=w.operator))
    before = tenant_rows(w.merchant)
    assert guide.post(f"/console/customers/{anna.pk}/phone/", headers=HX).status_code == 403
    assert guide.post(f"/console/orders/{w.orders['anna'].pk}/phone/", headers=HX).status_code == 403
    denied = api.post(f"{ADM}/customers/{anna.pk}/reveal-phone")
    assert (denied.status_code, denied.json()["code"]) == (403, "permission_denied")
    assert api.post(f"{ADM}/orders/{w.orders['anna'].pk}/reveal-phone").status_code == 403
    assert "13800000011" not in denied.content.decode()
    # A role that may reveal asking for an id that is not a customer of the shop: 404, nothing recorded.
    assert operator.post(f"{ADM}/customers/{bob.pk + 1000}/reveal-phone").status_code == 404
    assert changed(before, tenant_rows(w.merchant)) == []


def test_exports_show_full_numbers_only_to_roles_with_the_permission(w):
    segment = audience.create_segment(staff=w.operator, name="all", rule={"field": "phone", "op": "is_set"})

    def phones(staff) -> list[str]:
        response = log_in(staff).get(f"/console/customers/segments/{segment.pk}/export.csv")
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
        return sorted(r[2] for r in rows[1:])

    assert phones(w.operator) == ["13800000011", "13800000012", "13800000021", "13800000031"]
    assert phones(w.guide_a) == ["138****0011", "138****0012"]
    audits = AuditEntry.objects.filter(action="segment.export").order_by("id")
    assert [(a.staff_id, a.after) for a in audits] == [
        (w.operator.pk, {"phones": "full"}),
        (w.guide_a.pk, {"phones": "masked"}),
    ]
