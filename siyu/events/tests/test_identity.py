"""Identity: a visitor's history follows them into their account; one person with two accounts
(mini-program and official account, one unionid) becomes one customer with everything moved."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from siyu.events.errors import MergeConflict, MergeRefused
from siyu.events.identity import _relations, merge_customers
from siyu.events.models import Event, EventKind, IdentityLink
from siyu.events.services import record_events
from siyu.members.models import (
    Address,
    Channel,
    ContactPreference,
    Customer,
    CustomerIdentity,
    CustomerMerge,
    IdentityKind,
    Source,
)
from siyu.members.services import (
    bind_phone,
    customer_for_token,
    login_official_account,
    login_with_code,
    save_address,
    set_contact_preference,
)
from siyu.orders.models import CartItem, Order, OrderStatus
from siyu.orders.services.cart import add_to_cart
from siyu.promotions.models import Coupon, CouponHolding, CouponStatus
from siyu.promotions.services import coupons
from siyu.tenancy.models import AuditEntry
from siyu.testing.clients import ApiClient
from siyu.testing.factories import make_merchant
from siyu.testing.flows import pay, place


def visit(anonymous_id: str, *, days_ago: float = 0, source: str = "", campaign: str = "", kind="visit"):
    event = {
        "event_id": str(uuid.uuid4()),
        "type": kind,
        "occurred_at": (timezone.now() - timedelta(days=days_ago)).isoformat(),
        "anonymous_id": anonymous_id,
    }
    if source:
        event["source"] = {"channel": source, "campaign": campaign}
    if kind == "product_view":
        event["properties"] = {"product_id": 1}
    return event


def test_login_attaches_the_visitors_history_and_later_events_follow(merchant):
    record_events(
        merchant=merchant,
        events=[
            visit("dev-1", days_ago=5, source="moments", campaign="spring"),
            visit("dev-1", days_ago=2, source="live", campaign="s9"),
            visit("dev-1", days_ago=1, kind="product_view"),
            visit("dev-2", days_ago=1),
        ],
    )
    response = ApiClient().post("/api/v1/shop/tea/auth/login", {"code": "alice", "visitor": "dev-1"})
    assert response.status_code == 200
    customer = Customer.objects.get(pk=response.json()["customer_id"])
    assert Event.objects.filter(customer=customer).count() == 3
    assert Event.objects.get(anonymous_id="dev-2").customer_id is None
    link = IdentityLink.objects.get()
    assert (link.anonymous_id, link.customer_id, link.via, link.events_attached) == (
        "dev-1",
        customer.pk,
        "login",
        3,
    )
    # Came by Moments five days before registering: that is the first touch; the live room the last.
    assert (customer.first_touch_source, customer.first_touch_campaign) == (Source.MOMENTS, "spring")
    assert (customer.last_touch_source, customer.last_touch_campaign) == (Source.LIVE, "s9")
    # The app keeps sending events under its device id: they are the customer's now.
    record_events(merchant=merchant, events=[visit("dev-1", source="ads")])
    newest = Event.objects.order_by("-occurred_at").first()
    assert (newest.customer_id, newest.anonymous_id) == (customer.pk, "dev-1")
    customer.refresh_from_db()
    assert customer.last_touch_source == Source.ADS


def test_a_shared_device_follows_its_latest_login_and_keeps_the_history(merchant):
    record_events(merchant=merchant, events=[visit("family-ipad", days_ago=1)])
    alice = login_with_code(merchant=merchant, code="alice", anonymous_id="family-ipad").customer
    record_events(merchant=merchant, events=[visit("family-ipad")])
    bob = login_with_code(merchant=merchant, code="bob", anonymous_id="family-ipad").customer
    record_events(merchant=merchant, events=[visit("family-ipad")])
    assert list(Event.objects.order_by("occurred_at").values_list("customer_id", flat=True)) == [
        alice.pk,
        alice.pk,
        bob.pk,
    ]
    assert list(IdentityLink.objects.order_by("id").values_list("customer_id", "events_attached")) == [
        (alice.pk, 1),
        (bob.pk, 0),
    ]
    # Alice logging in again on it takes the device back; nothing is recorded twice for a repeat.
    login_with_code(merchant=merchant, code="alice", anonymous_id="family-ipad")
    login_with_code(merchant=merchant, code="alice", anonymous_id="family-ipad")
    assert IdentityLink.objects.count() == 3


def test_binding_a_phone_attaches_the_device_too(merchant):
    result = login_with_code(merchant=merchant, code="carol")
    record_events(merchant=merchant, events=[visit("web-9", days_ago=3, source="h5")])
    response = ApiClient(result.token).post(
        "/api/v1/shop/tea/me/phone", {"phone": "13900000009", "visitor": "web-9"}
    )
    assert response.status_code == 200
    assert Event.objects.get().customer_id == result.customer.pk
    assert IdentityLink.objects.get().via == "phone"


def test_a_bad_device_id_is_refused_and_changes_nothing(merchant):
    too_long = ApiClient().post("/api/v1/shop/tea/auth/login", {"code": "dave", "visitor": "x" * 65})
    assert too_long.status_code == 422
    result = login_with_code(merchant=merchant, code="erin")
    refused = ApiClient(result.token).post(
        "/api/v1/shop/tea/me/phone", {"phone": "13900000010", "visitor": "a\tb"}
    )
    assert (refused.status_code, refused.json()["code"]) == (400, "invalid_anonymous_id")
    result.customer.refresh_from_db()
    assert result.customer.phone is None
    assert Customer.objects.count() == 1 and not IdentityLink.objects.exists()


# ---- unionid merge ---------------------------------------------------------------------------------


@pytest.fixture
def template(owner):
    return coupons.create_template(
        staff=owner,
        title="满100减20",
        kind="amount",
        amount=2000,
        threshold=10000,
        validity="fixed",
        valid_until=timezone.now() + timedelta(days=30),
        per_customer_limit=3,
    )


def _shop_history(customer, sku, template, *, channel_opt_in: bool, cart_qty: int) -> dict:
    """An address, a paid order, an unpaid one, a coupon (and one used), a cart row, consent, events."""
    address = save_address(
        customer=customer, recipient="R", phone="1390000", province="p", city="c", detail="d"
    )
    paid = pay(customer, place(customer, [(sku.pk, 1)], address=address, key="same-key"))
    pending = place(customer, [(sku.pk, 1)], address=address)
    coupon = coupons.issue_coupon(template=template, customer=customer, source="staff", claim_key="register")
    add_to_cart(customer=customer, sku_id=sku.pk, quantity=cart_qty)
    set_contact_preference(customer=customer, channel=Channel.SMS, opted_in=channel_opt_in)
    record_events(merchant=customer.merchant, events=[visit("x")], customer=customer)
    return {"address": address, "paid": paid, "pending": pending, "coupon": coupon}


def test_a_shared_unionid_merges_the_newer_customer_into_the_older(merchant, sku, template, owner):
    mp = login_with_code(merchant=merchant, code="mp-alice")  # sandbox unionid derived from the code
    unionid = CustomerIdentity.objects.get(customer=mp.customer, kind=IdentityKind.UNIONID).value
    older = mp.customer
    Customer.objects.filter(pk=older.pk).update(registered_at=timezone.now() - timedelta(days=90))
    mine = _shop_history(older, sku, template, channel_opt_in=False, cart_qty=1)
    # The official account knew the same person without a unionid (not yet authorised).
    oa = login_official_account(merchant=merchant, oa_openid="oa-alice")
    newer = oa.customer
    theirs = _shop_history(newer, sku, template, channel_opt_in=True, cart_qty=2)
    Customer.objects.filter(pk=newer.pk).update(nickname="Alice", city="杭州")
    assert newer.pk != older.pk

    again = login_official_account(merchant=merchant, oa_openid="oa-alice", unionid=unionid)

    assert again.customer.pk == older.pk
    older.refresh_from_db()
    newer.refresh_from_db()
    assert newer.merged_into_id == older.pk
    # Nothing points at the merged customer any more, in any table.
    for field in _relations():
        left = field.model._base_manager.filter(**{field.name: newer.pk}).count()
        assert left == 0, f"{field.model._meta.label}.{field.name} still has {left}"
    assert Customer.objects.filter(referrer=newer).count() == 0
    assert set(Order.objects.filter(customer=older).values_list("pk", flat=True)) == {
        mine["paid"].pk,
        mine["pending"].pk,
        theirs["paid"].pk,
        theirs["pending"].pk,
    }
    # Both used idempotency key "same-key": the merged one's order keeps everything but the key.
    assert Order.objects.get(pk=theirs["paid"].pk).idempotency_key is None
    assert Order.objects.get(pk=mine["paid"].pk).idempotency_key == "same-key"
    assert Order.objects.get(pk=theirs["paid"].pk).status == OrderStatus.PAID
    assert set(Coupon.objects.filter(customer=older).values_list("pk", "claim_key")) == {
        (mine["coupon"].pk, "register"),
        (theirs["coupon"].pk, None),
    }
    assert CouponHolding.objects.get(customer=older, template=template).count == 2
    assert CartItem.objects.get(customer=older, sku=sku).quantity == 3
    assert list(ContactPreference.objects.filter(customer=older).values_list("channel", "opted_in")) == [
        (Channel.SMS, True)  # the later decision
    ]
    assert Address.objects.filter(customer=older).count() == 2
    assert set(CustomerIdentity.objects.filter(customer=older).values_list("kind", flat=True)) == {
        "mp_openid",
        "unionid",
        "oa_openid",
    }
    assert Event.objects.filter(customer=older, kind=EventKind.VISIT).count() == 2
    assert Event.objects.filter(customer=older, kind=EventKind.ORDER_PAID).count() == 2
    assert (older.nickname, older.city) == ("Alice", "杭州")  # taken where the survivor had none
    # The merged account's token now signs in as the survivor.
    assert customer_for_token(oa.token).pk == older.pk
    merge = CustomerMerge.objects.get()
    assert (merge.survivor_id, merge.merged_id, merge.reason) == (older.pk, newer.pk, "unionid")
    assert merge.moved["moved"]["orders.Order.customer"] == 2
    assert merge.moved["resolved"]["orders.CartItem.one_cart_row_per_sku"] == 1
    audit = AuditEntry.objects.get(action="customer.merge")
    assert (audit.staff_id, audit.object_id, audit.before) == (None, str(older.pk), {"merged_id": newer.pk})
    # The survivor can go on buying with what it was given.
    assert Coupon.objects.filter(customer=older, status=CouponStatus.UNUSED).count() >= 1


def test_a_mini_program_login_merges_an_official_account_customer_too(merchant):
    oa = login_official_account(merchant=merchant, oa_openid="oa-bob").customer
    mp = login_with_code(merchant=merchant, code="mp-bob").customer
    unionid = CustomerIdentity.objects.get(customer=mp, kind=IdentityKind.UNIONID).value
    # The OA customer learns its unionid later, from another login: the two become one (OA is older).
    survivor = login_official_account(merchant=merchant, oa_openid="oa-bob", unionid=unionid).customer
    assert survivor.pk == oa.pk
    assert Customer.objects.get(pk=mp.pk).merged_into_id == oa.pk
    assert login_with_code(merchant=merchant, code="mp-bob").customer.pk == oa.pk


def test_merges_stay_within_a_merchant_and_happen_once(merchant):
    a = login_with_code(merchant=merchant, code="a").customer
    b = login_with_code(merchant=merchant, code="b").customer
    outsider = login_with_code(merchant=make_merchant("coffee"), code="a").customer
    with pytest.raises(MergeRefused):
        merge_customers(survivor=a, merged=outsider, reason="test")
    with pytest.raises(MergeRefused):
        merge_customers(survivor=a, merged=a, reason="test")
    merge_customers(survivor=a, merged=b, reason="test")
    with pytest.raises(MergeRefused):
        merge_customers(survivor=a, merged=b, reason="test")
    assert CustomerMerge.objects.count() == 1
    assert Customer.objects.get(pk=outsider.pk).merged_into_id is None


def test_a_conflict_no_rule_covers_refuses_the_merge_and_changes_nothing(merchant, monkeypatch):
    from siyu.events import identity

    a = login_with_code(merchant=merchant, code="a").customer
    b = login_with_code(merchant=merchant, code="b").customer
    set_contact_preference(customer=a, channel=Channel.SMS, opted_in=True)
    set_contact_preference(customer=b, channel=Channel.SMS, opted_in=False)
    bind_phone(customer=b, phone="13900000001")
    monkeypatch.setattr(identity, "RESOLVERS", {})
    with pytest.raises(MergeConflict) as refused:
        merge_customers(survivor=a, merged=b, reason="test")
    assert refused.value.detail == {
        "table": "members.ContactPreference",
        "constraint": "one_preference_per_channel",
    }
    b.refresh_from_db()
    assert (b.merged_into_id, b.phone) == (None, "13900000001")
    assert ContactPreference.objects.filter(customer=b).count() == 1
    assert CustomerIdentity.objects.filter(customer=b).count() == 3
    assert not CustomerMerge.objects.exists()


def test_a_merge_refreshes_the_survivors_values_tags_and_segments(
    merchant, sku, owner, django_capture_on_commit_callbacks
):
    """Issue 11 item 6b: the survivor's computed state counts both histories once the merge commits;
    a tag or a static segment both carried stays once instead of refusing the merge."""
    from siyu.audience.models import CustomerTag, SegmentMember
    from siyu.audience.services import segments, tag_rules, tags
    from siyu.audience.values.models import CustomerValue
    from siyu.audience.values.services import recompute_merchant

    mp = login_with_code(merchant=merchant, code="mp-carol")
    unionid = CustomerIdentity.objects.get(customer=mp.customer, kind=IdentityKind.UNIONID).value
    older = mp.customer
    Customer.objects.filter(pk=older.pk).update(registered_at=timezone.now() - timedelta(days=90))
    newer = login_official_account(merchant=merchant, oa_openid="oa-carol").customer
    for who in (older, newer):
        address = save_address(
            customer=who, recipient="R", phone="1390000", province="p", city="c", detail="d"
        )
        with django_capture_on_commit_callbacks(execute=True):  # each payment commits on its own
            pay(who, place(who, [(sku.pk, 1)], address=address))
    recompute_merchant(merchant.pk)
    group = tags.create_tag_group(staff=owner, kind="preference", name="偏好")
    tea = tags.create_tag(staff=owner, group_id=group.pk, name="茶友")
    tags.tag_customers(staff=owner, tag_id=tea.pk, customer_ids=[older.pk, newer.pk])
    loyal = tags.create_tag(staff=owner, group_id=group.pk, name="回头客")
    tag_rules.create_tag_rule(
        staff=owner, tag_id=loyal.pk, rule={"field": "order_count", "op": "gte", "value": 2}
    )
    frozen = segments.create_segment(
        staff=owner, name="首批客户", rule={"field": "order_count", "op": "gte", "value": 1}, kind="static"
    )
    assert SegmentMember.objects.filter(segment=frozen).count() == 2
    assert CustomerValue.objects.get(customer=older).order_count == 1

    with django_capture_on_commit_callbacks(execute=True):
        again = login_official_account(merchant=merchant, oa_openid="oa-carol", unionid=unionid)

    assert again.customer.pk == older.pk
    value = CustomerValue.objects.get(customer=older)
    assert (value.order_count, value.loyalty_rung) == (2, 2)
    assert not CustomerValue.objects.filter(customer=newer).exists()
    assert sorted(CustomerTag.objects.filter(customer=older).values_list("tag__name", "source")) == [
        ("回头客", "rule"),  # the automatic tag sees the two orders
        ("茶友", "manual"),
    ]
    assert list(SegmentMember.objects.filter(segment=frozen).values_list("customer_id", flat=True)) == [
        older.pk
    ]
    merge = CustomerMerge.objects.get()
    assert merge.moved["resolved"] == {
        "audience.CustomerTag.one_tag_per_customer": 1,
        "audience.SegmentMember.one_membership_per_segment": 1,
    }
