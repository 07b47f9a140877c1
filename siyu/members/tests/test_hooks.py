"""Customer hooks: the apps' hooks run in the documented order, a login that registers a customer
calls them once the customer's rows exist (a returning customer's login calls none), and a hook
that raises rolls the registration back."""

from __future__ import annotations

import pytest

from siyu.members import hooks
from siyu.members.models import Customer, CustomerIdentity
from siyu.members.services import login_with_code
from siyu.promotions.models import Coupon
from siyu.testing.clients import ApiClient
from siyu.testing.factories import make_template

pytestmark = pytest.mark.django_db


class Recorder(hooks.CustomerHooks):
    """Writes down every hook it is given, with the customer's identities at that moment."""

    def __init__(self, name: str, calls: list[tuple]) -> None:
        self.name = name
        self.calls = calls

    def on_registered(self, customer: Customer) -> None:
        kinds = sorted(CustomerIdentity.objects.filter(customer=customer).values_list("kind", flat=True))
        self.calls.append((self.name, "registered", customer.pk, kinds))


class FailsOnRegistered(hooks.CustomerHooks):
    def on_registered(self, customer: Customer) -> None:
        raise RuntimeError("hook failed")


class AlsoFails(hooks.CustomerHooks):
    def on_registered(self, customer: Customer) -> None:
        raise RuntimeError("hook failed too")


def test_apps_register_their_hooks_in_the_documented_order():
    assert [(position, type(h).__name__) for position, h in hooks.registered()] == [
        (40, "RegisterTriggerHooks"),
    ]


def test_a_registering_login_runs_every_hook_by_position_once(monkeypatch, merchant):
    calls: list[tuple] = []
    monkeypatch.setattr(hooks, "_HOOKS", {})
    for name, position in [("c", 30), ("a", 10), ("b", 20)]:  # registered out of order
        hooks.register(Recorder(name, calls), order=position)
    api = ApiClient()

    first = api.post("/api/v1/shop/tea/auth/login", {"code": "alice"})
    again = api.post("/api/v1/shop/tea/auth/login", {"code": "alice"})  # a returning customer

    assert (first.status_code, first.json()["is_new"], again.json()["is_new"]) == (200, True, False)
    alice = first.json()["customer_id"]
    assert calls == [(n, "registered", alice, ["mp_openid", "unionid"]) for n in "abc"]


def test_a_position_belongs_to_one_class(monkeypatch):
    monkeypatch.setattr(hooks, "_HOOKS", {})
    hooks.register(FailsOnRegistered(), order=10)
    hooks.register(FailsOnRegistered(), order=10)  # the same app's ready() again: replaced

    with pytest.raises(ValueError, match="taken by FailsOnRegistered"):
        hooks.register(AlsoFails(), order=10)
    assert [type(h) for _p, h in hooks.registered()] == [FailsOnRegistered]


def test_a_failing_hook_rolls_back_the_registration_and_the_hooks_before_it(monkeypatch, merchant, owner):
    make_template(owner, triggers=["register"], claimable=False)
    monkeypatch.setitem(hooks._HOOKS, 95, FailsOnRegistered())  # after every app's hooks

    with pytest.raises(RuntimeError, match="hook failed"):
        login_with_code(merchant=merchant, code="alice")

    assert (Customer.objects.count(), CustomerIdentity.objects.count()) == (0, 0)
    # The registration coupon the promotions hook issued went with it.
    assert Coupon.objects.count() == 0
