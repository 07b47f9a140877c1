"""Refusals of WeCom tag sync and customer groups."""

from django.utils.translation import gettext_lazy as _

from siyu.core.errors import SiyuError


class TagNotSyncable(SiyuError):
    """Raised when staff choose a tag to push to WeCom that is not the merchant's or came from WeCom."""

    code = "tag_not_syncable"
    status = 400
    message = _("This tag cannot be synced to WeCom.")
