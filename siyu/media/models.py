"""The merchant's image library: every picture a product gallery or detail shows comes from here."""

from __future__ import annotations

from django.db import models

from siyu.core.models import TenantModel
from siyu.media.errors import ImageNotFound


class MediaImage(TenantModel):
    """One uploaded image, re-encoded, with its thumbnail; unique per merchant by the upload's digest.

    Files live in the default storage (``STORAGES["default"]``: the filesystem under MEDIA_ROOT unless
    configured otherwise, docs/deployment.md); a product refers to an image by its URL.
    """

    not_found = ImageNotFound
    owned_id_name = "image_id"

    file = models.FileField(max_length=200)
    thumbnail = models.FileField(max_length=200)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    bytes = models.PositiveIntegerField(help_text="size of the stored (re-encoded) file")
    source_format = models.CharField(max_length=8, help_text="jpeg, png, webp, gif or mpo as uploaded")
    sha256 = models.CharField(max_length=64, help_text="digest of the uploaded bytes")
    original_name = models.CharField(max_length=255, blank=True)
    uploaded_by = models.ForeignKey(
        "tenancy.Staff", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["merchant", "sha256"], name="one_image_per_digest")]
        indexes = [models.Index(fields=["merchant", "-created_at"])]

    def __str__(self) -> str:
        return self.original_name or self.file.name or ""

    @property
    def url(self) -> str:
        return self.file.url

    @property
    def thumbnail_url(self) -> str:
        return self.thumbnail.url
