"""WeCom mass-sends against the sandbox: one task per guide, the guide confirms, the results task
settles each recipient."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from siyu.members.models import Channel, Customer
from siyu.reach.channels import adapter_for
from siyu.reach.channels.wecom_results import poll_send_results
from siyu.reach.errors import InvalidTemplate
from siyu.reach.models import Message, MessageStatus, MessageTemplate, WeComSendTask
from siyu.testing.reach_wechat import (
    CORP_ID,
    inbox,
    make_customer,
    make_message,
    make_template,
    wecom_contact,
    wecom_group,
)

TEXT = "会员日：全场茶饮第二杯半价，{{ coupon.name }} 已放入您的卡包"


@pytest.fixture
def template(shop):
    return make_template(
        shop.merchant,
        Channel.WECOM,
        fields={"text": TEXT, "title": "会员日"},
        link_url="https://t.example.com/d",
    )


def _accept(messages, results):
    """What the engine records for an accepted batch: still sending, with the task's msgid."""
    for m in messages:
        r = results[m.pk]
        if r.outcome == "accepted":
            Message.objects.filter(pk=m.pk).update(batch_key=r.batch_key, provider_id=r.provider_id)
        else:
            Message.objects.filter(pk=m.pk).update(status=MessageStatus.FAILED, error=r.error)


def _states(messages):
    return [Message.objects.values_list("status", "error").get(pk=m.pk) for m in messages]


def test_validate_refuses_per_customer_variables(shop):
    adapter = adapter_for(Channel.WECOM)
    template = MessageTemplate(
        merchant=shop.merchant,
        channel=Channel.WECOM,
        name="x",
        fields={"text": "您好 {{ customer.nickname }}"},
    )
    with pytest.raises(InvalidTemplate) as refused:
        adapter.validate(template)
    assert refused.value.detail == {
        "field": "text",
        "variable": "customer.nickname",
        "reason": "same_for_all",
    }


def test_one_task_per_guide_then_the_guide_confirms_and_results_settle_each_recipient(shop, template):
    adapter = adapter_for(Channel.WECOM)
    amy, bob, cat = (make_customer(shop.merchant, n) for n in ("amy", "bob", "cat"))
    dan = make_customer(shop.merchant, "dan")
    wecom_contact(shop, amy, shop.guide_a, "wmAmy")
    wecom_contact(shop, bob, shop.guide_a, "wmBob")
    wecom_contact(shop, cat, shop.guide_a, "wmCat")
    wecom_contact(shop, dan, shop.guide_b, "wmDan")
    with shop.fake.lock:  # cat deleted guide_a in WeCom; Siyu has not heard yet
        del shop.fake.state["wecom.contacts"][CORP_ID]["wmCat"]
    make_customer(shop.merchant, "eve")  # no guide, no contact

    reachable = Customer.objects.filter(adapter.reachable(shop.merchant.pk, template)).order_by("nickname")
    assert [c.nickname for c in reachable] == ["amy", "bob", "cat", "dan"]
    context = {"coupon": {"name": "5元券"}}
    messages = [make_message(template, c, context=context) for c in (amy, bob, cat, dan)]

    results = adapter.send_batch(messages)
    _accept(messages, results)

    bodies = shop.reach.requests("add_msg_template")
    content = {
        "text": {"content": "会员日：全场茶饮第二杯半价，5元券 已放入您的卡包"},
        "attachments": [{"msgtype": "link", "link": {"title": "会员日", "url": "https://t.example.com/d"}}],
    }
    assert sorted(bodies, key=lambda b: b["sender"]) == [
        {
            "chat_type": "single",
            "sender": "guide_a",
            "external_userid": ["wmAmy", "wmBob", "wmCat"],
            **content,
        },
        {"chat_type": "single", "sender": "guide_b", "external_userid": ["wmDan"], **content},
    ]
    assert [results[m.pk].outcome for m in messages] == ["accepted", "accepted", "failed", "accepted"]
    tasks = list(
        WeComSendTask.objects.order_by("sender").values_list("sender", "status", "recipients", "chat_type")
    )
    assert tasks == [("guide_a", "awaiting_guide", 2, "single"), ("guide_b", "awaiting_guide", 1, "single")]
    assert inbox(shop.fake, "wecom") == []

    assert poll_send_results() == 0  # nobody has confirmed yet
    task_a = WeComSendTask.objects.get(sender="guide_a")
    shop.reach.confirm(task_a.msgid)
    assert poll_send_results() == 2

    assert _states(messages) == [
        ("sent", ""),
        ("sent", ""),
        ("failed", "not a contact of the sender"),
        ("sending", ""),
    ]
    assert sorted(inbox(shop.fake, "wecom")) == [
        ("wmAmy", content["text"]["content"]),
        ("wmBob", content["text"]["content"]),
    ]
    assert WeComSendTask.objects.get(sender="guide_a").status == "sent"

    # guide_b never confirms: after three days the message fails and the task closes.
    later = timezone.now() + timedelta(days=3, minutes=1)
    assert poll_send_results(now=later) == 1
    assert _states(messages)[3] == ("failed", "guide never sent")
    assert WeComSendTask.objects.get(sender="guide_b").status == "failed"


def test_a_second_mass_message_the_same_day_fails_as_wecom_limits_it(shop, template):
    adapter = adapter_for(Channel.WECOM)
    amy = make_customer(shop.merchant, "amy")
    wecom_contact(shop, amy, shop.guide_a, "wmAmy")
    first, second = (
        make_message(template, amy, key=k, context={"coupon": {"name": "券"}}) for k in ("m1", "m2")
    )
    for message in (first, second):
        _accept([message], adapter.send_batch([message]))
    for task in WeComSendTask.objects.order_by("pk"):
        shop.reach.confirm(task.msgid)

    assert poll_send_results() == 2
    assert _states([first, second]) == [
        ("sent", ""),
        ("failed", "already got a mass message today (WeCom's limit)"),
    ]


def test_group_mass_send_is_one_task_per_owner_and_settles_every_member(shop):
    adapter = adapter_for(Channel.WECOM_GROUP)
    template = make_template(shop.merchant, Channel.WECOM_GROUP, fields={"text": "今晚8点群内秒杀"})
    amy, bob, cat = (make_customer(shop.merchant, n) for n in ("amy", "bob", "cat"))
    wecom_group(shop, "wrChat1", shop.guide_a, [amy, bob])
    wecom_group(shop, "wrChat2", shop.guide_a, [cat])
    make_customer(shop.merchant, "dan")

    reachable = Customer.objects.filter(adapter.reachable(shop.merchant.pk, template)).order_by("nickname")
    assert [c.nickname for c in reachable] == ["amy", "bob", "cat"]
    messages = [make_message(template, c) for c in (amy, bob, cat)]
    assert [m.address for m in messages] == ["wrChat1", "wrChat1", "wrChat2"]

    results = adapter.send_batch(messages)
    _accept(messages, results)

    assert shop.reach.requests("add_msg_template") == [
        {
            "chat_type": "group",
            "sender": "guide_a",
            "chat_id_list": ["wrChat1", "wrChat2"],
            "text": {"content": "今晚8点群内秒杀"},
        }
    ]
    task = WeComSendTask.objects.get()
    assert (task.chat_type, task.recipients) == ("group", 2)
    shop.reach.confirm(task.msgid)
    assert poll_send_results() == 3
    assert _states(messages) == [("sent", "")] * 3
    assert sorted(to for to, _ in inbox(shop.fake, "wecom_group")) == ["wrChat1", "wrChat2"]


def test_the_guide_page_lists_pending_tasks_and_sends_on_tap(shop, template):
    import urllib.request

    adapter = adapter_for(Channel.WECOM)
    amy = make_customer(shop.merchant, "amy")
    wecom_contact(shop, amy, shop.guide_a, "wmAmy")
    message = make_message(template, amy, context={"coupon": {"name": "券"}})
    _accept([message], adapter.send_batch([message]))
    task = WeComSendTask.objects.get()
    base = shop.fake.base_url

    page = urllib.request.urlopen(f"{base}/ui/reach/wecom/").read().decode()
    assert "guide_a" in page and task.msgid in page and "发送" in page
    urllib.request.urlopen(f"{base}/ui/reach/wecom/confirm", data=f"msgid={task.msgid}".encode()).read()

    assert poll_send_results() == 1
    assert _states([message]) == [("sent", "")]
    assert task.msgid not in urllib.request.urlopen(f"{base}/ui/reach/wecom/").read().decode()
