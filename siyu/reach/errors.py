"""The reach engine's refusals."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from siyu.core.errors import InvalidInput, NotFound, SiyuError


class TemplateNotFound(NotFound):
    code = "template_not_found"
    message = _("Message template not found.")


class BroadcastNotFound(NotFound):
    code = "broadcast_not_found"
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
