"""Every console page of the demo reads as Chinese to a Chinese reader: no raw keys, no Python reprs,
no English, no fen.

The test logs in as the demo owner, opens every page the navigation links to, then every page
those link to (orders, customers, activities of every playbook, promotions, coupons, segments,
after-sales, outlets, staff...) a few of each kind, and the fragments pages load after themselves,
and reads the visible text (tags, scripts, styles and aria-hidden icons stripped). A segment or tag
rule's JSON source, shown for editing in the rule language, is the one text left as written.
The same crawl in English fails on Chinese that is not the merchant's own data.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from html.parser import HTMLParser

import pytest
from django.test import Client

from siyu.catalog.models import Product, Sku
from siyu.console.playbooks import PLAYBOOKS as CONSOLE_PLAYBOOKS
from siyu.freight import regions
from siyu.members.models import Customer, CustomerIdentity
from siyu.simulate.demo_data import DEMO_PASSWORD, PLAYBOOKS
from siyu.tenancy.models import Merchant, Outlet, Staff

pytestmark = pytest.mark.django_db

# How many pages of one shape (the path with its ids replaced) to read: enough to see each kind.
PER_SHAPE = 3
# Links that are not pages to read: downloads, leaving, and writes reached by GET by mistake.
SKIP = re.compile(r"/logout/|\.csv|/export|/delete/|/switch/|/static/|/django-admin/|/api/")

# Words a Chinese page may carry in Latin letters: units, brands, codes, what the world calls them.
ALLOWED_WORDS = {
    *("API", "SKU", "SPU", "GMV", "RFM", "ID", "CSV", "H5", "VIP", "KPI", "AOV", "URL", "SMS", "UTC"),
    "English",  # the language switch names each language in itself
    *("Excel", "xlsx"),  # the spreadsheet program and its file type, as Chinese merchants write them
    # Names of WeChat credentials and identifiers, written as WeChat writes them.
    *("Siyu", "WeChat", "AppID", "AppSecret", "UnionID", "openid", "unionid"),
    *("Token", "EncodingAESKey", "AgentId", "Secret", "APIv", "mchid"),  # APIv3: the digit splits the word
    # Codes a form asks the user to type, each explained in Chinese next to it (prize kinds...).
    *("item", "coupon", "points", "nothing", "goods"),
    # What the world calls a webhook, and Tencent Cloud SMS credentials as Tencent's console names them.
    *("Webhook", "SmsSdkAppId", "SecretId", "SecretKey"),
    # A subscribe-message template's id and field type, as WeChat's back office names them.
    *("priTmplId", "thing"),
}
# Paths, URLs and time zone names are shown as they are.
VERBATIM = re.compile(
    r"(?:https?://|/)[\w./-]+|\b[A-Z][a-z]+/[A-Z][a-z_]+\b|docs/[\w.]+"
    r"|\{\{[^}]*\}\}|\bpages/[\w./-]+"  # template variables, mini-program pages
)
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
REPR = re.compile(r"\{'|'\s*:\s|\['|\[\d|\bTrue\b|\bFalse\b|\bNone\b")
WORD = re.compile(r"[A-Za-z][A-Za-z'-]{2,}")


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Text(HTMLParser):
    """The text a person reads: data outside <script>, <style>, <template> and aria-hidden
    elements (the menu's one-character icons)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.stack: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            return
        hides = tag in ("script", "style", "template") or ("aria-hidden", "true") in attrs
        self.stack.append((tag, hides))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if data.strip() and not any(hides for _tag, hides in self.stack):
            self.parts.append(data.strip())


def visible_text(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.parts


def _links(html: str) -> list[str]:
    found = re.findall(r'(?:href|hx-get)="(/console/[^"#]*)"', html)
    return [link.replace("&amp;", "&") for link in found if not SKIP.search(link)]


def _shape(url: str) -> str:
    path = url.split("?", 1)[0]
    return re.sub(r"/\d+(?=/)", "/<id>", path) + ("?" if "?" in url else "")


def crawl(client: Client) -> dict[str, str]:
    """URL -> HTML of every page reached from the navigation, at most PER_SHAPE of each shape."""
    start = client.get("/console/overview/").content.decode()
    nav = re.search(r'<nav class="sidenav".*?</nav>', start, re.S)
    assert nav is not None
    queue = _links(nav.group(0))
    # Every playbook's list, whether or not the menu lists it.
    queue += [f"/console/marketing/{book.slug}/" for book in CONSOLE_PLAYBOOKS.values()]
    seen: set[str] = set()
    shapes: dict[str, int] = defaultdict(int)
    pages: dict[str, str] = {}
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        shape = _shape(url)
        if shapes[shape] >= PER_SHAPE:
            continue
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        shapes[shape] += 1
        html = response.content.decode()
        pages[url] = html
        queue += _links(html)
    return pages


def _is_json_object(text: str) -> bool:
    if not text.startswith("{"):
        return False
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


def problems(text: list[str], names: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    """What a Chinese reader should not meet; ``names`` are words of the merchant's own data."""
    found = []
    for part in text:
        if _is_json_object(part):
            continue  # a rule's source, shown for editing in the rule language (docs/segments.md)
        part = VERBATIM.sub(" ", part)
        for pattern, what in ((SNAKE, "key"), (REPR, "repr")):
            found += [
                f"{what}: {m.group(0)!r} in {part[:80]!r}"
                for m in pattern.finditer(part)
                if m.group(0) not in names
            ]
        for word in WORD.findall(part):
            if word not in ALLOWED_WORDS and word not in names and not word.isupper():
                found.append(f"english: {word!r} in {part[:80]!r}")
    return found


def data_words() -> set[str]:
    """Latin words in the merchant's own data (its name, nicknames, SKU codes, usernames...):
    what people typed is shown as typed."""
    texts = [
        *Merchant.objects.values_list("name", flat=True),
        *Customer.objects.values_list("nickname", flat=True),
        *Sku.objects.values_list("code", flat=True),
        *Product.objects.values_list("name", flat=True),
        *Staff.objects.values_list("display_name", flat=True),
        *Staff.objects.values_list("user__username", flat=True),
        *Outlet.objects.values_list("name", flat=True),
        *Outlet.objects.values_list("code", flat=True),
        *CustomerIdentity.objects.values_list("value", flat=True),
    ]
    words = set()
    for text in texts:
        words |= set(WORD.findall(text or "")) | set(SNAKE.findall(text or ""))
    return words


def _owner(demo, language: str) -> Client:
    client = Client(headers={"Accept-Language": language})
    owner = next(login for login in demo.logins if login.role == "owner")
    response = client.post("/console/login/", {"username": owner.username, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    return client


@pytest.fixture(scope="module")
def owner_client(demo) -> Client:
    return _owner(demo, "zh-hans")


def test_every_console_page_reads_as_chinese(owner_client):
    pages = crawl(owner_client)
    shapes = {_shape(url) for url in pages}
    # The crawl reached each kind of page the brief names.
    for needed in (
        "/console/orders/<id>/",
        "/console/customers/<id>/",
        "/console/after-sales/<id>/",
        "/console/marketing/promotions/<id>/",
        "/console/marketing/coupons/<id>/",
        "/console/customers/segments/<id>/",
        "/console/settings/audit/",
        "/console/outlets/",
    ):
        assert needed in shapes, sorted(shapes)
    for key in PLAYBOOKS:
        assert f"/console/marketing/{CONSOLE_PLAYBOOKS[key].slug}/<id>/" in shapes, (key, sorted(shapes))
    names = data_words()
    report = {url: found for url, html in pages.items() if (found := problems(visible_text(html), names))}
    assert report == {}, "\n".join(f"{url}\n    " + "\n    ".join(f[:12]) for url, f in report.items())


# Chinese an English page may show: the language switch names each language in itself, and help
# texts give examples of Chinese data (spec names).
EXAMPLE_RUNS = {"中文", "颜色", "尺码"}
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]+")


def data_blob() -> str:
    """Every text the database holds (names, titles, addresses, reasons, JSON...), joined: Chinese
    on an English page is fine when it is the merchant's own data."""
    from django.apps import apps
    from django.db import models

    parts: list[str] = []
    for model in apps.get_models():
        if not model.__module__.startswith("siyu."):
            continue
        fields = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
        ]
        if fields:
            for row in model._base_manager.values_list(*fields):
                parts.extend(str(v) for v in row if v)
    # China's divisions (the freight pages' region pickers) are data too, whatever the page's language.
    for province in regions.provinces():
        parts += [province.name, *(city.name for city in regions.children(province.code))]
    return "\n".join(parts)


def untranslated(text: list[str], blob: str) -> list[str]:
    """Chinese on an English page that is not the merchant's data: a msgid left untranslated."""
    return [
        f"chinese: {run!r} in {part[:80]!r}"
        for part in text
        for run in CJK.findall(part)
        if run not in blob and run not in EXAMPLE_RUNS
    ]


def test_every_console_page_reads_as_english_too(demo):
    """The same pages in English: Chinese is only the merchant's own data (names, titles...)."""
    pages = crawl(_owner(demo, "en"))
    blob = data_blob()
    report = {url: found for url, html in pages.items() if (found := untranslated(visible_text(html), blob))}
    assert report == {}, "\n".join(f"{url}\n    " + "\n    ".join(f[:12]) for url, f in report.items())
