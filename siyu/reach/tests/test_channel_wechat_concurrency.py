"""Two sends racing for a customer's last subscribe-message acceptance: one goes, one is no_quota."""

from __future__ import annotations

import pytest
from django.db import transaction

from siyu.members.models import Channel
from siyu.reach.channels import adapter_for
from siyu.reach.models import Message, SubscriptionGrant
from siyu.testing.concurrency import postgres_only, run_together  # noqa: F401
from siyu.testing.reach_wechat import make_customer, make_message, make_template

TMPL = "tmplRace00000000000001"

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_sends_for_one_grant_send_once(shop):
    template = make_template(
        shop.merchant, Channel.SUBSCRIBE_MESSAGE, external_id=TMPL, fields={"thing1": "您的优惠券到了"}
    )
    amy = make_customer(shop.merchant, "amy", mp_openid="oMpAmy0000000000001")
    SubscriptionGrant.objects.create(merchant=shop.merchant, customer=amy, template_id=TMPL, remaining=1)
    messages = [make_message(template, amy, key=f"race{i}") for i in range(2)]
    adapter = adapter_for(Channel.SUBSCRIBE_MESSAGE)

    def claim_and_send(i: int) -> str:
        message = Message.objects.get(pk=messages[i].pk)
        with transaction.atomic():
            reason = adapter.prepare(message)
        return reason or adapter.send(message).outcome

    results = run_together(2, claim_and_send)

    assert sorted(results) == ["no_quota", "sent"]
    assert SubscriptionGrant.objects.get(customer=amy).remaining == 0
    assert len(shop.reach.requests("subscribe/send")) == 1
