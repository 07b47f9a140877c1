"""Reading rendered pages in tests: what a person reads in an element, the count it shows, a form's token."""

from __future__ import annotations

import re
from html.parser import HTMLParser


def left(html: str, testid: str) -> int:
    """The count a "N left" element shows, whatever the language wraps around it."""
    found = re.search(rf'data-testid="{testid}">\D*(\d+)', html)
    assert found, testid
    return int(found.group(1))


def form_token(html: str) -> str:
    """The one-time token of a form that must not be submitted twice."""
    found = re.search(r'name="token" value="([0-9a-f]{32})"', html)
    assert found
    return found.group(1)


VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class _Texts(HTMLParser):
    """Collects the visible text of every element carrying ``data-testid=<testid>``."""

    def __init__(self, testid: str) -> None:
        super().__init__(convert_charrefs=True)
        self.testid = testid
        self.found: list[str] = []
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID_TAGS:
            return
        if self.depth:
            self.depth += 1
            self.parts.append(" ")
        elif dict(attrs).get("data-testid") == self.testid:
            self.depth, self.parts = 1, []

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID_TAGS or not self.depth:
            return
        self.depth -= 1
        self.parts.append(" ")
        if not self.depth:
            self.found.append(" ".join("".join(self.parts).split()))

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.parts.append(data)


def texts(html: str, testid: str) -> list[str]:
    """What a person reads in each element marked ``data-testid=<testid>``: its text, with one space
    where tags separate words, in page order."""
    parser = _Texts(testid)
    parser.feed(html)
    return parser.found
