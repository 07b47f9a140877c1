"""The staff API writes and reads a product's gallery and 图文详情 with the same rules as the console."""

from __future__ import annotations

import pytest

from siyu.catalog.models import Product
from siyu.testing.snapshots import changed, tenant_rows

pytestmark = pytest.mark.django_db

NEW = {
    "name": "明前龙井",
    "images": ["/media/images/1/aa/a.jpg", "https://cdn.example.com/b.jpg"],
    "detail_html": (
        '<p onclick="x()">清香<script>alert(1)</script></p><img src="/media/images/1/aa/c.jpg" onerror="y()">'
    ),
    "skus": [{"code": "LJ-1", "price": 12800}],
}


def test_the_api_cleans_the_detail_and_keeps_the_gallery_order(staff_api):
    created = staff_api.post("/api/v1/admin/products", NEW)

    assert created.status_code == 201, created.content
    body = created.json()
    assert body["images"] == ["/media/images/1/aa/a.jpg", "https://cdn.example.com/b.jpg"]
    assert body["detail_html"] == '<p>清香</p><img src="/media/images/1/aa/c.jpg">'
    patched = staff_api.patch(
        f"/api/v1/admin/products/{body['id']}",
        {"images": ["https://cdn.example.com/b.jpg"], "detail_html": '<a href="javascript:alert(1)">看</a>'},
    )
    assert patched.status_code == 200, patched.content
    assert (patched.json()["images"], patched.json()["detail_html"]) == (
        ["https://cdn.example.com/b.jpg"],
        '<a rel="noopener noreferrer nofollow">看</a>',
    )
    assert Product.objects.get().detail_html == '<a rel="noopener noreferrer nofollow">看</a>'


@pytest.mark.parametrize(
    "bad", ["javascript:alert(1)", "data:image/png;base64,AA", "//evil.example.com/x.jpg", ""]
)
def test_a_gallery_entry_that_is_not_a_picture_address_is_a_400(staff_api, merchant, make_product, bad):
    product = make_product("Tea", images=["https://cdn.example.com/ok.jpg"])
    before = tenant_rows(merchant)

    created = staff_api.post("/api/v1/admin/products", {**NEW, "images": [bad]})
    patched = staff_api.patch(
        f"/api/v1/admin/products/{product.pk}", {"images": ["https://ok.example.com/1.jpg", bad]}
    )

    assert (created.status_code, created.json()["code"]) == (400, "invalid_input")
    assert (patched.status_code, patched.json()["detail"]) == (400, {"images": bad})
    assert changed(before, tenant_rows(merchant)) == []
