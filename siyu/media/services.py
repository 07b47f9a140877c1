"""Use cases of the image library: upload (checked, re-encoded, deduplicated) and delete unused images."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from siyu.media.errors import ImageInUse, ImageNotFound, ImageTooLarge
from siyu.media.models import MediaImage
from siyu.media.processing import Encoded, process_image, sha256_of
from siyu.media.selectors import images_in_use
from siyu.tenancy.models import Merchant, Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import record_audit, require

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Upload:
    """The library's image for an upload; ``created`` is False when the same file was already there."""

    image: MediaImage
    created: bool


def _read_limited(content: bytes | IO[bytes], limit: int) -> bytes:
    """At most ``limit`` bytes of ``content``; refused without reading further when it is longer."""
    data = content if isinstance(content, bytes) else content.read(limit + 1)
    if len(data) > limit:
        mb = f"{limit / 1024 / 1024:g}"
        raise ImageTooLarge(_("The file is larger than %(mb)s MB.") % {"mb": mb}, detail={"max_bytes": limit})
    return data


def _store(name: str, encoded: Encoded) -> str:
    """Save ``encoded`` at ``name`` (named by the upload's digest) and return the stored name.

    A file already at ``name`` holds this very picture (an upload whose row was rolled back, or a
    deleted image uploaded again): it is reused rather than copied beside itself.
    """
    if default_storage.exists(name):
        return name
    return default_storage.save(name, ContentFile(encoded.data))


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:  # a file left behind costs disk, never correctness: log and go on
            log.warning("could not delete media file %s", name, exc_info=True)


def upload_image(
    *, merchant: Merchant, content: bytes | IO[bytes], name: str, acting_staff: Staff | None
) -> Upload:
    """Add one image to the merchant's library, or find the one already uploaded with the same bytes.

    The file is refused when larger than SIYU_MEDIA_MAX_BYTES (``image_too_large``), not a JPEG,
    PNG, WebP or GIF by its content (``unsupported_image``), or declaring more than
    SIYU_MEDIA_MAX_PIXELS (``image_too_many_pixels``). Otherwise it is re-encoded (EXIF dropped,
    orientation applied, scaled down to SIYU_MEDIA_MAX_SIDE) with a thumbnail, both saved to the
    default storage, and the row is written in one transaction. Decoding and storing happen before
    the transaction, so no database lock is held while Pillow works.
    """
    if acting_staff is not None:
        require(acting_staff, Perm.CATALOG_EDIT)
    data = _read_limited(content, settings.SIYU_MEDIA_MAX_BYTES)
    library = MediaImage.objects.for_merchant(merchant)
    digest = sha256_of(data)
    existing = library.filter(sha256=digest).first()
    if existing is not None:
        return Upload(image=existing, created=False)
    processed = process_image(
        data,
        max_pixels=settings.SIYU_MEDIA_MAX_PIXELS,
        max_side=settings.SIYU_MEDIA_MAX_SIDE,
        thumb_side=settings.SIYU_MEDIA_THUMB_SIDE,
    )
    base = f"images/{merchant.pk}/{digest[:2]}/{digest}"
    file_name = _store(f"{base}.{processed.image.ext}", processed.image)
    thumb_name = _store(f"{base}-thumb.{processed.thumbnail.ext}", processed.thumbnail)
    try:
        with transaction.atomic():
            image = MediaImage.objects.create(
                merchant=merchant,
                file=file_name,
                thumbnail=thumb_name,
                width=processed.image.width,
                height=processed.image.height,
                bytes=len(processed.image.data),
                source_format=processed.source_format,
                sha256=digest,
                original_name=name[:255],
                uploaded_by=acting_staff,
            )
            record_audit(
                staff=acting_staff,
                merchant=merchant,
                action="media.upload",
                obj=image,
                after={"file": file_name, "original_name": image.original_name, "bytes": image.bytes},
            )
    except IntegrityError:
        # The same bytes were uploaded at the same moment by someone else: theirs is the library's.
        return Upload(image=library.get(sha256=digest), created=False)
    return Upload(image=image, created=True)


@transaction.atomic
def delete_images(*, merchant: Merchant, image_ids: list[int], acting_staff: Staff | None) -> int:
    """Delete images no product shows (gallery or detail): all of them, or none if any is in use.

    The files go once the transaction commits, so a rolled-back delete keeps them.
    """
    if acting_staff is not None:
        require(acting_staff, Perm.CATALOG_EDIT)
    wanted = sorted(set(image_ids))
    images = list(
        MediaImage.objects.for_merchant(merchant).select_for_update().filter(pk__in=wanted).order_by("pk")
    )
    missing = sorted(set(wanted) - {i.pk for i in images})
    if missing:
        raise ImageNotFound(detail={"image_ids": missing})
    used = images_in_use(merchant=merchant, image_ids=wanted)
    if used:
        raise ImageInUse(detail={"image_ids": used})
    files: list[str] = []
    for image in images:
        files += [name for name in (image.file.name, image.thumbnail.name) if name]
        record_audit(
            staff=acting_staff,
            merchant=merchant,
            action="media.delete",
            obj=image,
            before={"file": image.file.name, "original_name": image.original_name},
        )
    MediaImage.objects.filter(pk__in=wanted).delete()
    transaction.on_commit(lambda: _delete_files(files))
    return len(images)
