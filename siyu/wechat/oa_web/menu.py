"""A custom menu checked the way WeChat's ``cgi-bin/menu/create`` checks it, before it is sent.

The menu is kept in WeChat's own JSON shape (``{"button": [...]}``), so the draft, the publish
request and ``menu/get``'s answer are one format. ``problems`` returns every rule a menu breaks,
each with the errcode WeChat would answer, so the console marks every bad button at once instead
of learning of them one publish at a time. Limits (WeChat's documentation): 1-3 top buttons, 1-5
sub buttons under a top button that has any; a name at most 16 bytes on top and 60 below (UTF-8: a
Chinese character is 3 bytes); a click key at most 128 bytes; a URL at most 1024 bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

TOP_MAX = 3
SUB_MAX = 5
TOP_NAME_BYTES = 16
SUB_NAME_BYTES = 60
KEY_BYTES = 128
URL_BYTES = 1024
APPID_CHARS = 32
PAGEPATH_BYTES = 1024

CLICK, VIEW, MINIPROGRAM = "click", "view", "miniprogram"
TYPES = (CLICK, VIEW, MINIPROGRAM)

# WeChat's errcodes for a bad menu: the top button's code, then the sub button's.
BUTTON_COUNT = 40016
SUB_BUTTON_COUNT = 40023
TYPE = (40017, 40024)
NAME_SIZE = (40018, 40025)
KEY_SIZE = (40019, 40026)
URL_SIZE = (40020, 40027)
URL_DOMAIN = (40055, 40054)
APPID = 40013  # 不合法的AppID: a mini-program button without a proper appid
PAGEPATH = 40165  # invalid weapp pagepath

ERRCODE_TEXT: dict[int, Promise] = {
    BUTTON_COUNT: _("A menu has 1 to 3 top buttons."),
    SUB_BUTTON_COUNT: _("A top button holds 1 to 5 sub buttons."),
    40017: _("Choose what the button does."),
    40024: _("Choose what the sub button does."),
    40018: _("A top button's name is at most 16 bytes (5 Chinese characters)."),
    40025: _("A sub button's name is at most 60 bytes (20 Chinese characters)."),
    40019: _("A click button needs a key of 1 to 128 bytes."),
    40026: _("A click sub button needs a key of 1 to 128 bytes."),
    40020: _("A link needs a URL of at most 1024 bytes."),
    40027: _("A link sub button needs a URL of at most 1024 bytes."),
    40055: _("The link must go to the shop or to one of the allowed domains."),
    40054: _("The sub button's link must go to the shop or to one of the allowed domains."),
    APPID: _("A mini-program button needs the mini-program's AppID (wx followed by 16 characters)."),
    PAGEPATH: _("A mini-program button needs the page path to open."),
    46003: _("The official account has no menu."),
    48001: _("The official account is not allowed to use this API (an unverified account?)."),
    40001: _("WeChat did not accept the account's credentials."),
}


def errcode_text(errcode: int, errmsg: str = "") -> str:
    """A WeChat errcode in the reader's language (the errmsg when it is one we do not know)."""
    text = ERRCODE_TEXT.get(errcode)
    return str(text) if text is not None else f"{errcode} {errmsg}".strip()


@dataclass(frozen=True)
class Problem:
    """One broken rule: where (``button.1.sub_button.0.name``), and WeChat's errcode for it."""

    path: str
    errcode: int

    @property
    def text(self) -> str:
        return errcode_text(self.errcode)

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "errcode": self.errcode}


def _size(value: Any) -> int:
    return len(value.encode("utf-8")) if isinstance(value, str) else 0


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def url_allowed(url: str, allowed_hosts: frozenset[str]) -> bool:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return parts.scheme in ("http", "https") and bool(host) and host in allowed_hosts


def _leaf(button: dict[str, Any], path: str, level: int, allowed_hosts: frozenset[str]) -> list[Problem]:
    """The rules of a button that does something (not a parent of sub buttons)."""
    found = []
    kind = button.get("type")
    if kind not in TYPES:
        return [Problem(f"{path}.type", TYPE[level])]
    if kind == CLICK and not 1 <= _size(_text(button.get("key"))) <= KEY_BYTES:
        found.append(Problem(f"{path}.key", KEY_SIZE[level]))
    if kind in (VIEW, MINIPROGRAM):
        url = _text(button.get("url"))
        if not 1 <= _size(url) <= URL_BYTES:
            found.append(Problem(f"{path}.url", URL_SIZE[level]))
        elif not url_allowed(url, allowed_hosts):
            found.append(Problem(f"{path}.url", URL_DOMAIN[level]))
    if kind == MINIPROGRAM:
        appid = _text(button.get("appid"))
        if not (appid.startswith("wx") and len(appid) == 18 and appid.isalnum()):
            found.append(Problem(f"{path}.appid", APPID))
        if not 1 <= _size(_text(button.get("pagepath"))) <= PAGEPATH_BYTES:
            found.append(Problem(f"{path}.pagepath", PAGEPATH))
    return found


def problems(menu: dict[str, Any], *, allowed_hosts: frozenset[str]) -> list[Problem]:
    """Every rule ``menu`` breaks, in button order (empty: WeChat will take it)."""
    buttons = menu.get("button")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= TOP_MAX:
        return [Problem("button", BUTTON_COUNT)]
    found: list[Problem] = []
    for i, button in enumerate(buttons):
        path = f"button.{i}"
        if not isinstance(button, dict):
            found.append(Problem(f"{path}.type", TYPE[0]))
            continue
        if not 1 <= _size(_text(button.get("name"))) <= TOP_NAME_BYTES:
            found.append(Problem(f"{path}.name", NAME_SIZE[0]))
        subs = button.get("sub_button")
        if subs is None or subs == []:
            found.extend(_leaf(button, path, 0, allowed_hosts))
            continue
        if not isinstance(subs, list) or len(subs) > SUB_MAX:
            found.append(Problem(f"{path}.sub_button", SUB_BUTTON_COUNT))
            continue
        for j, sub in enumerate(subs):
            sub_path = f"{path}.sub_button.{j}"
            if not isinstance(sub, dict):
                found.append(Problem(f"{sub_path}.type", TYPE[1]))
                continue
            if not 1 <= _size(_text(sub.get("name"))) <= SUB_NAME_BYTES:
                found.append(Problem(f"{sub_path}.name", NAME_SIZE[1]))
            found.extend(_leaf(sub, sub_path, 1, allowed_hosts))
    return found


LEAF_FIELDS = {CLICK: ("key",), VIEW: ("url",), MINIPROGRAM: ("url", "appid", "pagepath")}


def clean(menu: dict[str, Any]) -> dict[str, Any]:
    """The menu with only the fields WeChat reads for each button's type, text trimmed: what is
    stored and sent (a parent's leftover type or key would make WeChat treat it as a leaf)."""

    def leaf(button: dict[str, Any]) -> dict[str, Any]:
        kind = button.get("type")
        out: dict[str, Any] = {"type": kind, "name": _text(button.get("name"))}
        for field in LEAF_FIELDS.get(str(kind), ()):
            out[field] = _text(button.get(field))
        return out

    result = []
    for button in menu.get("button") or []:
        subs = button.get("sub_button") or []
        if subs:
            result.append({"name": _text(button.get("name")), "sub_button": [leaf(s) for s in subs]})
        else:
            result.append(leaf(button))
    return {"button": result}
