"""Shop decoration (店铺装修): the pages a merchant builds from sections, and their versions.

A ``ShopPage`` is the home page or a custom page at ``/shop/<merchant>/p/<slug>/``. What it shows
is a list of sections (``schema.py``) held by its ``PageVersion`` rows:

- at most one **draft** (the editor's working copy, no number),
- at most one **published** version (what shoppers see),
- any number of **archived** versions (published once, kept for rollback).

Publishing freezes the draft into a new numbered version; rolling back publishes a copy of an old
one under the next number. Numbers only grow, so the storefront's cache key (page id + number) is
never reused for different content. The partial unique constraints hold "one draft, one published"
in the database, whatever a service does.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from siyu.core.models import TenantModel
from siyu.decoration.errors import PageNotFound


class PageKind(models.TextChoices):
    HOME = "home", _("Home page")
    CUSTOM = "custom", _("Custom page")


class ShopPage(TenantModel):
    """One decorated page of a shop: its home page (slug ``""``) or a custom page."""

    kind = models.CharField(max_length=8, choices=PageKind.choices)
    slug = models.CharField(max_length=40, blank=True)
    title = models.CharField(max_length=40)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    not_found = PageNotFound
    owned_id_name = "page_id"

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "slug"], name="decoration_page_slug_per_merchant"),
            models.UniqueConstraint(
                fields=["merchant"], condition=Q(kind="home"), name="decoration_one_home_per_merchant"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Superseded")


class PageVersion(TenantModel):
    """The sections of a page at one moment: its draft, its live version or an older one."""

    page = models.ForeignKey(ShopPage, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(null=True, blank=True, help_text="none while a draft")
    sections = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=12, choices=VersionStatus.choices)
    created_by = models.ForeignKey(
        "tenancy.Staff", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    restored_from = models.PositiveIntegerField(
        null=True, blank=True, help_text="the version a rollback copied"
    )

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["page", "number"], name="decoration_version_number_per_page"),
            models.UniqueConstraint(
                fields=["page"], condition=Q(status="published"), name="decoration_one_published_per_page"
            ),
            models.UniqueConstraint(
                fields=["page"], condition=Q(status="draft"), name="decoration_one_draft_per_page"
            ),
            models.CheckConstraint(
                condition=Q(status="draft", number__isnull=True)
                | (~Q(status="draft") & Q(number__isnull=False)),
                name="decoration_numbered_unless_draft",
            ),
        ]
        indexes = [models.Index(fields=["merchant", "status"])]

    def __str__(self) -> str:
        return f"{self.page_id} v{self.number or 'draft'}"
