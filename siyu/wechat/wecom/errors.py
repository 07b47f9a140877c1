"""Refusals of WeCom contact management: each with a machine code and a zh-hans/en message."""

from django.utils.translation import gettext_lazy as _

from siyu.core.errors import SiyuError


class WeComMemberMissing(SiyuError):
    """Raised when a 活码 names a staff member who has no WeCom userid mapped."""

    code = "wecom_member_missing"
    status = 400
    message = _("Map this staff member to their WeCom account first.")


class WeComUserIdTaken(SiyuError):
    """Raised when a WeCom userid is already mapped to another staff member of the shop."""

    code = "wecom_userid_taken"
    status = 409
    message = _("This WeCom account is already mapped to another staff member.")


class NothingToTransfer(SiyuError):
    """Raised when a transfer names a guide with no WeCom customers to hand over (or the same guide)."""

    code = "nothing_to_transfer"
    status = 400
    message = _("The guide has no WeCom customers to hand over.")


class WeComRefused(SiyuError):
    """Raised when WeCom refuses a contact-way or transfer call; the detail carries its errcode."""

    code = "wecom_refused"
    status = 502
    message = _("WeCom refused the request.")
