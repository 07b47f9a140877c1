"""Refusals of the official account's callback, reply rules and QR codes."""

from django.utils.translation import gettext_lazy as _

from siyu.core.errors import NotFound, SiyuError


class UnknownOfficialAccount(NotFound):
    """Raised when a callback names an app id that no active official account of any merchant has."""

    code = "official_account_unknown"
    message = _("No official account with this app id is connected.")


class PushMalformed(SiyuError):
    """Raised when a push's XML lacks the fields every WeChat push has (sender, type, time)."""

    code = "push_malformed"
    status = 400
    message = _("The message is not a valid WeChat push.")


class PushExpired(SiyuError):
    """Raised when a callback's signed timestamp is too far from now: a replay, not WeChat."""

    code = "push_expired"
    status = 403
    message = _("The message's timestamp is too old or in the future.")


class PlaintextRefused(SiyuError):
    """Raised when a push arrives unencrypted for an account configured for safe (encrypted) mode."""

    code = "push_not_encrypted"
    status = 403
    message = _("This official account only accepts encrypted messages.")


class ReplyRuleInvalid(SiyuError):
    """Raised when an auto-reply rule cannot be saved as given (missing keyword, reply or link)."""

    code = "reply_rule_invalid"
    status = 400
    message = _("The auto-reply rule is not valid.")


class ReplyRuleTaken(SiyuError):
    """Raised when a keyword, menu key, default or welcome reply already has a rule."""

    code = "reply_rule_taken"
    status = 409
    message = _("A rule for this keyword or reply already exists.")


class QrCodeInvalid(SiyuError):
    """Raised when a QR code's name, source, campaign or validity cannot be used."""

    code = "qr_code_invalid"
    status = 400
    message = _("The QR code settings are not valid.")
