"""The reach admin API and the tracked-link page, as a client uses them."""

from __future__ import annotations

import datetime as dt

from django.test import Client

from siyu.reach import dispatch
from siyu.reach.models import Broadcast, Message
from siyu.testing.reach import RecordingAdapter, consent, installed, make_customers, static_segment
from siyu.testing.snapshots import changed, tenant_rows

BASE = "/api/v1/admin/reach"
T0 = dt.datetime(2028, 2, 29, 2, 30, tzinfo=dt.UTC)


def test_operator_sends_a_broadcast_through_the_api(merchant, staff_api, make_staff):
    sms = RecordingAdapter("sms")
    with installed(sms):
        people = make_customers(merchant, 3)
        consent(people, "sms")
        segment = static_segment(merchant, people)
        r = staff_api.put(f"{BASE}/channels/sms", {"enabled": True, "rate_per_minute": 100})
        assert r.status_code == 200 and r.json()["enabled"] is True
        r = staff_api.put(f"{BASE}/policy", {"daily_cap": 1, "weekly_cap": 3})
        assert r.json() == {
            "daily_cap": 1,
            "weekly_cap": 3,
            "default_hour": 20,
            "tighten_for_tolerance": True,
        }
        r = staff_api.post(
            f"{BASE}/templates",
            {
                "name": "hi",
                "channel": "sms",
                "fields": {"text": "{{ customer.nickname }} {{ link }}"},
                "link_url": "https://x.example.com/",
            },
        )
        assert r.status_code == 201, r.content
        tid = r.json()["id"]
        # A refused template (unknown variable) changes nothing.
        before = tenant_rows(merchant)
        r = staff_api.post(
            f"{BASE}/templates", {"name": "bad", "channel": "sms", "fields": {"text": "{{ customer.phone }}"}}
        )
        assert (r.status_code, r.json()["code"]) == (400, "invalid_template")
        assert r.json()["detail"] == {"field": "fields", "unknown_variables": ["customer.phone"]}
        assert changed(before, tenant_rows(merchant)) == []
        r = staff_api.post(f"{BASE}/templates/{tid}/preview", {"customer_id": people[0].pk})
        assert r.json()["fields"]["text"].startswith("c0 https://")
        r = staff_api.post(f"{BASE}/broadcasts/preview", {"segment_id": segment.pk, "template_ids": [tid]})
        assert r.json()["channels"] == [{"template_id": tid, "channel": "sms", "reachable": 3}]
        assert (r.json()["audience"], r.json()["to_send"]) == (3, 3)
        r = staff_api.post(
            f"{BASE}/broadcasts", {"name": "b", "segment_id": segment.pk, "template_ids": [tid]}
        )
        assert r.status_code == 201
        bid = r.json()["id"]
        r = staff_api.patch(f"{BASE}/broadcasts/{bid}", {"holdout_bp": 0, "name": "spring"})
        assert r.json()["name"] == "spring"
        r = staff_api.post(f"{BASE}/broadcasts/{bid}/start")
        assert (r.json()["status"], r.json()["audience_size"]) == ("sending", 3)
        before = tenant_rows(merchant)
        r = staff_api.patch(f"{BASE}/broadcasts/{bid}", {"name": "late"})
        assert (r.status_code, r.json()["code"]) == (409, "broadcast_not_editable")
        assert changed(before, tenant_rows(merchant)) == []
        dispatch.run_once(now=T0)
        r = staff_api.get(f"{BASE}/broadcasts/{bid}/report")
        assert (r.json()["sent"], r.json()["planned"], r.json()["status"]) == (3, 3, "done")
        r = staff_api.get(f"{BASE}/messages", {"broadcast_id": bid})
        assert r.json()["count"] == 3 and {m["status"] for m in r.json()["items"]} == {"sent"}
        # The customer taps the link: redirected, click recorded.
        m = Message.objects.get(broadcast_id=bid, customer=people[1])
        code = m.payload["fields"]["text"].rsplit("/", 1)[1]
        page = Client().get(f"/reach/r/{code}")
        assert (page.status_code, page["Location"]) == (302, "https://x.example.com/")
        assert Client().get("/reach/r/nope").status_code == 404
        m.refresh_from_db()
        assert m.clicked_at is not None
        assert staff_api.get(f"{BASE}/broadcasts/{bid}/report").json()["clicked"] == 1


def test_other_merchants_ids_are_404_and_clerks_cannot_send(merchant, staff_api, make_staff):
    from siyu.tenancy.services import issue_staff_token
    from siyu.testing.clients import ApiClient
    from siyu.testing.factories import make_merchant
    from siyu.testing.factories import make_staff as new_staff

    other = make_merchant("other")
    other_owner = new_staff(other)
    foreign = Broadcast.objects.create(
        merchant=other, name="x", segment=static_segment(other, []), created_by=other_owner
    )
    assert staff_api.get(f"{BASE}/broadcasts/{foreign.pk}").status_code == 404
    assert staff_api.post(f"{BASE}/broadcasts/{foreign.pk}/start").status_code == 404
    viewer = make_staff(role="guide")
    client = ApiClient(issue_staff_token(staff=viewer))
    before = tenant_rows(merchant)
    r = client.put(f"{BASE}/policy", {"daily_cap": 5, "weekly_cap": 9})
    assert r.status_code == 403
    assert changed(before, tenant_rows(merchant)) == []
