"""The one interface every channel implements, and what a send comes back with.

A channel adapter knows four things about its channel: who can be reached on it (as a ``Q`` over
``Customer``, so planning stays set-based), what a template may say (``validate``), what the
provider's request looks like (``render`` + ``send``), and whether a send left in doubt can be
asked about (``query``). The engine (planning, budget, leases, retries, in-doubt) is the same for all
of them and lives in siyu/reach/dispatch.py. An adapter never writes a ``Message`` row itself: what
comes back later (receipts, a WeCom task's results) goes through ``services.record_receipt``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from django.db.models import Q

if TYPE_CHECKING:
    from siyu.reach.models import Message, MessageTemplate

Outcome = Literal["sent", "delivered", "failed", "accepted"]


@dataclass(frozen=True)
class SendResult:
    """What the provider said.

    ``sent``: the provider took it (a receipt may follow); ``delivered``: it says it reached the
    customer; ``accepted``: taken but not yet sent (a WeCom task waiting for the guide to confirm);
    ``failed``: refused, with ``error`` and whether trying again later may work (``retryable``).
    """

    outcome: Outcome
    provider_id: str = ""
    error: str = ""
    retryable: bool = False
    batch_key: str = ""


class SendInDoubt(Exception):
    """The request may have reached the provider but its answer was lost (a timeout after sending).

    ``send`` raises it instead of guessing: the dispatcher leaves the message ``sending`` under its
    lease, as if the worker had died, and ``recover_sends`` asks ``query()`` (a queryable channel) or
    marks it ``in_doubt`` for review. It is never retried blindly.
    """


class ChannelAdapter:
    channel: ClassVar[str]
    # How many messages one provider call may carry (WeCom mass-send: one task per sender). 1 = one each.
    batch_size: ClassVar[int] = 1
    # Can a send whose outcome was lost (worker killed between the call and the record) be asked about?
    queryable: ClassVar[bool] = False

    def reachable(self, merchant_id: int, template: MessageTemplate) -> Q:
        """Customers this channel can reach with this template, as a filter over ``Customer``."""
        raise NotImplementedError

    def addresses(
        self, merchant_id: int, customer_ids: Sequence[int], template: MessageTemplate
    ) -> dict[int, str]:
        """Each reachable customer's address on this channel (openid, phone, email, external_userid...)."""
        raise NotImplementedError

    def validate(self, template: MessageTemplate) -> None:
        """Refuse a template that breaks this channel's rules.

        Raises ``InvalidTemplate(detail={"field": ..., ...})`` naming the field and the limit.
        """

    def render(self, template: MessageTemplate, context: dict[str, Any], message: Message) -> dict[str, Any]:
        """The provider's request body for one recipient (stored on the message as ``payload``)."""
        raise NotImplementedError

    def prepare(self, message: Message) -> str | None:
        """Take what this send spends, inside the claim's transaction (a one-time subscription grant).

        Return a ``SkipReason`` value (e.g. "no_quota") to skip the message instead; None to go on.
        Rolled back with the claim when the claim fails.
        """
        return None

    def send(self, message: Message) -> SendResult:
        """Call the provider with ``message.payload`` to ``message.address``. Never raises for a refusal."""
        raise NotImplementedError

    def send_batch(self, messages: Sequence[Message]) -> dict[int, SendResult]:
        """Send several (same broadcast, channel and batch); by default one call each."""
        return {m.pk: self.send(m) for m in messages}

    def query(self, message: Message) -> SendResult | None:
        """Ask the provider what became of a send left in doubt; None when the channel cannot say."""
        return None

    def ready(self, merchant_id: int) -> bool:
        """Is the channel set up for this merchant (account, provider credentials)?"""
        return False
