"""The one gate rich text (a product's 图文详情) passes before any page shows it.

Merchant-written HTML is cleaned with nh3 (the Rust ammonia sanitiser) to a short list of tags and
attributes: no script, no event handlers, no style (so no CSS expressions), no iframes, and links and
images only over http(s) or a site path (no ``javascript:``, no ``data:``). It is cleaned when saved
(so the database holds the clean text) and again where it is marked safe for a template
(``{% load richtext %}{{ html|rich }}``), so a row written some other way cannot smuggle anything in.
"""

from __future__ import annotations

import nh3

TAGS = {
    "p", "br", "h2", "h3", "h4", "strong", "b", "em", "i", "u", "s", "ul", "ol", "li",
    "blockquote", "hr", "a", "img", "figure", "figcaption",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "width", "height"}}
URL_SCHEMES = {"http", "https"}
MAX_LENGTH = 200_000


def clean_html(html: str) -> str:
    """``html`` with everything outside the allowed tags, attributes and URL schemes removed."""
    if not html:
        return ""
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    ).strip()
