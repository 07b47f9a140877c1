"""What a push says and what we answer: the official account's message XML, without Django.

WeChat POSTs one flat ``<xml>`` per message or event (its fields parsed by
``siyu.wechat.msgcrypt.parse_xml``) and takes a passive reply as the HTTP response, within 5
seconds: either the reply XML, or the body ``success`` (nothing to say; an empty body works too,
but ``success`` is what the docs ask for). Formats (公众号 "接收普通消息", "接收事件推送",
"被动回复用户消息"):

- text: ``MsgType=text``, ``Content``, ``MsgId``;
- follow: ``MsgType=event``, ``Event=subscribe``, and for a parametric QR code scanned by a
  non-follower ``EventKey=qrscene_<scene>`` with ``Ticket``;
- ``Event=unsubscribe``; ``Event=SCAN`` (a follower scanned a parametric QR code; ``EventKey`` is
  the bare scene); ``Event=CLICK`` (a menu button; ``EventKey`` is its key).

A reply swaps ``ToUserName`` and ``FromUserName``.
"""

from __future__ import annotations

from dataclasses import dataclass

QR_SCENE_PREFIX = "qrscene_"
MAX_TEXT_REPLY_BYTES = 2048  # WeChat truncates longer text replies; the console refuses them


@dataclass(frozen=True)
class Push:
    """One push, read: who sent it to which account, what it is, and the key that dedupes it."""

    to_user: str  # the account's original id (gh_...)
    openid: str  # FromUserName: the follower
    create_time: int
    msg_type: str  # text, image, event, ...
    event: str  # subscribe, unsubscribe, SCAN, CLICK, ... ("" for messages)
    event_key: str
    content: str
    msg_id: str

    @property
    def key(self) -> str:
        """What WeChat's retries of this push share: the MsgId of a message, else sender and time."""
        return self.msg_id or f"{self.openid}|{self.create_time}|{self.event}"

    @property
    def scene(self) -> str:
        """The parametric QR code's scene a subscribe or SCAN came with ("" when none)."""
        if self.event == "subscribe":
            key = self.event_key
            return key[len(QR_SCENE_PREFIX) :] if key.startswith(QR_SCENE_PREFIX) else ""
        if self.event == "SCAN":
            return self.event_key
        return ""


class MalformedPush(ValueError):
    """A push that lacks the fields every push has."""


def read_push(fields: dict[str, str]) -> Push:
    """The ``Push`` of a parsed body; ``MalformedPush`` when a required field is missing or wrong."""
    openid = fields.get("FromUserName", "").strip()
    msg_type = fields.get("MsgType", "").strip()
    try:
        create_time = int(fields.get("CreateTime", ""))
    except ValueError:
        raise MalformedPush("CreateTime") from None
    if not openid or len(openid) > 128 or not msg_type:
        raise MalformedPush("FromUserName/MsgType")
    event = fields.get("Event", "").strip() if msg_type == "event" else ""
    # Event names arrive in either case in the wild (subscribe, SCAN); keep WeChat's spelling for
    # the two it documents in capitals and lower-case the rest.
    event = event.upper() if event.upper() in {"SCAN", "CLICK", "VIEW"} else event.lower()
    return Push(
        to_user=fields.get("ToUserName", ""),
        openid=openid,
        create_time=create_time,
        msg_type=msg_type,
        event=event,
        event_key=fields.get("EventKey", "").strip()[:128],
        content=fields.get("Content", ""),
        # Job-finished events (TEMPLATESENDJOBFINISH) spell it MsgID: the message they report on.
        msg_id=(fields.get("MsgId") or fields.get("MsgID") or "").strip()[:64],
    )


def _cdata(text: str) -> str:
    # "]]>" cannot appear inside a CDATA section: split it across two sections.
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


@dataclass(frozen=True)
class Reply:
    """A passive reply: text, or one link card (news with one article)."""

    text: str = ""
    title: str = ""
    url: str = ""
    picture_url: str = ""
    news: bool = False


def reply_xml(push: Push, reply: Reply, *, now: int) -> str:
    """The passive reply XML to ``push`` (plaintext; safe mode encrypts it afterwards)."""
    head = (
        f"<ToUserName>{_cdata(push.openid)}</ToUserName>"
        f"<FromUserName>{_cdata(push.to_user)}</FromUserName>"
        f"<CreateTime>{now}</CreateTime>"
    )
    if not reply.news:
        return f"<xml>{head}<MsgType>{_cdata('text')}</MsgType><Content>{_cdata(reply.text)}</Content></xml>"
    item = (
        f"<item><Title>{_cdata(reply.title)}</Title><Description>{_cdata(reply.text)}</Description>"
        f"<PicUrl>{_cdata(reply.picture_url)}</PicUrl><Url>{_cdata(reply.url)}</Url></item>"
    )
    return (
        f"<xml>{head}<MsgType>{_cdata('news')}</MsgType><ArticleCount>1</ArticleCount>"
        f"<Articles>{item}</Articles></xml>"
    )
