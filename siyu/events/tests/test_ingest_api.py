"""POST /api/v1/shop/{merchant}/events: per-event validation, dedup, out-of-order times, tenancy."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from siyu.events.models import Event, EventKey
from siyu.members.services import login_with_code
from siyu.testing.clients import ApiClient
from siyu.testing.factories import make_merchant

URL = "/api/v1/shop/tea/events"


def ev(**fields) -> dict:
    event = {
        "event_id": str(uuid.uuid4()),
        "type": "page_view",
        "occurred_at": timezone.now().isoformat(),
        "anonymous_id": "device-1",
    }
    event.update(fields)
    return {k: v for k, v in event.items() if v is not None}


def test_each_rule_refuses_only_its_own_event(merchant):
    now = timezone.now()
    good = [
        ev(type="search", properties={"keywords": " 龙井 "}),
        ev(type="product_view", properties={"product_id": 3}, source={"channel": "live", "campaign": "s1"}),
        ev(type="follow", properties={"target": "official_account"}, source="article"),
    ]
    bad = [
        ("nope", "not_an_object", ""),
        (ev(extra=1), "unknown_field", "extra"),
        (ev(event_id=None), "missing_field", "event_id"),
        (ev(event_id="123"), "invalid_event_id", "event_id"),
        (ev(type="teleport"), "unknown_type", "type"),
        (ev(type="order_paid"), "server_only_type", "type"),
        (ev(occurred_at="yesterday"), "invalid_time", "occurred_at"),
        (ev(occurred_at="2025-05-20T10:00:00"), "invalid_time", "occurred_at"),
        (ev(occurred_at=(now + timedelta(minutes=6)).isoformat()), "time_in_future", "occurred_at"),
        (ev(occurred_at=(now - timedelta(days=31)).isoformat()), "time_too_old", "occurred_at"),
        (ev(anonymous_id=None), "anonymous_id_required", "anonymous_id"),
        (ev(anonymous_id="x" * 65), "invalid_anonymous_id", "anonymous_id"),
        (ev(properties=[1]), "invalid_properties", "properties"),
        (ev(properties={"blob": "x" * 5000}), "invalid_properties", "properties"),
        (ev(type="search", properties={"keywords": "  "}), "invalid_property", "properties.keywords"),
        (ev(type="add_to_cart", properties={"product_id": "7"}), "invalid_property", "properties.product_id"),
        (ev(type="follow", properties={"target": "moon"}), "invalid_property", "properties.target"),
        (ev(source={"channel": "tiktok"}), "unknown_channel", "source.channel"),
        (ev(source={"channel": "ads", "sharer_id": "x"}), "invalid_source", "source.sharer_id"),
        (ev(source={"chanel": "ads"}), "invalid_source", "source"),
        (ev(device="d" * 17), "invalid_device", "device"),
    ]
    batch = [good[0], *[b[0] for b in bad[:10]], good[1], *[b[0] for b in bad[10:]], good[2]]
    response = ApiClient().post(URL, {"events": batch})
    assert response.status_code == 200
    body = response.json()
    assert (body["accepted"], body["duplicates"]) == (3, 0)
    expected_index = [*range(1, 11), *range(12, 23)]
    assert [(r["index"], r["code"], r["field"]) for r in body["rejected"]] == [
        (i, code, field) for i, (_raw, code, field) in zip(expected_index, bad, strict=True)
    ]
    assert body["rejected"][8]["message"] == "The time is more than 5 minutes ahead of the server's clock."
    stored = {str(e.event_id): e for e in Event.objects.all()}
    assert set(stored) == {g["event_id"] for g in good}
    assert stored[good[0]["event_id"]].properties == {"keywords": "龙井"}
    view = stored[good[1]["event_id"]]
    assert (view.kind, view.source, view.campaign, view.anonymous_id) == (
        "product_view",
        "live",
        "s1",
        "device-1",
    )
    assert stored[good[2]["event_id"]].source == "article"


@pytest.mark.parametrize(
    "body",
    [{"events": "not a list"}, {"events": []}, {"events": None}, {}],
)
def test_a_malformed_batch_is_refused_whole(merchant, body):
    response = ApiClient().post(URL, body)
    assert (response.status_code, response.json()["code"]) == (422, "validation_error")
    assert not Event.objects.exists() and not EventKey.objects.exists()


def test_more_than_500_events_is_refused_whole(merchant):
    response = ApiClient().post(URL, {"events": [ev() for _ in range(501)]})
    assert (response.status_code, response.json()["code"]) == (422, "validation_error")
    assert not Event.objects.exists()
    assert ApiClient().post(URL, {"events": [ev() for _ in range(500)]}).json()["accepted"] == 500


def test_a_body_that_is_not_an_object_is_a_400(merchant):
    response = ApiClient().client.post(URL, data="[1, 2]", content_type="application/json")
    assert response.status_code == 400
    assert not Event.objects.exists()


def test_duplicates_are_counted_and_not_stored(merchant):
    batch = [ev(), ev(), ev()]
    repeated = dict(batch[0])
    first = ApiClient().post(URL, {"events": [*batch, repeated]}).json()
    assert (first["accepted"], first["duplicates"], first["rejected"]) == (3, 1, [])
    again = ApiClient().post(URL, {"events": [*batch, ev()]}).json()
    assert (again["accepted"], again["duplicates"]) == (1, 3)
    assert Event.objects.count() == 4


def test_times_may_arrive_in_any_order(merchant, time_machine):
    now = datetime(2026, 11, 5, 16, 30, tzinfo=UTC)  # 00:30 in Shanghai: the local day is ahead
    time_machine.move_to(now, tick=False)
    times = [
        now - timedelta(minutes=1),
        now - timedelta(days=29),
        now + timedelta(minutes=4),
        now - timedelta(hours=5),
    ]
    batch = [ev(occurred_at=t.isoformat()) for t in times]
    batch.append(ev(occurred_at=int((now - timedelta(days=2)).timestamp() * 1000)))  # epoch ms
    batch.append(ev(occurred_at=(now - timedelta(days=3)).astimezone(UTC).isoformat().replace("+00:00", "Z")))
    body = ApiClient().post(URL, {"events": batch}).json()
    assert (body["accepted"], body["rejected"]) == (6, [])
    stored = dict(Event.objects.values_list("event_id", "occurred_at"))
    assert [stored[uuid.UUID(e["event_id"])] for e in batch] == [
        *times,
        now - timedelta(days=2),
        now - timedelta(days=3),
    ]


def test_a_customer_token_owns_the_events(merchant):
    result = login_with_code(merchant=merchant, code="alice")
    body = ApiClient(result.token).post(URL, {"events": [ev(anonymous_id=None), ev()]}).json()
    assert body["accepted"] == 2
    assert set(Event.objects.values_list("customer_id", flat=True)) == {result.customer.pk}


def test_another_shops_token_counts_for_nothing(merchant):
    coffee = make_merchant("coffee")
    outsider = login_with_code(merchant=coffee, code="eve")
    body = ApiClient(outsider.token).post(URL, {"events": [ev(anonymous_id=None)]}).json()
    assert [r["code"] for r in body["rejected"]] == ["anonymous_id_required"]
    assert not Event.objects.exists()


def test_an_unknown_shop_is_a_404(merchant):
    response = ApiClient().post("/api/v1/shop/nowhere/events", {"events": [ev()]})
    assert response.status_code == 404
    assert not Event.objects.exists()


def test_the_route_is_documented_with_its_errors():
    from siyu.api import api

    operation = api.get_openapi_schema()["paths"]["/api/v1/shop/{merchant}/events"]["post"]
    assert {"200", "404", "422"} <= {str(s) for s in operation["responses"]}
    assert "security" not in operation or operation["security"] == []


def test_epoch_milliseconds_and_offsets_mean_the_same_instant(merchant):
    at = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    from siyu.events.ingest import parse_time

    assert parse_time(int(at.timestamp() * 1000)) == at
    assert parse_time("2025-01-01T20:00:00+08:00") == at


def test_a_lone_surrogate_refuses_only_its_own_event(merchant):
    """Issue 11 item 22: "\\ud800" (valid JSON, no text) used to fail the whole batch with a 500."""
    good = [
        ev(type="search", properties={"keywords": "龙井"}),
        ev(source={"channel": "h5", "campaign": "618"}),
    ]
    bad = [
        (ev(properties={"note": "a\ud800"}), "properties.note"),
        (ev(type="search", properties={"keywords": "\udfff"}), "properties.keywords"),
        (ev(source={"channel": "h5", "campaign": "\ud800"}), "source.campaign"),
        (ev(device="\ud800"), "device"),
        (ev(anonymous_id="dev\ud800"), "anonymous_id"),
        (ev(properties={"tags": ["ok", "\ud800"]}), "properties.tags[1]"),
        (ev(properties={"\ud800": 1}), "properties"),
    ]
    batch = [good[0], *[b[0] for b in bad], good[1]]
    for language, message in (
        ("en", "This text is not valid Unicode (it holds a lone surrogate)."),
        ("zh-hans", "文本不是有效的 Unicode（含有单独的代理字符）。"),
    ):
        response = ApiClient(language=language).post(URL, {"events": batch})
        assert response.status_code == 200
        body = response.json()
        assert [(r["index"], r["code"], r["field"], r["message"]) for r in body["rejected"]] == [
            (i, "invalid_text", field, message) for i, (_raw, field) in enumerate(bad, start=1)
        ]
        assert (body["accepted"], body["duplicates"]) == ((2, 0) if language == "en" else (0, 2))
    assert {str(e.event_id) for e in Event.objects.all()} == {g["event_id"] for g in good}
    assert EventKey.objects.count() == 2
