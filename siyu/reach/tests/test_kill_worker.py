"""A real ``siyu worker`` killed mid-broadcast: no customer gets a message twice (PostgreSQL).

The sandbox serves a slow provider (each send waits 30 ms); the worker drains a 250-recipient
broadcast, is SIGKILLed after some texts reached the fake, ``recover_sends`` settles what it left
``sending`` (the clock moved past the send lease), and a fresh worker sends the rest.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter

import pytest
from django.db import connection
from django.utils import timezone

from siyu.members.models import Customer
from siyu.reach import dispatch, services
from siyu.reach.channels import SendResult
from siyu.reach.models import ChannelSetting, Message
from siyu.testing.clock import at
from siyu.testing.reach import RecordingAdapter, consent, enable, installed, make_customers, static_segment
from siyu.testing.reach_channels import sms_channel, webhook_channel
from siyu.testing.reach_workers import enqueue_dispatch, serve_slow_sandbox, start_worker, wait_for

RECIPIENTS = 250  # one full batch of 200 (sent and recorded), then 50 of which some are mid-send at the kill
KILL_AT = 220  # texts at the fake when the worker is killed

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a real worker process needs a shared database server"
)


@pytest.fixture
def slow_sandbox(settings):
    yield from serve_slow_sandbox(settings, delay=0.03)


def _customers(merchant, n):
    people = make_customers(merchant, n, prefix="k")
    for i, person in enumerate(people):
        person.phone = f"1390000{i:04d}"
    Customer.objects.bulk_update(people, ["phone"])
    return people


def _broadcast(owner, people, template):
    segment = static_segment(owner.merchant, people)
    b = services.create_broadcast(staff=owner, name="kill", segment_id=segment.pk, template_ids=[template.pk])
    return services.start_broadcast(staff=owner, broadcast_id=b.pk, now=timezone.now())


def _statuses(b):
    return Counter(Message.objects.filter(broadcast=b).values_list("status", flat=True))


def _kill_mid_run(fake, base, tmp_path, sent_key, at_least):
    enqueue_dispatch()
    worker = start_worker(base, tmp_path / "first.log")

    def reached():
        with fake.lock:
            return len(fake.state.get(sent_key, [])) >= at_least

    wait_for(reached, f"{at_least} sends at the fake", worker)
    worker.kill()  # SIGKILL: no handler, no clean-up
    worker.wait()
    time.sleep(0.3)  # requests already on the wire land at the fake (it does not know the worker died)
    return worker


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_leaves_no_text_sent_twice_and_recovery_sends_the_rest(
    merchant, owner, slow_sandbox, tmp_path
):
    fake, base = slow_sandbox
    sms_channel(merchant, fake, report_wait_seconds=60)
    ChannelSetting.objects.filter(merchant=merchant, channel="sms").update(
        rate_per_minute=100000, concurrency=4
    )
    people = _customers(merchant, RECIPIENTS)
    consent(people, "sms")
    template = services.save_template(
        staff=owner,
        name="sale",
        channel="sms",
        external_id="1234567",
        fields={"params": ["{{ customer.nickname }}"]},
    )
    b = _broadcast(owner, people, template)

    _kill_mid_run(fake, base, tmp_path, "sms_sent", KILL_AT)

    texts = list(fake.state["sms_sent"])
    at_kill = len(texts)
    left = _statuses(b)
    assert left == {"sent": 200, "sending": RECIPIENTS - 200}, left  # batch 1 recorded, batch 2 claimed
    assert KILL_AT <= at_kill < RECIPIENTS

    # Recovery after the send leases ran out: the texts Tencent has are settled from its reports, the
    # others cannot be told yet (reports may still come: report_wait_seconds) and are asked again later.
    expiry = max(Message.objects.filter(broadcast=b, status="sending").values_list("leased_until", flat=True))
    first = expiry + dt.timedelta(seconds=1)
    with at(first):
        assert dispatch.recover_sends(now=first) == {
            "delivered": at_kill - 200,
            "recheck": RECIPIENTS - at_kill,
        }
    second = first + dispatch.RECHECK + dt.timedelta(seconds=1)
    with at(second):
        assert dispatch.recover_sends(now=second) == {"requeued": RECIPIENTS - at_kill}
    assert len(fake.state["sms_sent"]) == at_kill  # recovery asked, it sent nothing

    # A fresh worker sends what recovery put back in the queue, and only that.
    enqueue_dispatch()
    fresh = start_worker(base, tmp_path / "fresh.log", "--batch")
    wait_for(lambda: fresh.poll() is not None, "the fresh worker's exit", fresh)
    assert fresh.returncode == 0

    texts = list(fake.state["sms_sent"])
    phones = Counter(t["phone"] for t in texts)
    assert len(texts) == RECIPIENTS and set(phones.values()) == {1}  # every phone exactly one text
    assert set(phones) == {f"+86{p.phone}" for p in people}
    final = _statuses(b)
    assert final == {"sent": 200 + RECIPIENTS - at_kill, "delivered": at_kill - 200}, final
    assert sum(final[s] for s in ("sent", "delivered")) == len(texts)
    serials = {t["session_context"]: t["serial"] for t in texts}
    rows = Message.objects.filter(broadcast=b).values_list("key", "provider_id", "attempts")
    assert {key: pid for key, pid, _ in rows} == serials  # each message is the one text the fake got
    assert Counter(a for _, _, a in rows) == {1: at_kill, 2: RECIPIENTS - at_kill}


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_webhook_left_sending_by_a_killed_worker_is_in_doubt_and_never_posted_again(
    merchant, owner, slow_sandbox, tmp_path
):
    fake, base = slow_sandbox
    webhook_channel(merchant, fake)
    ChannelSetting.objects.filter(merchant=merchant, channel="webhook").update(
        rate_per_minute=100000, concurrency=4
    )
    people = _customers(merchant, RECIPIENTS)
    consent(people, "webhook")
    template = services.save_template(
        staff=owner, name="crm", channel="webhook", fields={"text": "{{ customer.nickname }} 有新券"}
    )
    b = _broadcast(owner, people, template)

    _kill_mid_run(fake, base, tmp_path, "hook_requests", KILL_AT)

    at_kill = len(fake.state["hook_requests"])
    assert _statuses(b) == {"sent": 200, "sending": RECIPIENTS - 200}
    expiry = max(Message.objects.filter(broadcast=b, status="sending").values_list("leased_until", flat=True))
    later = expiry + dt.timedelta(seconds=1)
    assert dispatch.recover_sends(now=later) == {"in_doubt": RECIPIENTS - 200}

    enqueue_dispatch()
    fresh = start_worker(base, tmp_path / "fresh.log", "--batch")
    wait_for(lambda: fresh.poll() is not None, "the fresh worker's exit", fresh)

    requests = list(fake.state["hook_requests"])
    assert len(requests) == at_kill  # nothing posted after the kill
    keys = Counter(r["headers"]["idempotency-key"] for r in requests)
    assert set(keys.values()) == {1}
    assert _statuses(b) == {"sent": 200, "in_doubt": RECIPIENTS - 200}
    doubt = set(Message.objects.filter(broadcast=b, status="in_doubt").values_list("key", flat=True))
    assert len(doubt & set(keys)) == at_kill - 200  # some in doubt did reach the receiver: hence "doubt"


# ---- a provider that cannot tell yet ------------------------------------------------------------------

T0 = dt.datetime(2028, 2, 29, 2, 30, tzinfo=dt.UTC)  # 10:30 in Shanghai


def _lost_sends(owner, adapter, n=3):
    """A broadcast of ``n`` messages whose sends raised: left ``sending`` (the outcome is unknown)."""
    enable(owner.merchant, "sms")
    people = make_customers(owner.merchant, n, prefix="q")
    consent(people, "sms")
    template = services.save_template(staff=owner, name="q", channel="sms", fields={"text": "hi"})
    segment = static_segment(owner.merchant, people)
    b = services.create_broadcast(staff=owner, name="q", segment_id=segment.pk, template_ids=[template.pk])
    b = services.start_broadcast(staff=owner, broadcast_id=b.pk, now=T0)

    def crash(message):
        raise ConnectionError("worker lost")

    adapter.answer = crash
    dispatch.run_once(now=T0)
    assert _statuses(b) == {"sending": n}
    return b, people


def test_a_send_the_provider_cannot_tell_about_yet_is_asked_again_then_in_doubt(owner):
    adapter = RecordingAdapter("sms", queryable=True)
    asked: list[tuple[int, dt.datetime]] = []
    answers: dict[int, SendResult | None] = {}

    def query(message):
        asked.append((message.pk, message.leased_until))
        return answers.get(message.pk)

    adapter.query = query  # type: ignore[method-assign]
    with installed(adapter):
        b, _people = _lost_sends(owner, adapter)
        expiry = T0 + dispatch.SEND_LEASE
        ids = sorted(Message.objects.filter(broadcast=b).values_list("pk", flat=True))

        now = expiry + dt.timedelta(seconds=1)
        assert dispatch.recover_sends(now=now) == {"recheck": 3}
        rows = Message.objects.filter(broadcast=b).order_by("pk")
        stamp = int(expiry.timestamp())
        assert {(m.status, m.leased_until, m.lease_owner) for m in rows} == {
            ("sending", now + dispatch.RECHECK, f"recover:1:{stamp}")
        }
        assert dispatch.recover_sends(now=now + dt.timedelta(seconds=5)) == {}  # not asked before RECHECK

        answers[ids[0]] = SendResult("delivered", provider_id="p1")
        answers[ids[1]] = SendResult("failed", error="not_sent", retryable=True)
        now += dispatch.RECHECK + dt.timedelta(seconds=1)
        assert dispatch.recover_sends(now=now) == {"delivered": 1, "requeued": 1, "recheck": 1}

        passes = 2
        while True:  # the third message: asked until RECOVER_PASSES, then in doubt
            now += dispatch.RECHECK + dt.timedelta(seconds=1)
            out = dispatch.recover_sends(now=now)
            passes += 1
            if out != {"recheck": 1}:
                break
        assert (out, passes) == ({"in_doubt": 1}, dispatch.RECOVER_PASSES)
        assert now - expiry < dispatch.RECOVER_FOR
        # every ask saw the send lease's first expiry (what a report wait is counted from)
        assert {until for _pk, until in asked} == {expiry}
        assert Counter(pk for pk, _ in asked) == {ids[0]: 2, ids[1]: 2, ids[2]: dispatch.RECOVER_PASSES}
        final = Message.objects.get(pk=ids[2])
        assert (final.status, final.leased_until) == ("in_doubt", None)
        assert final.error == "worker lost during send"
        assert len(adapter.sent) == 3  # the three first sends, nothing resent


def test_a_lost_send_first_looked_at_after_the_deadline_is_in_doubt_at_once(owner):
    adapter = RecordingAdapter("sms", queryable=True)  # its query answers None: cannot tell
    with installed(adapter):
        b, _people = _lost_sends(owner, adapter, n=2)
        late = T0 + dispatch.SEND_LEASE + dispatch.RECOVER_FOR
        assert dispatch.recover_sends(now=late) == {"in_doubt": 2}
        assert _statuses(b) == {"in_doubt": 2}
