"""The sandbox page /ui/wecom/groups over real HTTP: each action changes the fake's WeCom and pushes
the callback WeCom would send, which (decrypted as Siyu's view does) Siyu's handlers apply."""

from __future__ import annotations

import urllib.parse
import urllib.request

import pytest

from siyu.audience.models import CustomerTag, Tag, TagGroup
from siyu.testing.wecom_groups import GUIDE
from siyu.wechat.callbacks import dispatch_wecom
from siyu.wechat.wecom_groups.callbacks import contact_tags_changed
from siyu.wechat.wecom_groups.models import WeComGroup, WeComTagMapping
from siyu.wechat.wecom_groups.services import tags as sync

pytestmark = pytest.mark.django_db


def _open(url: str, form: dict | list | None = None) -> tuple[int, str]:
    data = urllib.parse.urlencode(form, doseq=True).encode() if form is not None else None
    with urllib.request.urlopen(urllib.request.Request(url, data=data)) as response:
        return response.status, response.read().decode()


def test_the_page_makes_a_group_moves_members_and_tags_a_contact(corp, merchant, owner):
    corp.catch_pushes()
    anna = corp.contact("wmANNA", "Anna")
    corp.contact("wmBO", "Bo")
    base = f"{corp.fake.base_url}/ui/wecom"

    status, page = _open(f"{base}/groups?corp={corp.corp_id}")
    assert status == 200 and "Anna" in page and corp.corp_id in page

    _open(f"{base}/groups/new", [("corp", corp.corp_id), ("name", "茶友群"), ("member", "wmANNA")])
    assert (corp.pushes[-1]["Event"], corp.pushes[-1]["ChangeType"]) == ("change_external_chat", "create")
    dispatch_wecom(corp.account, corp.pushes[-1])
    group = WeComGroup.objects.get(merchant=merchant)
    assert (group.name, group.member_count, group.customer_count) == ("茶友群", 2, 1)

    form = {"corp": corp.corp_id, "chat_id": group.chat_id, "external_userid": "wmBO", "action": "add"}
    _open(f"{base}/groups/member", form)
    assert corp.pushes[-1]["UpdateDetail"] == "add_member"
    dispatch_wecom(corp.account, corp.pushes[-1])
    group.refresh_from_db()
    assert group.member_count == 3

    _open(f"{base}/groups/member", {**form, "external_userid": "wmANNA", "action": "remove"})
    assert corp.pushes[-1]["UpdateDetail"] == "del_member"
    dispatch_wecom(corp.account, corp.pushes[-1])
    group.refresh_from_db()
    assert (group.member_count, group.customer_count) == (2, 1)  # the guide and Bo
    assert "茶友群" in _open(f"{base}/groups?corp={corp.corp_id}")[1]

    # A tag made and set in WeCom: the tag callback pulls the definition, the contact's pulls the carrier.
    tag_form = {"corp": corp.corp_id, "external_userid": "wmANNA", "new_tag": "老客户", "action": "add"}
    _open(f"{base}/groups/tag", tag_form)
    tag_push, contact_push = corp.pushes[-2], corp.pushes[-1]
    assert (tag_push["Event"], tag_push["ChangeType"]) == ("change_external_tag", "create")
    assert (contact_push["ChangeType"], contact_push["UserID"]) == ("edit_external_contact", GUIDE)
    dispatch_wecom(corp.account, tag_push)
    contact_tags_changed(corp.account, contact_push)
    pulled = WeComTagMapping.objects.select_related("tag").get(corp_tag_id=tag_push["Id"]).tag
    assert pulled.name == "老客户"
    assert list(CustomerTag.objects.filter(customer=anna).values_list("tag_id", "source")) == [
        (pulled.pk, "wecom")
    ]
    assert sync.push_contact_tags(merchant_id=merchant.pk)["marked"] == 0  # nothing bounces back

    _open(f"{base}/groups/dismiss", {"corp": corp.corp_id, "chat_id": group.chat_id})
    assert corp.pushes[-1]["ChangeType"] == "dismiss"
    dispatch_wecom(corp.account, corp.pushes[-1])
    group.refresh_from_db()
    assert group.dismissed_at is not None


def test_a_siyu_tag_pushed_then_untagged_in_wecom_leaves_siyu(corp, merchant, owner):
    corp.catch_pushes()
    anna = corp.contact("wmANNA", "Anna")
    tag = Tag.objects.create(
        merchant=merchant,
        group=TagGroup.objects.create(merchant=merchant, kind="manual", name="g"),
        name="VIP",
    )
    sync.choose_synced_tags(staff=owner, tag_ids=[tag.pk])
    sync.sync_corp_tags(merchant_id=merchant.pk)
    from django.utils import timezone

    CustomerTag.objects.create(
        merchant=merchant, customer=anna, tag=tag, source="manual", tagged_at=timezone.now()
    )
    sync.push_contact_tags(merchant_id=merchant.pk)
    corp_tag = WeComTagMapping.objects.get(tag=tag).corp_tag_id

    form = {"corp": corp.corp_id, "external_userid": "wmANNA", "tag_id": corp_tag, "action": "remove"}
    _open(f"{corp.fake.base_url}/ui/wecom/groups/tag", form)
    contact_tags_changed(corp.account, corp.pushes[-1])

    assert not CustomerTag.objects.filter(customer=anna).exists()
    assert sync.push_contact_tags(merchant_id=merchant.pk)["marked"] == 0
