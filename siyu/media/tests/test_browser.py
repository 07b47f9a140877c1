"""In Chromium: a picture uploaded on the product form is the product's picture in the shop."""

from __future__ import annotations

import pytest

from siyu.media.models import MediaImage
from siyu.testing.browser import log_in
from siyu.testing.images import image_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = ""  # a folder to save screenshots into while working on these pages


def test_an_image_uploaded_in_the_console_shows_on_the_shops_product_page(
    live_server, open_page, owner, merchant, make_product
):
    product = make_product("明前龙井")
    base = live_server.url
    page = open_page()
    log_in(page, base, owner)
    page.goto(f"{base}/console/products/{product.pk}/edit/")

    # The gallery: upload two pictures, then put the second first with its arrow.
    with page.expect_response(lambda r: r.url.endswith("/console/media/upload/")) as answer:
        page.set_input_files(
            "[data-testid=gallery-upload]",
            files=[
                {"name": "tin.jpg", "mimeType": "image/jpeg", "buffer": image_bytes(colour=(40, 120, 60))},
                {"name": "cup.png", "mimeType": "image/png", "buffer": image_bytes("PNG", size=(600, 600))},
            ],
        )
    assert answer.value.status == 200
    page.wait_for_function("document.querySelectorAll('[data-testid=gallery] .gallery-item').length === 2")
    tin, cup = MediaImage.objects.filter(merchant=merchant).order_by("original_name").reverse()
    assert (tin.original_name, cup.original_name) == ("tin.jpg", "cup.png")
    page.locator(".gallery-item").nth(1).locator("[data-move='-1']").click()

    # The detail: a line of text and a picture picked from the library.
    page.click("[data-testid=richtext-area]")
    page.keyboard.type("明前采摘，鲜爽回甘")
    page.click("[data-testid=richtext-image]")
    page.wait_for_selector("dialog.picker [data-pick]")
    page.click(f"dialog.picker [data-pick][data-url='{tin.url}']")
    page.wait_for_selector(f"[data-testid=richtext-area] img[src='{tin.url}']")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/product-edit.png", full_page=True)
    page.click("[data-testid=save]")
    page.wait_for_url(f"{base}/console/products/{product.pk}/")

    product.refresh_from_db()
    assert product.images == [cup.url, tin.url]
    assert product.detail_html == f'明前采摘，鲜爽回甘<img src="{tin.url}" alt="tin.jpg">'
    assert page.js_errors == []

    shop = open_page(phone=True)
    shop.goto(f"{base}/shop/tea/p/{product.pk}/")
    gallery = shop.locator("[data-testid=product] .gallery img")
    assert [gallery.nth(i).get_attribute("src") for i in range(gallery.count())] == [cup.url, tin.url]
    detail = shop.locator("[data-testid=detail]")
    assert "明前采摘，鲜爽回甘" in detail.inner_text()
    detail.locator("img").scroll_into_view_if_needed()
    # Both pictures arrive from the media URL as decoded images, not broken icons.
    shop.wait_for_function(
        "Array.from(document.querySelectorAll('.gallery img, [data-testid=detail] img'))"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    widths = shop.eval_on_selector_all(
        ".gallery img, [data-testid=detail] img", "imgs => imgs.map(i => i.naturalWidth)"
    )
    assert widths == [600, 1200, 1200]
    if SHOTS:
        shop.screenshot(path=f"{SHOTS}/shop-product.png", full_page=True)
    assert shop.js_errors == []
