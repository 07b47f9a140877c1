"""The one error type that crosses layers: a refusal with a machine code and a translated message.

Each app's ``errors.py`` subclasses ``SiyuError``; the API turns any of them into
``{"code": ..., "message": ..., "detail": ...}`` with the class's HTTP status.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class SiyuError(Exception):
    """Raised when a request is refused for a reason the caller can act on."""

    code: ClassVar[str] = "error"
    status: ClassVar[int] = 400
    message: ClassVar[str | Promise] = _("The request could not be completed.")

    def __init__(self, message: str | Promise | None = None, *, detail: Any = None) -> None:
        self.text = message if message is not None else self.message
        self.detail = detail
        super().__init__(str(self.text))

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": str(self.text), "detail": self.detail}


class NotFound(SiyuError):
    """Raised when an object does not exist or belongs to another merchant."""

    code = "not_found"
    status = 404
    message = _("Not found.")


class PermissionDenied(SiyuError):
    """Raised when the authenticated staff member's role lacks the permission a use case needs."""

    code = "permission_denied"
    status = 403
    message = _("You do not have permission to do this.")


class InvalidInput(SiyuError):
    """Raised when input is well-formed but violates a business rule (bad range, unknown option)."""

    code = "invalid_input"
    status = 400
    message = _("The input is invalid.")


class InvalidTransition(SiyuError):
    """Raised when a state machine is asked for a transition its current state does not allow."""

    code = "invalid_state"
    status = 409
    message = _("This action is not allowed in the current state.")


class IdempotencyConflict(SiyuError):
    """Raised when an idempotency key is replayed with a different request body."""

    code = "idempotency_key_reused"
    status = 409
    message = _("This idempotency key was already used for a different request.")
