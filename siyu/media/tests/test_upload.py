"""The image library's use cases: what an upload becomes, what is refused, what delete may remove."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.storage import default_storage

from siyu.core.errors import PermissionDenied
from siyu.media.errors import ImageInUse, ImageNotFound, ImageTooLarge, ImageTooManyPixels, UnsupportedImage
from siyu.media.models import MediaImage
from siyu.media.selectors import library
from siyu.media.services import delete_images, upload_image
from siyu.tenancy.models import AuditEntry, Role
from siyu.testing import factories
from siyu.testing.images import camera_exif, image_bytes, opened, png_declaring, two_frame_gif
from siyu.testing.snapshots import changed, tenant_rows


def stored(name: str) -> bytes:
    with default_storage.open(name) as f:
        return f.read()


def upload(merchant, data: bytes, name: str = "photo.jpg", staff=None):
    return upload_image(merchant=merchant, content=data, name=name, acting_staff=staff)


def test_a_phone_photo_is_turned_upright_and_loses_its_exif(merchant, owner):
    data = image_bytes("JPEG", size=(1200, 800), exif=camera_exif(orientation=6))
    assert opened(data).getexif()[0x0112] == 6

    result = upload(merchant, data, "IMG_0042.JPG", owner)

    image = result.image
    assert result.created is True
    assert (image.width, image.height) == (800, 1200)  # rotated as the EXIF asked
    assert image.source_format == "jpeg"
    assert image.sha256 == hashlib.sha256(data).hexdigest()
    assert image.original_name == "IMG_0042.JPG"
    assert image.uploaded_by == owner
    assert image.file.name == f"images/{merchant.pk}/{image.sha256[:2]}/{image.sha256}.jpg"
    assert image.url == f"/media/{image.file.name}"
    body = stored(image.file.name)
    assert image.bytes == len(body)
    picture = opened(body)
    assert picture.format == "JPEG"
    assert picture.size == (800, 1200)
    assert dict(picture.getexif()) == {}  # no camera, serial number or GPS position survives
    assert b"PhoneMaker" not in body and b"SN-0042" not in body
    thumb = opened(stored(image.thumbnail.name))
    assert thumb.size == (267, 400)
    assert image.thumbnail.name.endswith("-thumb.jpg")
    entry = AuditEntry.objects.get(action="media.upload")
    assert (entry.staff, entry.object_id) == (owner, str(image.pk))


@pytest.mark.parametrize(
    ("fmt", "mode", "colour", "ext", "stored_mode"),
    [
        ("PNG", "RGBA", (0, 128, 0, 100), "png", "RGBA"),  # transparency kept: PNG
        ("PNG", "RGB", (0, 128, 0), "png", "RGB"),  # lossless stays lossless
        ("WEBP", "RGB", (0, 0, 200), "jpg", "RGB"),
        ("JPEG", "L", (90,), "jpg", "RGB"),
    ],
)
def test_accepted_formats_are_re_encoded(merchant, fmt, mode, colour, ext, stored_mode):
    image = upload(merchant, image_bytes(fmt, size=(300, 200), mode=mode, colour=colour), "x.bin").image

    assert image.file.name.endswith(f".{ext}")
    assert image.source_format == fmt.lower()
    picture = opened(stored(image.file.name))
    assert (picture.size, picture.mode) == ((300, 200), stored_mode)
    assert opened(stored(image.thumbnail.name)).size == (300, 200)  # never scaled up


def test_an_animated_gif_keeps_its_first_frame(merchant):
    image = upload(merchant, two_frame_gif(), "spin.gif").image

    picture = opened(stored(image.file.name))
    assert picture.format == "PNG"
    assert getattr(picture, "n_frames", 1) == 1
    assert picture.convert("RGB").getpixel((10, 10)) == (255, 0, 0)


def test_a_large_picture_is_scaled_down_to_the_longest_side(merchant, settings):
    settings.SIYU_MEDIA_MAX_SIDE = 1000
    image = upload(merchant, image_bytes("JPEG", size=(3000, 1500))).image

    assert (image.width, image.height) == (1000, 500)
    assert opened(stored(image.file.name)).size == (1000, 500)
    assert opened(stored(image.thumbnail.name)).size == (400, 200)


def test_the_format_is_judged_by_content_not_by_name(merchant):
    image = upload(merchant, image_bytes("PNG", size=(40, 40)), "looks-like.jpg").image
    assert image.source_format == "png"
    assert image.file.name.endswith(".png")


def test_the_same_file_twice_is_one_library_image_per_merchant(merchant):
    data = image_bytes("JPEG", size=(100, 100))
    first = upload(merchant, data, "a.jpg")
    again = upload(merchant, data, "b.jpg")
    other = factories.make_merchant("coffee")
    theirs = upload(other, data, "a.jpg")

    assert (first.created, again.created, theirs.created) == (True, False, True)
    assert again.image.pk == first.image.pk
    assert again.image.original_name == "a.jpg"
    assert MediaImage.objects.filter(merchant=merchant).count() == 1
    assert theirs.image.file.name != first.image.file.name  # deleting one never removes the other's file


def refused_upload(merchant, data: bytes, error: type, code: str) -> None:
    before = tenant_rows(merchant)
    with pytest.raises(error) as caught:
        upload(merchant, data, "bad")
    assert caught.value.code == code
    assert changed(before, tenant_rows(merchant)) == []
    assert not default_storage.exists(f"images/{merchant.pk}")


def test_a_file_over_the_size_limit_is_refused(merchant, settings):
    settings.SIYU_MEDIA_MAX_BYTES = 2000
    data = image_bytes("PNG", size=(400, 400), mode="RGB", colour=(1, 2, 3))
    noisy = data + b"\x00" * 2000  # any file over the limit, image or not
    refused_upload(merchant, noisy, ImageTooLarge, "image_too_large")
    assert ImageTooLarge.status == 413


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7 not a picture",
        b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
        image_bytes("BMP", size=(20, 20)),
        image_bytes("TIFF", size=(20, 20)),
        image_bytes("JPEG", size=(200, 200))[:300],  # cut short
        b"",
    ],
    ids=["pdf", "svg", "bmp", "tiff", "truncated-jpeg", "empty"],
)
def test_what_is_not_an_accepted_image_is_refused(merchant, data):
    refused_upload(merchant, data, UnsupportedImage, "unsupported_image")


@pytest.mark.parametrize("side", [8000, 30000], ids=["over-our-limit", "over-pillows-limit"])
def test_a_decompression_bomb_is_refused_before_it_is_decoded(merchant, side):
    data = png_declaring(side, side)
    assert len(data) < 200  # a few bytes that would decode to gigabytes
    refused_upload(merchant, data, ImageTooManyPixels, "image_too_many_pixels")


def test_staff_without_catalogue_rights_cannot_upload(merchant, make_staff):
    guide = make_staff(Role.GUIDE)
    before = tenant_rows(merchant)
    with pytest.raises(PermissionDenied):
        upload(merchant, image_bytes(), staff=guide)
    assert changed(before, tenant_rows(merchant)) == []


def test_unused_images_are_deleted_with_their_files(merchant, owner, django_capture_on_commit_callbacks):
    one = upload(merchant, image_bytes(colour=(1, 1, 1))).image
    two = upload(merchant, image_bytes(colour=(2, 2, 2))).image
    kept = upload(merchant, image_bytes(colour=(3, 3, 3))).image
    files = [one.file.name, one.thumbnail.name, two.file.name, two.thumbnail.name]

    with django_capture_on_commit_callbacks(execute=True):
        deleted = delete_images(merchant=merchant, image_ids=[one.pk, two.pk], acting_staff=owner)

    assert deleted == 2
    assert list(MediaImage.objects.filter(merchant=merchant)) == [kept]
    assert [default_storage.exists(f) for f in files] == [False] * 4
    assert default_storage.exists(kept.file.name)
    assert AuditEntry.objects.filter(action="media.delete").count() == 2


def test_images_a_product_shows_are_not_deleted(merchant, owner, make_product):
    in_gallery = upload(merchant, image_bytes(colour=(1, 1, 1))).image
    in_detail = upload(merchant, image_bytes(colour=(2, 2, 2))).image
    unused = upload(merchant, image_bytes(colour=(3, 3, 3))).image
    make_product("Gallery", images=["https://cdn.example.com/x.jpg", in_gallery.url])
    make_product("Detail", detail_html=f'<p>看</p><img src="{in_detail.url}" alt="">')

    assert {i.pk: i.in_use for i in library(merchant=merchant)} == {
        in_gallery.pk: True,
        in_detail.pk: True,
        unused.pk: False,
    }
    assert [i.pk for i in library(merchant=merchant, unused_only=True)] == [unused.pk]
    for used in (in_gallery, in_detail):
        before = tenant_rows(merchant)
        with pytest.raises(ImageInUse) as caught:
            delete_images(merchant=merchant, image_ids=[unused.pk, used.pk], acting_staff=owner)
        assert caught.value.detail == {"image_ids": [used.pk]}
        assert changed(before, tenant_rows(merchant)) == []
        assert default_storage.exists(used.file.name)


def test_another_merchants_image_cannot_be_deleted(merchant, owner):
    other = factories.make_merchant("coffee")
    theirs = upload(other, image_bytes()).image
    with pytest.raises(ImageNotFound) as caught:
        delete_images(merchant=merchant, image_ids=[theirs.pk], acting_staff=owner)
    assert caught.value.detail == {"image_ids": [theirs.pk]}
    assert MediaImage.objects.filter(pk=theirs.pk).exists()
