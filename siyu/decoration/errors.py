"""Refusals of shop decoration: each with a machine code and a message in Chinese and English."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from siyu.core.errors import NotFound, SiyuError


class PageNotFound(NotFound):
    """Raised when a shop page does not exist or belongs to another merchant."""

    code = "not_found"  # as every row of another merchant is
    message = _("This page does not exist.")


class VersionNotFound(NotFound):
    """Raised when a rollback names a version number the page never had."""

    code = "not_found"
    message = _("This page has no such version.")


class InvalidSections(SiyuError):
    """Raised when a page's sections do not match the section schema (detail: section, field, error)."""

    code = "invalid_sections"
    message = _("The page's sections are not valid.")


class BadLink(SiyuError):
    """Raised when a link or a picked item is not a page, product, category or activity of this shop."""

    code = "bad_link"
    message = _("This link does not lead to a page of your shop.")


class SlugTaken(SiyuError):
    """Raised when a custom page's address is already used by another page of the shop."""

    code = "slug_taken"
    status = 409
    message = _("Another page already uses this address.")


class InvalidSlug(SiyuError):
    """Raised when a custom page's address is not lower-case letters, digits and dashes from a letter."""

    code = "invalid_slug"
    message = _("An address is 1 to 40 lower-case letters, digits or dashes, starting with a letter.")


class HomePageExists(SiyuError):
    """Raised when a second home page is created: a shop has one."""

    code = "home_page_exists"
    status = 409
    message = _("The shop already has a home page.")


class NothingToPublish(SiyuError):
    """Raised when publishing a page that has no draft (no change since the last publication)."""

    code = "nothing_to_publish"
    status = 409
    message = _("There are no unpublished changes.")


class AlreadyLive(SiyuError):
    """Raised when rolling back to the version that is already published."""

    code = "version_already_live"
    status = 409
    message = _("This version is already live.")


class NeverPublished(SiyuError):
    """Raised when discarding the draft of a page that was never published: the draft is all it has."""

    code = "page_never_published"
    status = 409
    message = _("This page was never published: its draft cannot be discarded.")


class PreviewExpired(SiyuError):
    """Raised when a preview link is forged, of another shop, or older than its few hours."""

    code = "preview_expired"
    status = 403
    message = _("This preview link has expired: open the page editor again.")
