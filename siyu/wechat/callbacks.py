"""Who handles which WeCom callback event.

The WeCom callback view (``siyu/wechat/views/wecom.py``) verifies and decrypts a push, then calls
``dispatch_wecom``. Each feature registers the events it handles, at import time of a module the
wechat app imports in ``ready()``::

    @wecom_handler("change_external_contact", "add_external_contact")
    def contact_added(account: WeChatAccount, message: dict[str, str]) -> None: ...

``message`` is the decrypted XML's top-level fields. A (event, change type) has one handler; an
event without one is acknowledged and ignored. Handlers run in the view's transaction: a handler that
raises rolls the push back, and WeChat retries it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from siyu.wechat.models import WeChatAccount

Handler = Callable[["WeChatAccount", dict[str, str]], None]
_WECOM: dict[tuple[str, str], Handler] = {}


def wecom_handler(event: str, change_type: str = "") -> Callable[[Handler], Handler]:
    """Register the decorated function for WeCom's ``Event`` (and ``ChangeType``, if it has one)."""

    def decorate(handler: Handler) -> Handler:
        taken = _WECOM.get((event, change_type))
        if taken is not None and taken.__qualname__ != handler.__qualname__:
            raise ValueError(f"WeCom event {event}/{change_type} is handled by {taken.__qualname__}")
        _WECOM[(event, change_type)] = handler
        return handler

    return decorate


def wecom_handler_for(event: str, change_type: str = "") -> Handler | None:
    return _WECOM.get((event, change_type)) or _WECOM.get((event, ""))


def dispatch_wecom(account: WeChatAccount, message: dict[str, str]) -> bool:
    """Run the handler of ``message``'s event; False when no one handles it."""
    handler = wecom_handler_for(message.get("Event", ""), message.get("ChangeType", ""))
    if handler is None:
        return False
    handler(account, message)
    return True


# --- Official-account events other features handle ---------------------------------------------
# ``siyu/wechat/oa/services.py`` acts on follows, scans and menu clicks itself; an event it does not
# know (``templatesendjobfinish``: a template message's receipt, handled by the reach engine) goes to
# the handler registered for it, in the push's transaction, once per push (the push key is claimed
# first). Event names arrive lower-cased (siyu/wechat/oa/messages.py read_push).

OaHandler = Callable[["WeChatAccount", dict[str, str]], None]
_OA: dict[str, OaHandler] = {}


def oa_handler(event: str) -> Callable[[OaHandler], OaHandler]:
    """Register the decorated function for the official account's ``Event`` (lower case)."""

    def decorate(handler: OaHandler) -> OaHandler:
        _OA[event.lower()] = handler
        return handler

    return decorate


def dispatch_oa(account: WeChatAccount, event: str, fields: dict[str, str]) -> bool:
    """Run the handler registered for ``event``; False when no one handles it."""
    handler = _OA.get(event.lower())
    if handler is None:
        return False
    handler(account, fields)
    return True
