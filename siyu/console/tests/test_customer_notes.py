"""Guide notes (1:1 consultation records) on the console's customer page."""

from __future__ import annotations


def test_guide_notes_on_the_customer_page(console_as, merchant):
    from siyu.audience.models import GuideNote
    from siyu.members.services import bind_guide, login_with_code
    from siyu.tenancy.models import Role

    customer = login_with_code(merchant=merchant, code="nora").customer
    client, guide = console_as(Role.GUIDE)
    # A guide writes notes on their own customers (another guide's customer is a 404).
    assert client.post(f"/console/customers/{customer.pk}/notes/", {"body": "x"}).status_code == 404
    bind_guide(staff=guide, customer_id=customer.pk, guide_id=guide.pk, source="share_link")
    r = client.post(
        f"/console/customers/{customer.pk}/notes/", {"body": "想给妈妈买茶", "kind": "consultation"}
    )
    assert r.status_code == 302
    note = GuideNote.objects.get()
    assert (note.customer_id, note.staff_id, note.kind, note.body) == (
        customer.pk,
        guide.pk,
        "consultation",
        "想给妈妈买茶",
    )
    panel = client.get(f"/console/customers/{customer.pk}/data/")
    assert "想给妈妈买茶".encode() in panel.content
    # Refused: an empty body changes nothing; an analyst may read but not write.
    client.post(f"/console/customers/{customer.pk}/notes/", {"body": "  "})
    analyst, _ = console_as(Role.ANALYST)
    assert analyst.post(f"/console/customers/{customer.pk}/notes/", {"body": "x"}).status_code == 403
    assert GuideNote.objects.count() == 1
