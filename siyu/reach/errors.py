"""The reach engine's refusals."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from siyu.core.errors import InvalidInput, NotFound, SiyuError


class TemplateNotFound(NotFound):
    code = "not_found"
    message = _("Message template not found.")


class BroadcastNotFound(NotFound):
    code = "not_found"
    message = _("Broadcast not found.")


class InvalidTemplate(InvalidInput):
    """A template's fields break its channel's rules (detail names the field and the limit)."""

    code = "invalid_template"
    message = _("The message template breaks the channel's rules.")


class ChannelNotReady(SiyuError):
    """The channel is off or its account/provider is not set up."""

    code = "channel_not_ready"
    status = 409
    message = _("This channel is not set up.")


class MessageNotFound(NotFound):
    code = "not_found"
    message = _("Message not found.")


class BroadcastNotEditable(SiyuError):
    """The broadcast has been started: its audience and message are fixed."""

    code = "broadcast_not_editable"
    status = 409
    message = _("Only a draft broadcast can be changed.")


class InvalidBroadcast(InvalidInput):
    """A broadcast's settings do not fit together (detail names the field)."""

    code = "invalid_broadcast"
    message = _("The broadcast's settings are invalid.")


class LinkNotFound(NotFound):
    code = "not_found"
    message = _("This link does not exist.")
