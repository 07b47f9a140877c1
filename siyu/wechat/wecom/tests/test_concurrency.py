"""On PostgreSQL with real threads: WeCom's retries of one add push arriving together register one
customer, write one follow relation and send one welcome message."""

from __future__ import annotations

import pytest
from django.test import Client

from siyu.members.models import Customer, GuideBinding
from siyu.testing.concurrency import postgres_only, run_together  # noqa: F401 - postgres_only is autouse
from siyu.testing.wecom import CORP_ID, encrypted_push
from siyu.wechat.wecom import services
from siyu.wechat.wecom.models import CallbackReceipt, WeComContact

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_five_copies_of_one_add_push_register_and_welcome_once(world):
    way = services.create_contact_way(
        staff=world.owner,
        data=services.WayInput(name="A", staff_ids=[world.guide_a.pk], welcome_text="hi"),
    )
    fields = world.wecom.add_contact(CORP_ID, way.config_id, name="Rush", unionid="u-rush")
    query, body = encrypted_push(fields)

    def work(_i: int) -> tuple[int, bytes]:
        response = Client().post(f"/wechat/wecom/{CORP_ID}/callback?{query}", body, content_type="text/xml")
        return response.status_code, response.content

    assert run_together(5, work) == [(200, b"success")] * 5
    assert Customer.objects.filter(merchant=world.merchant).count() == 1
    assert WeComContact.objects.count() == 1 and CallbackReceipt.objects.count() == 1
    assert GuideBinding.objects.count() == 1
    assert [w["text"] for w in world.fake.state["wecom.welcomes"][CORP_ID]] == ["hi"]
