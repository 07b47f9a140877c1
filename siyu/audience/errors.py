"""Refusals of the audience app: tags, tag rules, segments and their rule language."""

from django.utils.translation import gettext_lazy as _

from siyu.core.errors import SiyuError


class InvalidRule(SiyuError):
    """Raised when a segment or tag rule is not valid JSON of the rule language; detail names the path."""

    code = "invalid_rule"
    status = 400
    message = _("The audience rule is invalid.")


class TagInUse(SiyuError):
    """Raised when a tag or group to delete is still named by a segment, a tag rule or a tag."""

    code = "tag_in_use"
    status = 409
    message = _("This tag is still used by segments or tag rules.")


class TagIsAutomatic(SiyuError):
    """Raised when staff add or remove by hand a tag that a tag rule keeps."""

    code = "tag_is_automatic"
    status = 409
    message = _("This tag is set by an automatic rule and cannot be changed by hand.")


class DuplicateName(SiyuError):
    """Raised when a tag group, tag or segment name is already taken in its scope."""

    code = "duplicate_name"
    status = 409
    message = _("This name is already taken.")


class SegmentTooLarge(SiyuError):
    """Raised when a segment has more members than one coupon hand-off may issue to."""

    code = "segment_too_large"
    status = 409
    message = _("This segment has too many members to issue coupons to at once.")


class SegmentEmpty(SiyuError):
    """Raised when coupons are issued to a segment that has no members."""

    code = "segment_empty"
    status = 409
    message = _("This segment has no members.")


class TagHasRule(SiyuError):
    """Raised when a second automatic rule is made for a tag that already has one."""

    code = "tag_has_rule"
    status = 409
    message = _("This tag already has an automatic rule.")


class StaticSegmentFrozen(SiyuError):
    """Raised when the rule of a static segment is changed: its members were frozen when it was made."""

    code = "static_segment_frozen"
    status = 409
    message = _("A static segment keeps the members it was made with; snapshot a dynamic segment instead.")


class NoteInvalid(SiyuError):
    """Raised when a guide's note is empty, too long or of an unknown kind."""

    code = "note_invalid"
    status = 400
    message = _("A note needs 1 to 2000 characters and a known kind.")
