"""The image library in the console (Django test client): the grid, uploads, deletes, the picker, the
product form's gallery and detail, and the media files themselves."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from siyu.media.models import MediaImage
from siyu.media.services import upload_image
from siyu.tenancy.models import Role
from siyu.testing import factories
from siyu.testing.clients import log_in
from siyu.testing.images import image_bytes
from siyu.testing.pages import texts
from siyu.testing.snapshots import changed, refused, tenant_rows

pytestmark = pytest.mark.django_db


def a_file(name: str, data: bytes | None = None, colour=(10, 120, 60)) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data if data is not None else image_bytes(colour=colour), "image/jpeg")


def stored(merchant, n: int) -> list[MediaImage]:
    return [
        upload_image(
            merchant=merchant, content=image_bytes(colour=(i * 40, 2, 3)), name=f"p{i}.jpg", acting_staff=None
        ).image
        for i in range(n)
    ]


def test_several_pictures_are_uploaded_at_once_and_a_bad_one_is_named(owner, merchant):
    console = log_in(owner)
    response = console.post(
        "/console/media/",
        {
            "pictures": [
                a_file("tea.jpg"),
                a_file("notes.txt", b"just text"),
                a_file("cup.jpg", colour=(1, 1, 1)),
            ]
        },
        follow=True,
    )

    assert response.redirect_chain == [("/console/media/", 302)]
    images = MediaImage.objects.filter(merchant=merchant).order_by("id")
    assert [(i.original_name, i.uploaded_by_id) for i in images] == [
        ("tea.jpg", owner.pk),
        ("cup.jpg", owner.pk),
    ]
    html = response.content.decode()
    assert "2 images were uploaded." in html
    assert "notes.txt: The file is not a JPEG, PNG, WebP or GIF image." in html
    assert [i.split()[0] for i in texts(html, "image")] == ["cup.jpg", "tea.jpg"]


def test_an_upload_with_nothing_storable_shows_each_reason_and_changes_nothing(owner, merchant, settings):
    settings.SIYU_MEDIA_MAX_BYTES = 1024 * 1024
    console = log_in(owner)
    before = tenant_rows(merchant)

    big = a_file(
        "huge.png",
        image_bytes("PNG", size=(1400, 1400), mode="RGB", colour=(0, 0, 0)) + b"\0" * (1024 * 1024),
    )
    response = console.post("/console/media/", {"pictures": [big, a_file("x.pdf", b"%PDF-1.4")]})

    assert response.status_code == 413
    assert texts(response.content.decode(), "refusals") == [
        "huge.png: The file is larger than 1 MB. x.pdf: The file is not a JPEG, PNG, WebP or GIF image."
    ]
    assert changed(before, tenant_rows(merchant)) == []
    empty = console.post("/console/media/", {})
    assert empty.status_code == 400
    assert changed(before, tenant_rows(merchant)) == []


def test_staff_who_only_view_the_catalogue_see_the_library_but_cannot_change_it(make_staff, merchant):
    image = stored(merchant, 1)[0]
    guide = log_in(make_staff(Role.GUIDE))
    page = guide.get("/console/media/").content.decode()
    assert texts(page, "image")[0].startswith("p0.jpg")
    assert 'data-testid="upload-form"' not in page and 'name="image_ids"' not in page

    before = tenant_rows(merchant)
    assert guide.post("/console/media/", {"pictures": [a_file("t.jpg")]}).status_code == 403
    assert guide.post("/console/media/upload/", {"pictures": [a_file("t.jpg")]}).status_code == 403
    assert guide.post("/console/media/delete/", {"image_ids": [image.pk]}).status_code == 403
    assert changed(before, tenant_rows(merchant)) == []


def test_the_library_page_costs_the_same_queries_for_any_number_of_images(
    owner, merchant, make_product, django_assert_num_queries
):
    console = log_in(owner)
    images = stored(merchant, 3)
    make_product("Shown", images=[images[0].url])
    console.get("/console/media/")  # warm the session and the translations

    # session, user, staff, count, page (with in_use and the uploader)
    with django_assert_num_queries(5):
        few = console.get("/console/media/")
    stored_more = stored(factories.make_merchant("other"), 0) + [
        upload_image(
            merchant=merchant, content=image_bytes(colour=(9, i * 40, 9)), name=f"m{i}.jpg", acting_staff=None
        ).image
        for i in range(5)
    ]
    assert len(stored_more) == 5
    with django_assert_num_queries(5):
        many = console.get("/console/media/")

    assert len(texts(few.content.decode(), "image")) == 3
    html = many.content.decode()
    assert len(texts(html, "image")) == 8
    assert texts(html, "in-use") == ["In use"]
    unused = console.get("/console/media/?unused=1").content.decode()
    assert len(texts(unused, "image")) == 7


def test_unused_pictures_are_deleted_and_a_used_one_is_refused(owner, merchant, make_product):
    console = log_in(owner)
    used, spare, other_spare = stored(merchant, 3)
    make_product("Shown", detail_html=f'<p><img src="{used.url}"></p>')

    refused(
        console, "/console/media/delete/", {"image_ids": [spare.pk, used.pk]}, merchant, 409, "image_in_use"
    )
    refused(console, "/console/media/delete/", {"image_ids": ["x"]}, merchant, 400, "invalid_input")
    refused(console, "/console/media/delete/", {}, merchant, 400, "invalid_input")
    theirs = upload_image(
        merchant=factories.make_merchant("other"), content=image_bytes(), name="t", acting_staff=None
    )
    refused(
        console, "/console/media/delete/", {"image_ids": [theirs.image.pk]}, merchant, 404, "image_not_found"
    )

    response = console.post("/console/media/delete/", {"image_ids": [spare.pk, other_spare.pk]}, follow=True)
    assert response.redirect_chain == [("/console/media/", 302)]
    assert "2 images were deleted." in response.content.decode()
    assert list(MediaImage.objects.filter(merchant=merchant)) == [used]
    assert MediaImage.objects.filter(pk=theirs.image.pk).exists()


def test_the_editors_upload_answers_json(owner, merchant):
    console = log_in(owner)
    response = console.post(
        "/console/media/upload/", {"pictures": [a_file("a.jpg"), a_file("b.gif", b"GIF89a")]}
    )

    assert response.status_code == 200
    body = json.loads(response.content)
    image = MediaImage.objects.get(merchant=merchant)
    assert body == {
        "images": [
            {
                "id": image.pk,
                "url": image.url,
                "thumbnail_url": image.thumbnail_url,
                "width": 1200,
                "height": 800,
                "name": "a.jpg",
                "created": True,
            }
        ],
        "errors": [
            {
                "name": "b.gif",
                "code": "unsupported_image",
                "message": "b.gif: The file is not a JPEG, PNG, WebP or GIF image.",
            }
        ],
    }
    bad = console.post("/console/media/upload/", {"pictures": [a_file("c.txt", b"text")]})
    assert bad.status_code == 400
    assert [e["code"] for e in json.loads(bad.content)["errors"]] == ["unsupported_image"]


def test_the_picker_shows_the_library_as_tiles(owner, merchant):
    images = stored(merchant, 2)
    html = log_in(owner).get("/console/media/picker/").content.decode()
    for image in images:
        assert f'data-url="{image.url}" data-thumb="{image.thumbnail_url}"' in html
    assert '<nav class="sidenav"' not in html  # a fragment, not a page


def test_the_product_form_orders_the_gallery_and_cleans_the_detail(owner, merchant, make_product):
    console = log_in(owner)
    first, second = stored(merchant, 2)
    product = make_product("Tea", images=[first.url, "https://cdn.example.com/x.jpg"])
    sku = product.skus.get()

    page = console.get(f"/console/products/{product.pk}/edit/").content.decode()
    # the library's images show their thumbnails; an outside URL shows itself
    assert f'<img src="{first.thumbnail_url}" alt="">' in page
    assert f'<input type="hidden" name="images" value="{first.url}">' in page
    assert '<img src="https://cdn.example.com/x.jpg" alt="">' in page

    data = {
        "name": "Tea",
        "sort_order": "0",
        "images": [second.url, "https://cdn.example.com/x.jpg", first.url, ""],
        "detail_html": (
            f'<h3>产地</h3><p onclick="steal()">西湖<script>alert(1)</script></p>'
            f'<img src="{second.url}" onerror="alert(2)">'
        ),
        f"sku{sku.pk}-price": "50.00",
        f"sku{sku.pk}-list_price": "0",
        f"sku{sku.pk}-cost": "25.00",
        f"sku{sku.pk}-weight_grams": "0",
        f"sku{sku.pk}-is_active": "on",
    }
    response = console.post(f"/console/products/{product.pk}/edit/", data)

    assert response.status_code == 302, response.content[:2000]
    product.refresh_from_db()
    assert product.images == [second.url, "https://cdn.example.com/x.jpg", first.url]
    assert product.detail_html == f'<h3>产地</h3><p>西湖</p><img src="{second.url}">'


@pytest.mark.parametrize(
    "bad",
    ["javascript:alert(1)", "data:image/png;base64,AAAA", "//evil.example.com/x.jpg", "not a url"],
)
def test_a_gallery_address_that_is_not_a_picture_address_is_refused(owner, merchant, make_product, bad):
    product = make_product("Tea")
    sku = product.skus.get()
    data = {
        "name": "Tea",
        "sort_order": "0",
        "images": ["https://cdn.example.com/ok.jpg", bad],
        f"sku{sku.pk}-price": "50.00",
        f"sku{sku.pk}-list_price": "0",
        f"sku{sku.pk}-cost": "25.00",
        f"sku{sku.pk}-weight_grams": "0",
        f"sku{sku.pk}-is_active": "on",
    }
    response = refused(log_in(owner), f"/console/products/{product.pk}/edit/", data, merchant, 400)
    assert "is not an image address" in response.content.decode()


def test_media_files_are_served_for_good(owner, merchant):
    image = stored(merchant, 1)[0]
    response = Client().get(image.url)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    assert Client().get("/media/../settings.py").status_code == 404
    assert Client().get("/media/images/none.jpg").status_code == 404
    assert Client().get("/media/other.txt").status_code == 404
    assert Client().post(image.url).status_code == 405
