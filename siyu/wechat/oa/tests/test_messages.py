"""The push reader and the passive reply writer (no database)."""

from __future__ import annotations

import pytest

from siyu.wechat.oa.messages import MalformedPush, Reply, read_push, reply_xml


def test_a_subscribe_by_qr_code_carries_its_scene():
    push = read_push(
        {
            "ToUserName": "gh_abc",
            "FromUserName": "o-fan-1",
            "CreateTime": "1700000000",
            "MsgType": "event",
            "Event": "subscribe",
            "EventKey": "qrscene_s0123",
            "Ticket": "T",
        }
    )
    assert (push.event, push.scene, push.key) == ("subscribe", "s0123", "o-fan-1|1700000000|subscribe")


def test_scan_carries_the_bare_scene_and_a_plain_subscribe_none():
    scan = read_push(
        {"FromUserName": "o1", "CreateTime": "1", "MsgType": "event", "Event": "scan", "EventKey": "s9"}
    )
    plain = read_push({"FromUserName": "o1", "CreateTime": "1", "MsgType": "event", "Event": "subscribe"})
    assert (scan.event, scan.scene) == ("SCAN", "s9")
    assert (plain.scene, plain.event_key) == ("", "")


def test_a_message_is_keyed_by_its_msg_id():
    push = read_push(
        {"FromUserName": "o1", "CreateTime": "5", "MsgType": "text", "Content": "hi", "MsgId": "123456789"}
    )
    assert (push.key, push.event, push.content) == ("123456789", "", "hi")


@pytest.mark.parametrize(
    "fields",
    [
        {"CreateTime": "1", "MsgType": "text"},
        {"FromUserName": "o1", "MsgType": "text"},
        {"FromUserName": "o1", "CreateTime": "x", "MsgType": "text"},
        {"FromUserName": "o1", "CreateTime": "1"},
    ],
)
def test_a_push_without_sender_time_or_type_is_malformed(fields):
    with pytest.raises(MalformedPush):
        read_push(fields)


def test_a_text_reply_swaps_the_parties():
    push = read_push({"ToUserName": "gh_abc", "FromUserName": "o1", "CreateTime": "1", "MsgType": "text"})
    assert reply_xml(push, Reply(text="你好 ]]> end"), now=1700000001) == (
        "<xml><ToUserName><![CDATA[o1]]></ToUserName><FromUserName><![CDATA[gh_abc]]></FromUserName>"
        "<CreateTime>1700000001</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        "<Content><![CDATA[你好 ]]]]><![CDATA[> end]]></Content></xml>"
    )


def test_a_link_card_is_news_with_one_article():
    push = read_push({"ToUserName": "gh_abc", "FromUserName": "o1", "CreateTime": "1", "MsgType": "text"})
    reply = Reply(
        text="d", title="t", url="https://shop.example/p/1", picture_url="https://img/x.png", news=True
    )
    assert reply_xml(push, reply, now=2) == (
        "<xml><ToUserName><![CDATA[o1]]></ToUserName><FromUserName><![CDATA[gh_abc]]></FromUserName>"
        "<CreateTime>2</CreateTime><MsgType><![CDATA[news]]></MsgType><ArticleCount>1</ArticleCount>"
        "<Articles><item><Title><![CDATA[t]]></Title><Description><![CDATA[d]]></Description>"
        "<PicUrl><![CDATA[https://img/x.png]]></PicUrl><Url><![CDATA[https://shop.example/p/1]]></Url>"
        "</item></Articles></xml>"
    )
