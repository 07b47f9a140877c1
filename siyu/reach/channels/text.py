"""What the SMS, email and webhook adapters share: filling ``{{ variables }}``, settings, in-doubt sends.

``fill`` is the plain substitution these adapters apply to a template's text with the context the
engine hands to ``render``: flat (``{"customer.nickname": ..., "link": ...}``, siyu/reach/render.py
``contexts_for``) or nested (``{"customer": {"nickname": ...}}``). An unknown name becomes the empty
string (the engine refuses unknown variables when the template is saved). It never evaluates anything.
"""

from __future__ import annotations

import re
from typing import Any

from siyu.reach.channels.base import SendInDoubt
from siyu.reach.models import ChannelSetting

__all__ = ["SendInDoubt", "channel_setting", "fill", "literal", "lookup"]

VARIABLE = re.compile(r"\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*(?:\.[a-zA-Z_][a-zA-Z0-9_]*)*)\s*\}\}")


def lookup(context: dict[str, Any], dotted: str) -> Any:
    if dotted in context:
        return "" if context[dotted] is None else context[dotted]
    value: Any = context
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return ""
        value = value[part]
    return "" if value is None else value


def fill(text: str, context: dict[str, Any]) -> str:
    """``text`` with each ``{{ name.path }}`` replaced by its value in ``context``."""
    return VARIABLE.sub(lambda m: str(lookup(context, m.group(1))), text)


def literal(text: str) -> str:
    """``text`` without its variables: what a template says whatever the customer."""
    return VARIABLE.sub("", text)


def channel_setting(merchant_id: int, channel: str) -> ChannelSetting | None:
    return ChannelSetting.objects.filter(merchant_id=merchant_id, channel=channel).first()
