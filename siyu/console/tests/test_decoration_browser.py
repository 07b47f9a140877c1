"""店铺装修 in Chromium: an operator builds the home page from a banner and a product grid, watches the
phone preview follow each save, publishes, and a shopper sees it on a phone (390x844).

``SIYU_SHOTS=<dir>`` saves the editor and the shop as PNGs there (docs/screenshots/console-decoration.png
comes from this journey)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from siyu.catalog.models import ProductRole
from siyu.decoration.models import PageVersion
from siyu.testing.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BANNER = """<svg xmlns="http://www.w3.org/2000/svg" width="780" height="390" viewBox="0 0 780 390">
<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#2f7d4f"/>
<stop offset="1" stop-color="#9bc37a"/></linearGradient></defs><rect width="780" height="390" fill="url(#g)"/>
<circle cx="640" cy="110" r="150" fill="#ffffff" fill-opacity=".12"/>
<text x="48" y="200" font-size="64" font-family="sans-serif" fill="#fff" font-weight="700">SPRING TEA</text>
<text x="48" y="260" font-size="30" font-family="sans-serif" fill="#fff">2026</text></svg>"""
TEA = """<svg xmlns="http://www.w3.org/2000/svg" width="300" height="300" viewBox="0 0 300 300">
<rect width="300" height="300" fill="{bg}"/><circle cx="150" cy="160" r="80" fill="#fff" fill-opacity=".35"/>
<path d="M110 150h80v40a40 40 0 0 1-80 0z" fill="#fff"/></svg>"""


@pytest.fixture
def pictures(settings, tmp_path) -> Iterator[str]:
    """Images served by the live server under /static/decor-test/ (a media library is another issue)."""
    folder = tmp_path / "decor-test"
    folder.mkdir()
    (folder / "banner.svg").write_text(BANNER)
    for name, bg in (("green", "#4d9a6a"), ("amber", "#c98b3b"), ("red", "#b5483e")):
        (folder / f"{name}.svg").write_text(TEA.format(bg=bg))
    settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, str(tmp_path)]
    yield "/static/decor-test"


def shot(page, name: str) -> None:
    folder = os.environ.get("SIYU_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name), full_page=False)


def test_an_operator_builds_and_publishes_a_home_page_that_a_shopper_sees_on_a_phone(
    live_server, open_page, vendor_static, pictures, owner, make_product
):
    teas = [
        make_product(name, price=price, roles=[ProductRole.HOT_ITEM], images=[f"{pictures}/{image}.svg"])
        for name, price, image in (
            ("明前龙井", 12800, "green"),
            ("正山小种", 6800, "amber"),
            ("大红袍", 9900, "red"),
        )
    ]
    base = live_server.url
    page = open_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, base, owner)

    page.goto(f"{base}/console/decoration/")
    page.click("[data-testid=decorate-home]")
    page.wait_for_selector("[data-testid=preview]")
    # The new home page starts from coupons, activities, hot items and all products; add a banner.
    page.select_option("[data-testid=add-section] select[name=kind]", "banner")
    page.click("[data-testid=add-section] button[type=submit]")
    banner = page.locator("article[data-kind=banner]")
    banner.wait_for()
    banner.locator("input[name=image_0]").fill(f"{pictures}/banner.svg")
    banner.locator("input[name=title_0]").fill("春茶上新")
    banner.locator("select[name=link_0]").select_option(f"product:{teas[0].pk}")
    banner.locator("[data-testid=save-section]").click()
    page.wait_for_selector("article[data-kind=banner] [data-testid=section-summary]:has-text('1')")
    for place in (4, 3, 2, 1):  # to the top, one step at a time
        page.locator("article[data-kind=banner] [data-testid=move-up]").click()
        page.wait_for_selector(f"#decor-main > article:nth-of-type({place})[data-kind=banner]")
    assert page.locator("article.decor-section").first.get_attribute("data-kind") == "banner"
    # The product grid: three columns of hot items under a title of its own.
    grid = page.locator("article[data-kind=products]").first
    grid.locator("summary").click()
    grid.locator("input[name=title]").fill("本周热卖")
    grid.locator("select[name=columns]").select_option("3")
    grid.locator("[data-testid=save-section]").click()
    page.wait_for_selector("article[data-kind=products] [data-testid=section-summary]:has-text('3')")
    # The phone preview shows the draft.
    frame = page.frame_locator("[data-testid=preview]")
    frame.locator("[data-testid=banner-slide]").wait_for()
    frame.locator("text=本周热卖").wait_for()
    assert frame.locator("[data-testid=preview-ribbon]").count() == 1
    assert grid.locator("[data-field=category_id]").is_hidden()  # a grid by role asks for no category
    page.locator("article[data-kind=banner] summary").click()
    assert page.locator("article[data-kind=banner] [data-field=link_0_path]").is_hidden()
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "console-decoration.png")

    page.click("[data-testid=publish]")
    page.wait_for_selector("[data-testid=live]:has-text('1')")
    assert PageVersion.objects.get(status="published").number == 1
    page.click("button[name=language][value=en]")
    page.wait_for_selector('html[lang="en"]')
    shot(page, "console-decoration-en.png")
    assert page.js_errors == []

    phone = open_page(phone=True)
    phone.goto(f"{base}/shop/tea/")
    phone.wait_for_selector("[data-testid=sec-banner]")
    assert phone.locator("[data-testid=banner-slide]").inner_text() == "春茶上新"
    grid_text = phone.locator("[data-testid=sec-products]").first.inner_text()
    assert grid_text.split("\n")[0] == "本周热卖"
    for name in ("明前龙井", "正山小种", "大红袍"):
        assert name in grid_text
    assert phone.locator("[data-testid=preview-ribbon]").count() == 0
    shot(phone, "storefront-decorated-home.png")
    phone.locator("[data-testid=banner-slide]").click()
    phone.wait_for_url(f"{base}/shop/tea/p/{teas[0].pk}/")
    assert phone.js_errors == []
