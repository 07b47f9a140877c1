"""Rich-text sections: HTML a merchant writes, cleaned with nh3 (the Ammonia sanitiser) to a small,
safe set of tags before it is stored and again before it is shown.

Links inside rich text may only lead to pages of the shop (``/shop/...`` paths; ``links.py`` checks
they are this merchant's); images come from https URLs or this site. Scripts, styles, event
handlers, iframes and foreign links are removed with their attributes.
"""

from __future__ import annotations

import re

import nh3

TAGS = {"p", "br", "strong", "b", "em", "i", "u", "s", "h3", "h4", "ul", "ol", "li", "blockquote", "a", "img"}
ATTRIBUTES = {"a": {"href"}, "img": {"src", "alt", "width", "height"}}
# The element and its content go: a script's text is not prose.
DROPPED_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "template", "noscript"}
HREF = re.compile(r'<a\s[^>]*?href="([^"]*)"')


def _shop_path(value: str) -> bool:
    return value.startswith("/shop/") and ".." not in value and "\\" not in value and "//" not in value


def _image_source(value: str) -> bool:
    if value.startswith("https://"):
        return True
    return value.startswith("/") and not value.startswith("//") and "\\" not in value


def _attribute_filter(element: str, attribute: str, value: str) -> str | None:
    if element == "a" and attribute == "href":
        return value if _shop_path(value) else None
    if element == "img" and attribute == "src":
        return value if _image_source(value) else None
    if attribute in ("width", "height"):
        return value if value.isdigit() and len(value) <= 4 else None
    return value


def clean(html: str) -> str:
    """The merchant's HTML with only the allowed tags and attributes left."""
    return nh3.clean(
        html,
        tags=TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes={"https"},
        link_rel=None,
    ).strip()


def hrefs(cleaned: str) -> list[str]:
    """The link targets of cleaned rich text (nh3 writes attributes double-quoted)."""
    return HREF.findall(cleaned)
