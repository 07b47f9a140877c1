"""Real threads against PostgreSQL: one customer's last daily slot goes to exactly one message."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from siyu.reach import dispatch, services
from siyu.reach.models import Message
from siyu.testing.concurrency import postgres_only, run_together  # noqa: F401 - postgres_only is autouse
from siyu.testing.reach import RecordingAdapter, consent, enable, installed, make_customers

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

T0 = dt.datetime(2028, 2, 29, 2, 30, tzinfo=dt.UTC)


def test_two_messages_racing_for_the_last_daily_slot_send_once(merchant, owner):
    with installed(RecordingAdapter("sms")):
        enable(merchant, "sms")
        (customer,) = make_customers(merchant, 1)
        consent([customer], "sms")
        template = services.save_template(staff=owner, name="t", channel="sms", fields={"text": "hi"})
        messages = [
            services.send_message(
                merchant_id=merchant.pk,
                customer_id=customer.pk,
                template_id=template.pk,
                key=f"b{i}:c",
                origin="broadcast",
                now=T0,
            )
            for i in range(2)
        ]
        for i, m in enumerate(messages):
            Message.objects.filter(pk=m.pk).update(
                lease_owner=f"w{i}", leased_until=T0 + dt.timedelta(minutes=1)
            )

        results = run_together(2, lambda i: dispatch.claim(messages[i].pk, owner=f"w{i}", now=T0)[0])

    assert Counter(results) == {"claimed": 1, "skipped": 1}
    assert Counter(Message.objects.values_list("status", "reason")) == {
        ("sending", ""): 1,
        ("skipped", "over_budget"): 1,
    }
