"""The reach engine end to end through its services: plan, budget, holdout, dispatch, links."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Q

from siyu.reach import dispatch, holdout, links, selectors, services
from siyu.reach.channels import SendResult
from siyu.reach.models import Message, SendTime
from siyu.reach.sendtime import slot
from siyu.testing.clock import at
from siyu.testing.reach import RecordingAdapter, consent, enable, installed, make_customers, static_segment

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2028, 2, 29, 10, 30, tzinfo=SH)  # 02:30 UTC


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


# ---- the send-time rule (pure) -----------------------------------------------------------------------


def test_slot_preferred_hour_later_today():
    assert slot(T0, 20, None, None, SH) == local(2028, 2, 29, 20)


def test_slot_preferred_hour_passed_goes_to_tomorrow():
    assert slot(T0, 9, None, None, SH) == local(2028, 3, 1, 9)


def test_slot_quiet_hours_wrapping_midnight_move_to_their_end():
    assert slot(T0, 23, dt.time(22), dt.time(8), SH) == local(2028, 3, 1, 8)


def test_slot_outside_the_window_is_none():
    # Quiet 12:00-22:00: hour 13 moves to 22:00 today, inside a 1-day window; quiet till 11:00
    # tomorrow from a 9:00 slot tomorrow would end past the window.
    assert slot(T0, 13, dt.time(12), dt.time(22), SH) == local(2028, 2, 29, 22)
    assert slot(T0, 9, dt.time(8), dt.time(11), SH) is None
    assert slot(T0, 9, dt.time(8), dt.time(11), SH, window_days=2) == local(2028, 3, 1, 11)


def test_slot_now_in_quiet_hours_and_merchant_zone_not_utc():
    night = local(2028, 2, 29, 23, 15)  # 15:15 UTC: still 29 Feb in UTC, quiet in Shanghai
    assert slot(night, None, dt.time(22), dt.time(8), SH) == local(2028, 3, 1, 8)
    assert slot(night, None, None, None, SH) == night


# ---- holdout -----------------------------------------------------------------------------------------


def test_holdout_is_stable_and_near_its_share():
    ids = range(1, 20_001)
    held = [c for c in ids if holdout.held_out("seed-1", 1000, c)]
    assert held == [c for c in ids if holdout.held_out("seed-1", 1000, c)]
    assert 1800 <= len(held) <= 2200
    assert held != [c for c in ids if holdout.held_out("seed-2", 1000, c)]


# ---- planning and sending ----------------------------------------------------------------------------


@pytest.fixture
def sms():
    adapter = RecordingAdapter("sms")
    with installed(adapter):
        yield adapter


@pytest.fixture
def world(merchant, owner, sms):
    enable(merchant, "sms")
    people = make_customers(merchant, 6)
    consent(people[:5], "sms")
    segment = static_segment(merchant, people)
    template = services.save_template(
        staff=owner,
        name="hello",
        channel="sms",
        fields={"text": "{{ customer.nickname }}: {{ link }}"},
        link_url="https://shop.example.com/p/1",
    )
    return {"people": people, "segment": segment, "template": template}


def _start(owner, world, now=T0, **kw):
    b = services.create_broadcast(
        staff=owner,
        name=kw.pop("name", "spring"),
        segment_id=world["segment"].pk,
        template_ids=[world["template"].pk],
        **kw,
    )
    return services.start_broadcast(staff=owner, broadcast_id=b.pk, now=now)


def _rows(b):
    return {
        (m.customer.nickname, m.status, m.reason): m.send_at
        for m in Message.objects.filter(broadcast=b).select_related("customer")
    }


def test_plan_send_and_report(merchant, owner, world, sms):
    world["people"][5].is_blocked = False
    b = _start(owner, world)
    rows = _rows(b)
    assert rows == {
        **{(f"c{i}", "queued", ""): T0 for i in range(5)},
        ("c5", "skipped", "no_consent"): T0,
    }
    assert b.status == "sending" and b.audience_size == 6
    out = dispatch.run_once(now=T0)
    assert (out["claimed"], out["sent"], out["broadcasts_done"]) == (5, 5, 1)
    assert sorted(m.address for m in sms.sent) == sorted(f"sms:{p.pk}" for p in world["people"][:5])
    first = Message.objects.get(broadcast=b, customer=world["people"][0])
    assert first.payload["fields"]["text"].startswith("c0: http")
    assert first.status == "sent" and first.provider_id == f"p{first.pk}"
    report = selectors.broadcast_report(b)
    assert (report["planned"], report["sent"], report["skipped"], report["holdout"]) == (
        6,
        5,
        {"no_consent": 1},
        0,
    )
    b.refresh_from_db()
    assert (b.status, b.finished_at) == ("done", T0)


def test_replanning_is_idempotent(owner, world):
    from siyu.reach.planning import plan_broadcast

    b = _start(owner, world)
    assert plan_broadcast(b, T0) == 0
    assert Message.objects.filter(broadcast=b).count() == 6


def test_preferred_hour_in_merchant_zone_with_quiet_hours(owner, world):
    from siyu.audience.values.models import CustomerValue

    p = world["people"]
    CustomerValue.objects.create(
        merchant_id=p[0].merchant_id, customer=p[0], preferred_hour=9, computed_at=T0
    )
    p[1].quiet_hours_start, p[1].quiet_hours_end = dt.time(18), dt.time(21)
    p[1].save(update_fields=["quiet_hours_start", "quiet_hours_end"])
    b = _start(owner, world, send_time=SendTime.PREFERRED_HOUR, window_days=1)
    slots = {
        m.customer_id: (m.send_at, m.budget_day) for m in Message.objects.filter(broadcast=b, status="queued")
    }
    assert slots[p[0].pk] == (local(2028, 3, 1, 9), dt.date(2028, 3, 1))
    assert slots[p[1].pk] == (local(2028, 2, 29, 21), dt.date(2028, 2, 29))  # 20:00 is quiet: 21:00
    assert slots[p[2].pk] == (local(2028, 2, 29, 20), dt.date(2028, 2, 29))  # the policy's default hour
    assert dispatch.run_once(now=local(2028, 2, 29, 20, 0, 1)).get("sent") == 3


def test_holdout_is_planned_not_sent(merchant, owner, sms):
    enable(merchant, "sms")
    people = make_customers(merchant, 400, prefix="h")
    consent(people, "sms")
    segment = static_segment(merchant, people)
    t = services.save_template(staff=owner, name="t", channel="sms", fields={"text": "hi"})
    b = services.create_broadcast(
        staff=owner, name="b", segment_id=segment.pk, template_ids=[t.pk], holdout_bp=2000
    )
    b = services.start_broadcast(staff=owner, broadcast_id=b.pk, now=T0)
    held = set(Message.objects.filter(broadcast=b, reason="holdout").values_list("customer_id", flat=True))
    assert held == {p.pk for p in people if holdout.held_out(b.holdout_seed, 2000, p.pk)}
    assert 50 <= len(held) <= 110
    dispatch.run_once(now=T0)
    assert {m.customer_id for m in sms.sent} == {p.pk for p in people} - held


def test_fallback_to_second_channel(merchant, owner, world, sms):
    email = RecordingAdapter("email", reach=Q(email__gt=""))
    with installed(email):
        enable(merchant, "email")
        p = world["people"]
        consent([p[5]], "email")
        p[5].email = "x@example.com"
        p[5].save(update_fields=["email"])
        consent([p[4]], "sms", opted_in=False)
        mail = services.save_template(
            staff=owner, name="mail", channel="email", fields={"subject": "s", "body": "b"}
        )
        b = services.create_broadcast(
            staff=owner,
            name="b",
            segment_id=world["segment"].pk,
            template_ids=[world["template"].pk, mail.pk],
        )
        services.start_broadcast(staff=owner, broadcast_id=b.pk, now=T0)
        chosen = dict(Message.objects.filter(broadcast=b).values_list("customer_id", "channel"))
        reasons = dict(Message.objects.filter(broadcast=b).values_list("customer_id", "reason"))
    assert chosen[p[5].pk] == "email" and chosen[p[0].pk] == "sms"
    assert reasons[p[4].pk] == "no_consent"


# ---- the budget --------------------------------------------------------------------------------------


def test_second_broadcast_same_day_is_over_budget_or_deferred(owner, world, sms):
    first = _start(owner, world, name="one")
    dispatch.run_once(now=T0)
    second = _start(owner, world, name="two", now=T0 + dt.timedelta(hours=1))
    assert set(Message.objects.filter(broadcast=second).values_list("status", "reason")) == {
        ("skipped", "over_budget"),
        ("skipped", "no_consent"),
    }
    third = _start(owner, world, name="three", over_budget="defer", now=T0 + dt.timedelta(hours=2))
    q = Message.objects.filter(broadcast=third, status="queued")
    assert set(q.values_list("send_at", "budget_day")) == {
        (T0 + dt.timedelta(days=1, hours=2), dt.date(2028, 3, 1))
    }
    assert first.pk != third.pk


def test_weekly_and_channel_caps_and_transactional_exempt(merchant, owner, world, sms):
    services.save_fatigue_policy(staff=owner, daily_cap=2, weekly_cap=2, tighten_for_tolerance=False)
    enable(merchant, "sms", daily_cap=1)
    c = world["people"][0]
    t = world["template"]
    a = services.send_message(
        merchant_id=merchant.pk, customer_id=c.pk, template_id=t.pk, key="k1", origin="test", now=T0
    )
    b = services.send_message(
        merchant_id=merchant.pk, customer_id=c.pk, template_id=t.pk, key="k2", origin="test", now=T0
    )
    n = services.send_message(
        merchant_id=merchant.pk,
        customer_id=c.pk,
        template_id=t.pk,
        key="k3",
        origin="transactional",
        transactional=True,
        context={"order.number": "D1"},
        now=T0,
    )
    dispatch.run_once(now=T0)
    statuses = {x.key: (x.status, x.reason) for x in Message.objects.filter(pk__in=[a.pk, b.pk, n.pk])}
    assert statuses == {"k1": ("sent", ""), "k2": ("skipped", "over_budget"), "k3": ("sent", "")}
    # Weekly cap 2: tomorrow one more fits, the day after none.
    d1 = services.send_message(
        merchant_id=merchant.pk,
        customer_id=c.pk,
        template_id=t.pk,
        key="d1",
        origin="test",
        send_at=T0 + dt.timedelta(days=1),
    )
    d2 = services.send_message(
        merchant_id=merchant.pk,
        customer_id=c.pk,
        template_id=t.pk,
        key="d2",
        origin="test",
        send_at=T0 + dt.timedelta(days=2),
    )
    dispatch.run_once(now=T0 + dt.timedelta(days=1))
    dispatch.run_once(now=T0 + dt.timedelta(days=2))
    d1.refresh_from_db()
    d2.refresh_from_db()
    assert (d1.status, d2.status, d2.reason) == ("sent", "skipped", "over_budget")
    assert (
        services.send_message(
            merchant_id=merchant.pk, customer_id=c.pk, template_id=t.pk, key="k1", origin="x"
        ).pk
        == a.pk
    )


def test_tolerance_tightens_the_daily_cap(merchant, owner, world, sms):
    services.save_fatigue_policy(staff=owner, daily_cap=3, weekly_cap=5, tighten_for_tolerance=True)
    c = world["people"][0]
    with at(T0 - dt.timedelta(days=10)):  # the preference row's time is the clock's
        services.unsubscribe(merchant_id=merchant.pk, customer_id=c.pk, channel="email")
    consent([c], "sms")
    t = world["template"]
    keys = ["a", "b"]
    for k in keys:
        services.send_message(
            merchant_id=merchant.pk, customer_id=c.pk, template_id=t.pk, key=k, origin="test", now=T0
        )
    dispatch.run_once(now=T0)
    assert sorted(Message.objects.filter(key__in=keys).values_list("status", "reason")) == [
        ("sent", ""),
        ("skipped", "over_budget"),
    ]


def test_higher_priority_queued_message_displaces_lower(merchant, owner, world, sms):
    c = world["people"][0]
    t = world["template"]
    high = services.send_message(
        merchant_id=merchant.pk,
        customer_id=c.pk,
        template_id=t.pk,
        key="hi",
        origin="test",
        priority=90,
        send_at=T0 + dt.timedelta(hours=5),
    )
    low = services.send_message(
        merchant_id=merchant.pk, customer_id=c.pk, template_id=t.pk, key="lo", origin="test", now=T0
    )
    dispatch.run_once(now=T0)
    low.refresh_from_db()
    assert (low.status, low.reason) == ("skipped", "displaced")
    dispatch.run_once(now=T0 + dt.timedelta(hours=5))
    high.refresh_from_db()
    assert high.status == "sent"


# ---- pause, cancel, retries, recovery ----------------------------------------------------------------


def test_pause_holds_and_cancel_cancels(owner, world, sms):
    b = _start(owner, world)
    services.pause_broadcast(staff=owner, broadcast_id=b.pk)
    assert dispatch.run_once(now=T0).get("claimed") is None
    services.resume_broadcast(staff=owner, broadcast_id=b.pk, now=T0)
    services.cancel_broadcast(staff=owner, broadcast_id=b.pk, now=T0)
    assert set(Message.objects.filter(broadcast=b).values_list("status", flat=True)) == {
        "cancelled",
        "skipped",
    }
    assert sms.sent == []


def test_retryable_failure_requeues_then_succeeds(owner, world, sms):
    calls = {"n": 0}

    def flaky(m):
        calls["n"] += 1
        return SendResult("failed", error="busy", retryable=True) if calls["n"] <= 5 else SendResult("sent")

    sms.answer = flaky
    b = _start(owner, world)
    dispatch.run_once(now=T0)
    assert set(Message.objects.filter(broadcast=b, reason="").values_list("status", "attempts")) == {
        ("queued", 1)
    }
    dispatch.run_once(now=T0 + dt.timedelta(seconds=31))
    assert set(Message.objects.filter(broadcast=b, reason="").values_list("status", "attempts")) == {
        ("sent", 2)
    }


def test_lost_send_becomes_in_doubt_never_resent(owner, world, sms):
    def crash(m):
        raise ConnectionError("worker lost")

    sms.answer = crash
    b = _start(owner, world)
    dispatch.run_once(now=T0)
    assert set(Message.objects.filter(broadcast=b, reason="").values_list("status", flat=True)) == {"sending"}
    sms.answer = lambda m: SendResult("sent")
    out = dispatch.run_once(now=T0 + dispatch.SEND_LEASE + dt.timedelta(seconds=1))
    assert out["recovered_in_doubt"] == 5 and "claimed" not in out
    assert len(sms.sent) == 5


# ---- links -------------------------------------------------------------------------------------------


def test_tracked_link_click_records_event_and_touch(owner, world, sms):
    from siyu.members.models import Customer

    b = _start(owner, world)
    dispatch.run_once(now=T0)
    m = Message.objects.get(broadcast=b, customer=world["people"][0])
    code = m.payload["fields"]["text"].rsplit("/", 1)[1]
    assert links.follow_link(code=code, now=T0 + dt.timedelta(minutes=5)) == "https://shop.example.com/p/1"
    m.refresh_from_db()
    assert m.clicked_at == T0 + dt.timedelta(minutes=5)
    c = Customer.objects.get(pk=m.customer_id)
    assert (c.last_touch_source, c.last_touch_campaign) == ("promo_link", f"reach:b{b.pk}")
