"""The demo's official account: made once on the sandbox, with replies, a follow coupon and two
campaign QR codes a sandbox user can follow by."""

from __future__ import annotations

import pytest

from siyu.promotions.models import Coupon, CouponTemplate
from siyu.simulate.demo_wechat import ensure_demo_official_account
from siyu.testing.wechat_oa import act, follower_customer
from siyu.wechat.oa.models import OfficialAccountQrCode, ReplyRule

pytestmark = pytest.mark.django_db


def test_the_demo_official_account_follows_through_a_campaign_code(
    merchant, owner, fake_wechat, wechat_client
):
    from siyu.testing.wechat_oa import pushes_into

    account = ensure_demo_official_account(merchant)  # the sandbox does not know the account yet
    assert OfficialAccountQrCode.objects.count() == 0
    fake_wechat.register_account("official_account", account.app_id, account.secrets(), account.config)
    again = ensure_demo_official_account(merchant)  # run again once it does: the codes are made
    assert again.pk == account.pk and account.sandbox is True
    assert ReplyRule.objects.for_merchant(merchant).count() == 5
    codes = list(OfficialAccountQrCode.objects.for_merchant(merchant).order_by("id"))
    assert [(c.name, c.source, c.campaign) for c in codes] == [
        ("静安门店收银台", "outlet", "门店开业"),
        ("双11海报", "ads", "双11预热"),
    ]
    (template,) = [t for t in CouponTemplate.objects.for_merchant(merchant) if "follow" in t.triggers]

    pushes_into(fake_wechat, wechat_client)
    result = act(fake_wechat, "o-demo", "scan", codes[1].ticket, app_id=account.app_id)

    assert result["reply"].startswith("欢迎关注思语茶铺")
    customer = follower_customer(merchant, "o-demo")
    assert customer.first_touch_campaign == "双11预热"
    assert list(Coupon.objects.filter(customer=customer).values_list("template_id", flat=True)) == [
        template.pk
    ]
