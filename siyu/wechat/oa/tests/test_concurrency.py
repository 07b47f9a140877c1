"""WeChat's copies of one push arriving at the same instant act once (PostgreSQL, real threads)."""

import pytest
from django.test import Client

from siyu.events.models import Event
from siyu.members.models import Customer
from siyu.promotions.models import Coupon
from siyu.testing.concurrency import postgres_only, run_together  # noqa: F401 - postgres_only is autouse
from siyu.testing.factories import make_template
from siyu.testing.wechat_oa import act, make_qr_code
from siyu.wechat.oa.models import OfficialAccountFollower, OfficialAccountPush, OfficialAccountQrCode
from siyu.wechat.oa.services import create_reply_rule

pytestmark = pytest.mark.django_db(transaction=True)


def test_ten_simultaneous_copies_of_a_follow_make_one_follower_and_one_coupon(
    merchant, owner, oa, fake_wechat
):
    make_template(owner, triggers=["follow"], claimable=False)
    create_reply_rule(staff=owner, kind="subscribe", text="欢迎")
    qr = make_qr_code(owner)
    recorded: list[tuple[str, bytes]] = []

    def record(url, body, headers=None):
        recorded.append((url.split("127.0.0.1:9", 1)[1], body))
        return 200, b"success"

    fake_wechat.post = record
    act(fake_wechat, "o-race", "scan", qr.ticket)
    path, body = recorded[0]

    def deliver(_i):
        response = Client().post(path, data=body, content_type="text/xml")
        return response.status_code

    assert run_together(10, deliver) == [200] * 10
    assert OfficialAccountPush.objects.count() == 1
    assert OfficialAccountFollower.objects.count() == 1
    assert Customer.objects.for_merchant(merchant).count() == 1
    assert Coupon.objects.count() == 1
    assert Event.objects.filter(kind="follow").count() == 1
    qr = OfficialAccountQrCode.objects.get()
    assert (qr.scans, qr.follows) == (1, 1)
