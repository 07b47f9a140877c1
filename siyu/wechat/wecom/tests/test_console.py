"""The console's WeCom pages as an operator uses them: members, 渠道活码 (create, list with counts,
edit, delete), the customer 360's WeCom card, and the refusals that change nothing."""

from __future__ import annotations

import pytest

from siyu.members.models import Source
from siyu.tenancy.models import AuditEntry, Role
from siyu.testing.clients import log_in
from siyu.testing.factories import make_merchant, make_staff
from siyu.testing.pages import texts
from siyu.testing.snapshots import refused
from siyu.testing.wecom import CORP_ID, change
from siyu.wechat.tokens import access_token
from siyu.wechat.wecom.models import ContactWay, WeComMember

pytestmark = pytest.mark.django_db

NEW = "/console/wechat/contact-ways/new/"


def _form(world, **overrides):
    return {
        "name": "Outlet QR",
        "staff_ids": [str(world.guide_a.pk)],
        "source": Source.OUTLET,
        "campaign": "spring",
        "skip_verify": "on",
        "welcome_text": "Hello from your guide",
        "card_title": "Welcome gift",
        "card_page": "pages/gift/index.html",
        **overrides,
    }


def test_an_operator_creates_lists_edits_and_deletes_a_contact_way(world, send):
    client = log_in(world.owner)
    response = client.post(NEW, _form(world))
    assert response.status_code == 302, response.content[:600]
    way = ContactWay.objects.get()
    fake_way = world.fake.state["wecom.ways"][CORP_ID][way.config_id]
    assert (fake_way["type"], fake_way["scene"], fake_way["user"], fake_way["state"], fake_way["remark"]) == (
        1,
        2,
        ["guide_a"],
        way.state,
        "Outlet QR",
    )
    assert len(way.state) <= 30 and way.state.startswith("siyu.outlet.")
    assert way.qr_code == fake_way["qr_code"]

    # Two customers scan; one deletes the guide: 2 added, 1 still a contact.
    first = world.wecom.add_contact(CORP_ID, way.config_id, name="A", unionid="u-a")
    second = world.wecom.add_contact(CORP_ID, way.config_id, name="B", unionid="u-b")
    send(first)
    send(second)
    send(change("del_follow_user", "guide_a", second["ExternalUserID"]))
    page = client.get("/console/wechat/contact-ways/").content.decode()
    assert texts(page, "way-name") == ["Outlet QR"]
    assert (texts(page, "way-adds"), texts(page, "way-current")) == (["2"], ["1"])
    assert f'src="{way.qr_code}"' in page

    # A single-member code keeps one member (WeCom does not change a way's type): refused.
    both = [str(world.guide_a.pk), str(world.guide_b.pk)]
    refused(
        client, f"/console/wechat/contact-ways/{way.pk}/", _form(world, staff_ids=both), world.merchant, 400
    )
    edit = client.post(
        f"/console/wechat/contact-ways/{way.pk}/",
        _form(world, name="Outlet QR 2", staff_ids=[str(world.guide_b.pk)]),
    )
    assert edit.status_code == 302, edit.content[:600]
    assert world.fake.state["wecom.ways"][CORP_ID][way.config_id]["user"] == ["guide_b"]
    way.refresh_from_db()
    assert (way.name, list(way.members.values_list("userid", flat=True))) == ("Outlet QR 2", ["guide_b"])

    assert client.post(f"/console/wechat/contact-ways/{way.pk}/delete/").status_code == 302
    assert way.config_id not in world.fake.state["wecom.ways"][CORP_ID]
    way.refresh_from_db()
    assert way.deleted_at is not None
    assert texts(client.get("/console/wechat/contact-ways/").content.decode(), "way-name") == []
    assert sorted(
        AuditEntry.objects.filter(action__startswith="wecom.").values_list("action", flat=True)
    ) == [
        "wecom.contact_way_created",
        "wecom.contact_way_deleted",
        "wecom.contact_way_updated",
    ]


def test_a_guide_without_a_wecom_account_cannot_own_a_contact_way(world):
    client = log_in(world.owner)
    unmapped = make_staff(world.merchant, Role.GUIDE)
    # Not offered by the form: an invalid choice, refused with nothing changed.
    refused(client, NEW, _form(world, staff_ids=[str(unmapped.pk)]), world.merchant, 400)
    assert world.fake.state["wecom.ways"].get(CORP_ID, {}) == {}


def test_bad_input_is_refused_and_changes_nothing(world):
    client = log_in(world.owner)
    refused(client, NEW, _form(world, name="x" * 31), world.merchant, 400)
    refused(client, NEW, _form(world, card_page="pages/index"), world.merchant, 400)
    refused(client, NEW, _form(world, card_page=""), world.merchant, 400)
    assert world.fake.state["wecom.ways"].get(CORP_ID, {}) == {}


def test_wecom_refusing_a_way_is_shown_with_its_code(world):
    client = log_in(world.owner)
    WeComMember.objects.filter(staff=world.guide_a).update(userid="")
    access_token(world.corp, "contact")  # the token row is written once, before the refusal
    refused(client, NEW, _form(world), world.merchant, 502, code="wecom_refused")


def test_a_guide_may_not_manage_contact_ways(world):
    client = log_in(world.guide_a)
    assert client.get("/console/wechat/contact-ways/").status_code == 403
    refused(client, NEW, _form(world), world.merchant, 403)


def test_members_are_mapped_one_row_at_a_time(world):
    client = log_in(world.owner)
    page = client.get("/console/wechat/wecom-members/").content.decode()
    assert 'value="guide_a"' in page
    response = client.post("/console/wechat/wecom-members/", {"staff": world.owner.pk, "userid": "boss"})
    assert response.status_code == 302
    assert WeComMember.objects.get(staff=world.owner).userid == "boss"
    refused(
        client,
        "/console/wechat/wecom-members/",
        {"staff": world.owner.pk, "userid": "guide_b"},
        world.merchant,
        409,
        code="wecom_userid_taken",
    )
    assert (
        client.post("/console/wechat/wecom-members/", {"staff": world.owner.pk, "userid": ""}).status_code
        == 302
    )
    assert not WeComMember.objects.filter(staff=world.owner).exists()


def test_the_customer_360_shows_the_wecom_guide_source_and_deletion(world, send):
    client = log_in(world.owner)
    client.post(NEW, _form(world))
    way = ContactWay.objects.get()
    fields = world.wecom.add_contact(CORP_ID, way.config_id, name="Nina", unionid="u-nina")
    send(fields)
    from siyu.members.models import Customer

    customer = Customer.objects.get(identities__value="u-nina")
    page = client.get(f"/console/customers/{customer.pk}/").content.decode()
    assert texts(page, "customer-guide")[0].startswith("Guide A")
    [line] = texts(page, "wecom-contact")
    assert "Guide A" in line and "via Outlet QR (Outlet · spring)" in line and "welcome sent" in line
    send(change("del_follow_user", "guide_a", fields["ExternalUserID"]))
    page = client.get(f"/console/customers/{customer.pk}/").content.decode()
    assert texts(page, "wecom-deleted")[0].startswith("The customer deleted the guide")


def test_another_shops_staff_and_guides_are_not_found(world):
    other = make_merchant("beta")
    their_guide = make_staff(other, Role.GUIDE)
    WeComMember.objects.create(merchant=other, staff=their_guide, userid="guide_a")
    client = log_in(world.owner)
    refused(client, "/console/wechat/wecom-members/", {"staff": their_guide.pk, "userid": "x"}, other, 404)
    refused(client, NEW, _form(world, staff_ids=[str(their_guide.pk)]), other, 400)
    body = {"from_guide": their_guide.pk, "to_guide": world.guide_b.pk}
    refused(client, "/console/wechat/wecom-transfers/", body, other, 400)
    assert not WeComMember.objects.filter(merchant=world.merchant, staff=their_guide).exists()
