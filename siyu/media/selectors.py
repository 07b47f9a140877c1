"""Reads of the image library: the grid with each image's use, and which images products show."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from siyu.catalog.models import Product
from siyu.media.models import MediaImage
from siyu.tenancy.models import Merchant


def _shown_by_a_product() -> Exists:
    """Whether some product of the image's merchant shows it, in its gallery or its detail.

    Products keep image URLs, and every URL of a stored file contains the file's name (a digest
    path, unique to the image), so "shows it" is the name within the gallery's JSON or the detail.
    """
    products = Product.objects.filter(merchant_id=OuterRef("merchant_id")).filter(
        Q(images__icontains=OuterRef("file")) | Q(detail_html__contains=OuterRef("file"))
    )
    return Exists(products)


def library(*, merchant: Merchant | int, unused_only: bool = False) -> QuerySet[MediaImage]:
    """The merchant's images, newest first, each annotated ``in_use`` (one query per page)."""
    qs = MediaImage.objects.for_merchant(merchant).annotate(in_use=_shown_by_a_product())
    if unused_only:
        qs = qs.filter(~_shown_by_a_product())
    return qs.order_by("-created_at", "-id")


def images_in_use(*, merchant: Merchant | int, image_ids: list[int]) -> list[int]:
    """Those of ``image_ids`` some product shows, in id order."""
    return sorted(
        MediaImage.objects.for_merchant(merchant)
        .filter(_shown_by_a_product(), pk__in=image_ids)
        .values_list("pk", flat=True)
    )


def images_by_url(*, merchant: Merchant | int, urls: list[str]) -> dict[str, MediaImage]:
    """The library images behind ``urls`` (others, e.g. external URLs, are left out), keyed by URL."""
    if not urls:
        return {}
    found = {}
    for image in MediaImage.objects.for_merchant(merchant).filter(file__in=_names_of(urls)):
        found[image.url] = image
    return {url: found[url] for url in urls if url in found}


def _names_of(urls: list[str]) -> list[str]:
    """The storage names ``urls`` may point at: what follows the ``images/`` prefix of each URL."""
    names = []
    for url in urls:
        at = url.find("images/")
        if at >= 0:
            names.append(url[at:].split("?", 1)[0])
    return names
