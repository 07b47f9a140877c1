"""Mini-program subscribe messages against the sandbox over real HTTP: the exact request, the grant
spent once, WeChat's refusals."""

from __future__ import annotations

import pytest
from django.db import transaction

from siyu.members.models import Channel, Customer
from siyu.reach.channels import adapter_for
from siyu.reach.channels.base import SendInDoubt
from siyu.reach.errors import InvalidTemplate
from siyu.reach.models import MessageTemplate, SubscriptionGrant
from siyu.testing.reach_wechat import inbox, make_customer, make_message, make_template

TMPL = "tmplOrderShipped000001"
OPENID = "oMpAmy0000000000001"


def grant(shop, customer, **fields):
    return SubscriptionGrant.objects.create(
        merchant=shop.merchant, customer=customer, template_id=TMPL, **fields
    )


@pytest.fixture
def adapter():
    return adapter_for(Channel.SUBSCRIBE_MESSAGE)


@pytest.fixture
def template(shop):
    return make_template(
        shop.merchant,
        Channel.SUBSCRIBE_MESSAGE,
        external_id=TMPL,
        fields={"thing1": "{{ product.name }}", "amount2": "¥9.90", "thing3": "会员日专享"},
        page="pages/coupon/index",
    )


@pytest.fixture
def amy(shop):
    customer = make_customer(shop.merchant, "amy", mp_openid=OPENID)
    grant(shop, customer, remaining=1)
    return customer


def test_validate_refuses_static_text_over_the_type_limit_naming_field_and_limit(shop, adapter):
    template = MessageTemplate(
        merchant=shop.merchant,
        channel=Channel.SUBSCRIBE_MESSAGE,
        name="x",
        external_id=TMPL,
        fields={"thing1": "一" * 21},
    )
    with pytest.raises(InvalidTemplate) as refused:
        adapter.validate(template)
    assert refused.value.detail == {"field": "thing1", "type": "thing", "limit": 20, "length": 21}

    template.fields = {"phrase2": "快来抢购吧朋友"}
    with pytest.raises(InvalidTemplate) as refused:
        adapter.validate(template)
    assert refused.value.detail == {"field": "phrase2", "type": "phrase", "limit": 5, "length": 7}

    template.fields = {"amount1": "九块九"}
    with pytest.raises(InvalidTemplate) as refused:
        adapter.validate(template)
    assert refused.value.detail == {"field": "amount1", "type": "amount", "reason": "format"}

    template.fields = {"keyword1": "hello"}
    with pytest.raises(InvalidTemplate) as refused:
        adapter.validate(template)
    assert refused.value.detail == {"field": "keyword1", "reason": "unknown_key_type"}

    template.fields = {"name1": "王" * 11}
    with pytest.raises(InvalidTemplate) as refused:
        adapter.validate(template)
    assert refused.value.detail == {"field": "name1", "type": "name", "limit": 10, "length": 11}
    template.fields = {"name1": "A" * 20, "thing2": "{{ product.name }}" + "一" * 20}
    adapter.validate(template)  # 20 letters is a name; a variable's value is cut at render


def test_reachable_needs_an_openid_and_a_usable_grant(shop, adapter, template, amy):
    make_customer(shop.merchant, "bob", mp_openid="oMpBob0000000000001")
    spent = make_customer(shop.merchant, "cat", mp_openid="oMpCat0000000000001")
    grant(shop, spent, remaining=0)
    long_term = make_customer(shop.merchant, "dan", mp_openid="oMpDan0000000000001")
    grant(shop, long_term, long_term=True)
    no_openid = make_customer(shop.merchant, "eve")
    grant(shop, no_openid, remaining=3)

    found = Customer.objects.filter(adapter.reachable(shop.merchant.pk, template)).order_by("nickname")
    assert [c.nickname for c in found] == ["amy", "dan"]
    assert adapter.addresses(shop.merchant.pk, [amy.pk, no_openid.pk], template) == {amy.pk: OPENID}


def test_render_and_send_post_the_exact_request_and_deliver_once(shop, adapter, template, amy):
    long_name = "云南普洱熟茶饼357克礼盒装（2019年春茶）"  # 23 characters
    message = make_message(template, amy, context={"product": {"name": long_name}})
    assert message.payload == {
        "touser": OPENID,
        "template_id": TMPL,
        "page": "pages/coupon/index",
        "data": {
            "thing1": {"value": "云南普洱熟茶饼357克礼盒装（2019…"},
            "amount2": {"value": "¥9.90"},
            "thing3": {"value": "会员日专享"},
        },
        "miniprogram_state": "formal",
        "lang": "zh_CN",
    }
    assert len(message.payload["data"]["thing1"]["value"]) == 20

    with transaction.atomic():
        assert adapter.prepare(message) is None
    result = adapter.send(message)

    assert result.outcome == "sent"
    assert result.provider_id.isdigit()
    assert shop.reach.requests("subscribe/send") == [message.payload]
    assert inbox(shop.fake, "subscribe_message") == [
        (OPENID, "thing1: 云南普洱熟茶饼357克礼盒装（2019…\namount2: ¥9.90\nthing3: 会员日专享")
    ]
    assert SubscriptionGrant.objects.get(customer=amy).remaining == 0


def test_a_grant_is_spent_once_then_no_quota_and_long_term_is_never_spent(shop, adapter, template, amy):
    message = make_message(template, amy)
    assert adapter.prepare(message) is None
    assert adapter.prepare(message) == "no_quota"
    assert SubscriptionGrant.objects.get(customer=amy).remaining == 0

    SubscriptionGrant.objects.filter(customer=amy).update(long_term=True)
    assert [adapter.prepare(message) for _ in range(3)] == [None, None, None]
    assert SubscriptionGrant.objects.get(customer=amy).remaining == 0

    other = make_customer(shop.merchant, "bob", mp_openid="oMpBob0000000000001")
    assert adapter.prepare(make_message(template, other)) == "no_quota"


def test_user_refused_fails_the_send_and_zeroes_the_grant(shop, adapter, template, amy):
    SubscriptionGrant.objects.filter(customer=amy).update(remaining=3)
    shop.reach.refuse(OPENID, TMPL)
    message = make_message(template, amy, context={"product": {"name": "普洱"}})

    result = adapter.send(message)

    assert (result.outcome, result.error, result.retryable) == (
        "failed",
        "43101 user refuse to accept the msg",
        False,
    )
    assert SubscriptionGrant.objects.filter(customer=amy).values_list("remaining", "long_term").get() == (
        0,
        False,
    )
    assert inbox(shop.fake, "subscribe_message") == []
    assert Customer.objects.filter(adapter.reachable(shop.merchant.pk, template)).count() == 0


def test_wechat_refusals_fail_with_the_errcode_and_quota_limits_are_retryable(shop, adapter, template, amy):
    shop.reach.fail_next("subscribe/send", 45009)
    busy = adapter.send(make_message(template, amy))
    assert (busy.outcome, busy.error, busy.retryable) == ("failed", "45009 injected by the sandbox", True)

    bad_openid = make_message(template, amy, key="bad", address="not an openid")
    refused = adapter.send(bad_openid)
    assert (refused.outcome, refused.error, refused.retryable) == ("failed", "40003 invalid openid", False)

    wrong = make_message(template, amy, key="wrong", context={"product": {"name": "x"}})
    wrong.payload["data"]["amount2"] = {"value": "九块九"}  # what a rendered variable could say
    answer = adapter.send(wrong)
    assert (answer.outcome, answer.error) == ("failed", "47003 argument invalid! data.amount2.value invalid")
    assert inbox(shop.fake, "subscribe_message") == []


def test_a_sandbox_mini_program_opens_the_developer_version(shop, adapter, template, amy):
    shop.mini_program.config = {"miniprogram_state": "developer"}
    shop.mini_program.save(update_fields=["config"])
    assert make_message(template, amy).payload["miniprogram_state"] == "developer"


def test_the_mini_program_reports_answers_and_lists_grants_over_the_shop_api(shop, customer_login):
    from siyu.reach.models import ChannelSetting
    from siyu.testing.clients import ApiClient

    config = {"long_term_template_ids": ["tmplLong"]}
    ChannelSetting.objects.create(merchant=shop.merchant, channel=Channel.SUBSCRIBE_MESSAGE, config=config)
    _customer, token = customer_login("amy")
    api = ApiClient(token)
    url = f"/api/v1/shop/{shop.merchant.slug}/reach/subscriptions"
    answers = {TMPL: "accept", "tmplNo": "reject", "tmplLong": "accept", "tmplBan": "ban"}

    first = api.post(url, {"results": answers})
    second = api.post(url, {"results": {TMPL: "accept"}})

    assert first.status_code == 200, first.content
    assert second.json() == {
        "grants": [
            {"template_id": "tmplLong", "remaining": 0, "long_term": True},
            {"template_id": TMPL, "remaining": 2, "long_term": False},
        ]
    }
    assert api.get(url).json() == second.json()

    before = list(SubscriptionGrant.objects.values_list("template_id", "remaining", "long_term"))
    bad = api.post(url, {"results": {TMPL: "yes please"}})
    assert bad.status_code == 400
    assert list(SubscriptionGrant.objects.values_list("template_id", "remaining", "long_term")) == before
    assert ApiClient().post(url, {"results": {TMPL: "accept"}}).status_code == 401


def test_a_send_whose_answer_is_lost_is_in_doubt_and_one_never_connected_is_retryable(
    shop, adapter, template, amy, monkeypatch
):
    """A read timeout may follow a message WeChat took: the send is in doubt, never retried blindly.
    A connection that was never made cannot have sent anything: that one is retried."""
    import requests

    message = make_message(template, amy)

    def lost(*args, **kwargs):
        raise requests.ReadTimeout("read timed out")

    monkeypatch.setattr("siyu.wechat.http.requests.request", lost)
    with pytest.raises(SendInDoubt):
        adapter.send(message)

    def refused(*args, **kwargs):
        raise requests.ConnectTimeout("connect timed out")

    monkeypatch.setattr("siyu.wechat.http.requests.request", refused)
    result = adapter.send(message)
    assert (result.outcome, result.retryable) == ("failed", True)
    assert inbox(shop.fake, Channel.SUBSCRIBE_MESSAGE) == []
