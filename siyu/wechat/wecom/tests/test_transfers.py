"""继承 from the console: a guide's WeCom customers handed to another guide, polled until WeCom says
how each ended; the binding moves on success, a refusal shows its reason."""

from __future__ import annotations

import pytest

from siyu.members.models import BindingSource, Customer, GuideBinding
from siyu.tenancy.models import AuditEntry
from siyu.testing.clients import log_in
from siyu.testing.pages import texts
from siyu.testing.snapshots import refused
from siyu.testing.wecom import CORP_ID, change
from siyu.wechat.wecom import services, tasks
from siyu.wechat.wecom.models import ContactTransfer, DeletedBy, TransferStatus, WeComContact

pytestmark = pytest.mark.django_db

URL = "/console/wechat/wecom-transfers/"


def _contacts(world, send, names):
    way = services.create_contact_way(
        staff=world.owner, data=services.WayInput(name="A", staff_ids=[world.guide_a.pk])
    )
    found = {}
    for name in names:
        fields = world.wecom.add_contact(CORP_ID, way.config_id, name=name, unionid=f"u-{name}")
        send(fields)
        found[name] = Customer.objects.get(identities__value=f"u-{name}")
    return found


def test_a_transfer_moves_the_customers_who_accept_and_shows_who_refused(world, send):
    customers = _contacts(world, send, ["ann", "ben"])
    client = log_in(world.owner)
    response = client.post(
        URL,
        {"from_guide": world.guide_a.pk, "to_guide": world.guide_b.pk, "message": "Guide B takes over"},
    )
    assert response.status_code == 302, response.content[:600]
    rows = {t.customer_id: t for t in ContactTransfer.objects.all()}
    assert {t.status for t in rows.values()} == {TransferStatus.PENDING}
    records = world.fake.state["wecom.transfers"][CORP_ID]
    assert [(r["handover_userid"], r["takeover_userid"], r["resigned"], r["message"]) for r in records] == [
        ("guide_a", "guide_b", False, "Guide B takes over"),
        ("guide_a", "guide_b", False, "Guide B takes over"),
    ]
    # Asking again while WeCom waits starts nothing new.
    refused(
        client,
        URL,
        {"from_guide": world.guide_a.pk, "to_guide": world.guide_b.pk},
        world.merchant,
        400,
        code="nothing_to_transfer",
    )

    # Ann's is taken over after WeCom's 24 hours; Ben refuses (WeCom pushes transfer_fail).
    ann_index = next(i for i, r in enumerate(records) if r["external_userid"] != _external(customers["ben"]))
    ben_index = 1 - ann_index
    world.wecom.finish_transfer(CORP_ID, ann_index, accept=True)
    records[ben_index]["status"] = 3  # what WeCom's transfer_result says of a refusal
    send(change("transfer_fail", "guide_b", _external(customers["ben"]), FailReason="customer_refused"))
    assert tasks.poll_transfers.call() == 1

    ann = Customer.objects.get(pk=customers["ann"].pk)
    ben = Customer.objects.get(pk=customers["ben"].pk)
    assert (ann.guide_id, ben.guide_id) == (world.guide_b.pk, world.guide_a.pk)
    moved = GuideBinding.objects.filter(customer=ann).order_by("id").last()
    assert (moved.guide_id, moved.previous_guide_id, moved.source, moved.bound_by_id) == (
        world.guide_b.pk,
        world.guide_a.pk,
        BindingSource.WECOM,
        world.owner.pk,
    )
    assert AuditEntry.objects.filter(action="customer.guide_transferred").count() == 1
    old, new = WeComContact.objects.filter(customer=ann).order_by("id")
    assert (old.userid, old.deleted_by, new.userid, new.deleted_at, new.staff_id) == (
        "guide_a",
        DeletedBy.TRANSFER,
        "guide_b",
        None,
        world.guide_b.pk,
    )
    statuses = {t.customer_id: (t.status, t.reason) for t in ContactTransfer.objects.all()}
    assert statuses == {
        ann.pk: (TransferStatus.SUCCEEDED, ""),
        ben.pk: (TransferStatus.FAILED, "customer_refused"),
    }
    page = client.get(URL).content.decode()
    assert sorted(texts(page, "transfer-status")) == ["Failed", "Taken over"]
    assert "The customer refused" in page
    # Polling again finds nothing pending and changes nothing.
    assert tasks.poll_transfers.call() == 0


def _external(customer) -> str:
    return WeComContact.objects.get(customer=customer, userid="guide_a").external_userid


def test_a_departed_guides_customers_use_the_resigned_api(world, send):
    customers = _contacts(world, send, ["cat"])
    client = log_in(world.owner)
    response = client.post(
        URL, {"from_guide": world.guide_a.pk, "to_guide": world.guide_b.pk, "resigned": "on", "message": "x"}
    )
    assert response.status_code == 302
    [record] = world.fake.state["wecom.transfers"][CORP_ID]
    assert (record["resigned"], record["message"]) == (True, "")
    world.wecom.finish_transfer(CORP_ID, 0, accept=True)
    assert tasks.poll_transfers.call() == 1
    assert Customer.objects.get(pk=customers["cat"].pk).guide_id == world.guide_b.pk


def test_transfers_are_refused_for_the_same_guide_a_guide_without_customers_and_a_guide(world):
    client = log_in(world.owner)
    refused(client, URL, {"from_guide": world.guide_a.pk, "to_guide": world.guide_a.pk}, world.merchant, 400)
    refused(
        client,
        URL,
        {"from_guide": world.guide_a.pk, "to_guide": world.guide_b.pk},
        world.merchant,
        400,
        code="nothing_to_transfer",
    )
    guide = log_in(world.guide_a)
    refused(guide, URL, {"from_guide": world.guide_a.pk, "to_guide": world.guide_b.pk}, world.merchant, 403)
