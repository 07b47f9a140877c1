"""Event hooks: the apps' hooks run in the documented order, storing events, linking a visitor and
merging two customers call their hook by name after their own rows are written, and a hook that
raises rolls that change back."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone

import siyu
from siyu.events import event_hooks
from siyu.events.ingest import EventRow
from siyu.events.models import Event, EventKey, IdentityLink
from siyu.events.services import record_events
from siyu.members.models import Customer, CustomerIdentity, CustomerMerge, IdentityKind
from siyu.members.services import login_official_account, login_with_code
from siyu.testing.clients import ApiClient

pytestmark = pytest.mark.django_db


def visit(anonymous_id: str, kind: str = "page_view", event_id: str | None = None) -> dict:
    return {
        "event_id": event_id or str(uuid.uuid4()),
        "type": kind,
        "occurred_at": timezone.now().isoformat(),
        "anonymous_id": anonymous_id,
    }


class Recorder(event_hooks.EventHooks):
    """Writes down every hook it is given, with what the database held at that moment."""

    def __init__(self, name: str, calls: list[tuple]) -> None:
        self.name = name
        self.calls = calls

    def on_events_stored(self, merchant_id: int, events: list[EventRow]) -> None:
        written = Event.objects.filter(event_id__in=[e.event_id for e in events]).count()
        self.calls.append((self.name, "stored", [e.kind for e in events], written))

    def on_visitor_linked(self, customer: Customer, *, anonymous_id: str, attached: int) -> None:
        mine = Event.objects.filter(customer=customer, anonymous_id=anonymous_id).count()
        self.calls.append((self.name, "linked", customer.pk, anonymous_id, attached, mine))

    def on_customers_merged(self, merge: CustomerMerge) -> None:
        merged_into = Customer.objects.get(pk=merge.merged_id).merged_into_id
        self.calls.append((self.name, "merged", merge.survivor_id, merge.merged_id, merged_into))


class FailsOnStored(event_hooks.EventHooks):
    def on_events_stored(self, merchant_id: int, events: list[EventRow]) -> None:
        raise RuntimeError("hook failed")


class FailsOnLinked(event_hooks.EventHooks):
    def on_visitor_linked(self, customer: Customer, *, anonymous_id: str, attached: int) -> None:
        raise RuntimeError("hook failed")


class FailsOnMerged(event_hooks.EventHooks):
    def on_customers_merged(self, merge: CustomerMerge) -> None:
        raise RuntimeError("hook failed")


def test_apps_register_their_hooks_in_the_documented_order():
    assert [(position, type(h).__name__) for position, h in event_hooks.registered()] == [
        (30, "ValueEventHooks"),
        (40, "EventTriggerHooks"),
    ]


def test_each_change_runs_every_hook_by_position_after_its_rows_are_written(monkeypatch, merchant):
    calls: list[tuple] = []
    monkeypatch.setattr(event_hooks, "_HOOKS", {})
    for name, position in [("c", 30), ("a", 10), ("b", 20)]:  # registered out of order
        event_hooks.register(Recorder(name, calls), order=position)
    api = ApiClient()

    replayed = visit("dev-1", "search")
    replayed["properties"] = {"keywords": "龙井"}
    first = api.post("/api/v1/shop/tea/events", {"events": [visit("dev-1"), replayed]})
    again = api.post("/api/v1/shop/tea/events", {"events": [replayed]})  # a duplicate: nothing stored
    login = api.post("/api/v1/shop/tea/auth/login", {"code": "alice", "visitor": "dev-1"})
    alice = Customer.objects.get(pk=login.json()["customer_id"])
    api.post("/api/v1/shop/tea/auth/login", {"code": "alice", "visitor": "dev-1"})  # nothing to attach
    unionid = CustomerIdentity.objects.get(customer=alice, kind=IdentityKind.UNIONID).value
    newer = login_official_account(merchant=merchant, oa_openid="oa-alice").customer
    login_official_account(merchant=merchant, oa_openid="oa-alice", unionid=unionid)

    assert (first.json()["accepted"], again.json()["accepted"], again.json()["duplicates"]) == (2, 0, 1)
    assert calls == [
        *[(n, "stored", ["page_view", "search"], 2) for n in "abc"],
        *[(n, "linked", alice.pk, "dev-1", 2, 2) for n in "abc"],
        *[(n, "merged", alice.pk, newer.pk, alice.pk) for n in "abc"],
    ]


def test_a_position_belongs_to_one_class(monkeypatch):
    monkeypatch.setattr(event_hooks, "_HOOKS", {})
    event_hooks.register(FailsOnStored(), order=10)
    event_hooks.register(FailsOnStored(), order=10)  # the same app's ready() again: replaced

    with pytest.raises(ValueError, match="taken by FailsOnStored"):
        event_hooks.register(FailsOnLinked(), order=10)
    assert [type(h) for _p, h in event_hooks.registered()] == [FailsOnStored]


def test_a_failing_hook_rolls_back_the_events_it_was_given(monkeypatch, merchant):
    monkeypatch.setitem(event_hooks._HOOKS, 95, FailsOnStored())  # after every app's hooks

    with pytest.raises(RuntimeError, match="hook failed"), transaction.atomic():  # the caller's
        record_events(merchant=merchant, events=[visit("dev-1"), visit("dev-2")])

    assert (Event.objects.count(), EventKey.objects.count()) == (0, 0)


def test_a_failing_hook_rolls_back_the_login_that_linked_the_visitor(monkeypatch, merchant):
    record_events(merchant=merchant, events=[visit("dev-1")])
    monkeypatch.setitem(event_hooks._HOOKS, 95, FailsOnLinked())

    with pytest.raises(RuntimeError, match="hook failed"):
        login_with_code(merchant=merchant, code="alice", anonymous_id="dev-1")

    assert Customer.objects.count() == 0
    assert IdentityLink.objects.count() == 0
    assert list(Event.objects.values_list("anonymous_id", "customer_id")) == [("dev-1", None)]


def test_a_failing_hook_rolls_back_the_merge(monkeypatch, merchant):
    older = login_with_code(merchant=merchant, code="alice").customer
    unionid = CustomerIdentity.objects.get(customer=older, kind=IdentityKind.UNIONID).value
    newer = login_official_account(merchant=merchant, oa_openid="oa-alice").customer
    monkeypatch.setitem(event_hooks._HOOKS, 95, FailsOnMerged())

    with pytest.raises(RuntimeError, match="hook failed"):
        login_official_account(merchant=merchant, oa_openid="oa-alice", unionid=unionid)

    assert CustomerMerge.objects.count() == 0
    assert Customer.objects.get(pk=newer.pk).merged_into_id is None
    assert CustomerIdentity.objects.get(kind=IdentityKind.UNIONID).customer_id == older.pk
    assert set(CustomerIdentity.objects.filter(customer=newer).values_list("kind", flat=True)) == {
        IdentityKind.OA_OPENID
    }


def test_no_product_module_reacts_through_django_signals():
    """STYLE.md: the next step is called explicitly (these hooks, the order hooks), never a signal."""
    package = Path(siyu.__file__).parent
    offenders = [
        str(path.relative_to(package))
        for path in sorted(package.rglob("*.py"))
        if "tests" not in path.parts
        and any(s in path.read_text() for s in ("django.dispatch", "@receiver", "Signal("))
    ]
    assert offenders == []
