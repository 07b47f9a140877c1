"""The 图文详情 is merchant HTML shown to every customer: nothing in it may run, in the console or the shop.

Each attack is saved through the console form (cleaned on save) and, to prove the pages do not rely
on that alone, also written straight to the table (cleaned again where it is marked safe).
"""

from __future__ import annotations

import pytest
from django.test import Client

from siyu.catalog.models import Product
from siyu.testing.clients import log_in

pytestmark = pytest.mark.django_db

ATTACKS = {
    "script": '<p>好茶</p><script>alert("xss")</script>',
    "event handler": '<img src="/media/x.jpg" onerror="alert(1)"><p onmouseover="alert(2)">好茶</p>',
    "javascript url": '<a href="javascript:alert(1)">好茶</a><a href="JaVaScRiPt:alert(1)">好茶</a>',
    "entity-encoded javascript url": '<a href="&#106;avascript:alert(1)">好茶</a>',
    "iframe": '<iframe src="https://evil.example.com/"></iframe><p>好茶</p>',
    "style expression": '<p style="width: expression(alert(1)); color: url(javascript:alert(2))">好茶</p>',
    "style element": "<style>body { background: url(javascript:alert(1)) }</style><p>好茶</p>",
    "svg onload": '<svg onload="alert(1)"><circle r="4"/></svg><p>好茶</p>',
    "data url image": '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    "object and embed": '<object data="x.swf"></object><embed src="x.swf"><p>好茶</p>',
    "form": '<form action="https://evil.example.com/"><input name="password"></form><p>好茶</p>',
    "broken markup": "<p>好茶<img src=x onerror=alert(1)//",
    "comment trick": "<!--<img src=x onerror=alert(1)>--><p>好茶</p>",
}
RUNNABLE = ["<script", "onerror", "onmouseover", "onload", "javascript:", "<iframe", "expression(", "<style",
            "<svg", "<object", "<embed", "<form", "data:image"]  # fmt: skip


def detail_of(html: str) -> str:
    """The detail section of a page: from its data-testid to the end of its section."""
    start = html.index('data-testid="detail"')
    return html[start : html.index("</section>", start)]


def assert_inert(section: str) -> None:
    lowered = section.lower()
    assert [token for token in RUNNABLE if token in lowered] == []


def edit_form(product: Product, detail_html: str) -> dict:
    sku = product.skus.get()
    return {
        "name": product.name,
        "sort_order": "0",
        "detail_html": detail_html,
        f"sku{sku.pk}-price": "50.00",
        f"sku{sku.pk}-list_price": "0",
        f"sku{sku.pk}-cost": "25.00",
        f"sku{sku.pk}-weight_grams": "0",
        f"sku{sku.pk}-is_active": "on",
    }


@pytest.mark.parametrize("attack", ATTACKS.values(), ids=ATTACKS.keys())
def test_a_hostile_detail_renders_inert_in_the_console_and_the_shop(owner, make_product, attack):
    console = log_in(owner)
    product = make_product("Tea")
    response = console.post(f"/console/products/{product.pk}/edit/", edit_form(product, attack))
    assert response.status_code == 302, response.content[:1500]
    product.refresh_from_db()
    assert_inert(product.detail_html)  # cleaned before it was stored

    # A row written past the service (an import, a bug, a database console) is cleaned when shown too.
    Product.objects.filter(pk=product.pk).update(detail_html=attack + "<p>好茶</p>")
    for page in (
        console.get(f"/console/products/{product.pk}/").content.decode(),
        Client().get(f"/shop/tea/p/{product.pk}/").content.decode(),
    ):
        section = detail_of(page)
        assert "好茶" in section
        assert_inert(section)
    editor = console.get(f"/console/products/{product.pk}/edit/").content.decode()
    start = editor.index('data-testid="richtext"')
    assert_inert(editor[start : editor.index("</textarea>", start)])  # the editor starts from the clean HTML


def test_the_shop_shows_the_gallery_and_the_detail_with_its_pictures(make_product):
    product = make_product(
        "Tea",
        images=["/media/a/1.jpg", "https://cdn.example.com/two.jpg"],
        detail_html='<h3>产地</h3><p>西湖<strong>龙井</strong></p><img src="/media/b/3.jpg" alt="茶园">',
    )
    html = Client().get(f"/shop/tea/p/{product.pk}/").content.decode()

    gallery = html[html.index('class="gallery"') : html.index("</div>", html.index('class="gallery"'))]
    assert gallery.count("<img") == 2
    assert gallery.index("1.jpg") < gallery.index("two.jpg")
    assert (
        detail_of(html)
        .split('<div class="prose">', 1)[1]
        .strip()
        .startswith('<h3>产地</h3><p>西湖<strong>龙井</strong></p><img src="/media/b/3.jpg" alt="茶园">')
    )
