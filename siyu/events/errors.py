"""Refusals of the events app: identities and merges (per-event refusals are codes in ``ingest``)."""

from django.utils.translation import gettext_lazy as _

from siyu.core.errors import SiyuError


class InvalidAnonymousId(SiyuError):
    """Raised when a login or phone binding names a device id that cannot be one (too long, unprintable)."""

    code = "invalid_anonymous_id"
    status = 400
    message = _("The anonymous id must be 1 to 64 printable characters.")


class MergeRefused(SiyuError):
    """Raised when two customers cannot be merged: another merchant's, the same one, or merged before."""

    code = "merge_refused"
    status = 409
    message = _("These customers cannot be merged.")


class MergeConflict(SiyuError):
    """Raised when moving a row to the surviving customer would break a unique rule no merge rule covers."""

    code = "merge_conflict"
    status = 409
    message = _("The customers cannot be merged automatically: both hold a record that must stay unique.")
