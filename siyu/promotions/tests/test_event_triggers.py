"""Follow and share coupons, end to end from POST /api/v1/shop/{merchant}/events (issue 11 item 1)."""

from __future__ import annotations

import uuid

from django.utils import timezone

from siyu.promotions.models import Coupon
from siyu.testing.clients import ApiClient

URL = "/api/v1/shop/tea/events"


def ev(kind: str, **fields) -> dict:
    properties = {"target": "official_account"} if kind == "follow" else {}
    return {
        "event_id": str(uuid.uuid4()),
        "type": kind,
        "occurred_at": timezone.now().isoformat(),
        "properties": properties,
        **fields,
    }


def held() -> list[tuple[int, str, str]]:
    return list(
        Coupon.objects.order_by("customer_id", "template__title").values_list(
            "customer_id", "template__title", "source"
        )
    )


def test_follow_and_share_events_issue_their_coupons_once(make_template, customer_login):
    follow = make_template(title="关注礼", triggers=["follow"], claimable=False)
    share = make_template(title="分享礼", triggers=["share"], claimable=False)
    alice, token = customer_login("alice")
    bob, bob_token = customer_login("bob")
    batch = [ev("follow"), ev("share"), ev("page_view")]
    first = ApiClient(token).post(URL, {"events": batch})
    assert first.status_code == 200
    assert (first.json()["accepted"], first.json()["duplicates"]) == (3, 0)
    assert held() == [(alice.pk, "关注礼", "follow"), (alice.pk, "分享礼", "share")]

    # The same batch again (a client's retry): duplicates only, nothing more issued.
    replay = ApiClient(token).post(URL, {"events": batch})
    assert (replay.json()["accepted"], replay.json()["duplicates"]) == (0, 3)
    # A new follow and share by the same customer: still one coupon per template.
    again = ApiClient(token).post(URL, {"events": [ev("follow"), ev("share")]})
    assert again.json()["accepted"] == 2
    # A visitor without a customer gets nothing; another customer sharing gets only the share coupon.
    ApiClient().post(URL, {"events": [ev("follow", anonymous_id="dev-9")]})
    ApiClient(bob_token).post(URL, {"events": [ev("share")]})
    assert held() == [
        (alice.pk, "关注礼", "follow"),
        (alice.pk, "分享礼", "share"),
        (bob.pk, "分享礼", "share"),
    ]
    assert Coupon.objects.filter(template=follow).count() == 1
    assert Coupon.objects.filter(template=share).count() == 2
