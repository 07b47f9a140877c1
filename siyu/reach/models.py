"""The reach engine's state: channels, templates, broadcasts, the send queue and what came back.

Every message to a customer is one ``Message`` row, whatever sent it (a broadcast, later a journey,
a transactional notice). The row is the send queue, the idempotency record and the history:

    queued ──lease──> sending ──provider answered──> sent ──receipt──> delivered
       │                 │                         └──> failed
       │                 └──worker died, channel cannot be asked──> in_doubt (never resent)
       └──> skipped (reason)  /  cancelled

A broadcast's recipients are planned set-based into this table (``planning.py``); the worker drains
it per channel (``dispatch.py``). docs/reach.md tells the whole story.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from siyu.core.models import TenantModel
from siyu.members.models import Channel


class ChannelSetting(TenantModel):
    """One merchant's use of one channel: on or off, its throttle, its own caps, its provider set-up.

    WeChat channels take their credentials from ``siyu.wechat`` accounts; SMS, email and the
    webhook keep theirs here (``config`` in the clear, ``sealed_secrets`` through siyu/wechat/vault.py).
    """

    channel = models.CharField(max_length=24, choices=Channel.choices)
    enabled = models.BooleanField(default=False)
    rate_per_minute = models.PositiveIntegerField(default=600, help_text="Sends per minute, all workers")
    concurrency = models.PositiveSmallIntegerField(default=2, help_text="Sends in flight at once")
    daily_cap = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Messages per customer per local day on this channel (none: no own cap)",
    )
    weekly_cap = models.PositiveSmallIntegerField(null=True, blank=True)
    config = models.JSONField(default=dict, blank=True)
    sealed_secrets = models.TextField(blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    # The throttle's database counter (used when no Redis is configured): sends granted in the
    # minute starting at throttle_window (siyu/reach/throttle.py).
    throttle_window = models.DateTimeField(null=True, blank=True)
    throttle_used = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "channel"], name="reach_one_setting_per_channel")
        ]

    def secrets(self) -> dict[str, str]:
        from siyu.wechat.vault import unseal

        return unseal(self.sealed_secrets)

    def set_secrets(self, values: dict[str, str]) -> None:
        from siyu.wechat.vault import seal

        self.sealed_secrets = seal({k: v for k, v in values.items() if v})


class FatiguePolicy(TenantModel):
    """The merchant's cross-channel budget per customer (transactional messages are exempt)."""

    daily_cap = models.PositiveSmallIntegerField(default=1)
    weekly_cap = models.PositiveSmallIntegerField(default=3)
    # The local hour a "customer's hour" send uses for customers without a preferred hour.
    default_hour = models.PositiveSmallIntegerField(default=20)
    # Customers who unsubscribed from a channel or rarely engage get a tighter cap (docs/reach.md).
    tighten_for_tolerance = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["merchant"], name="reach_one_policy_per_merchant")]


class TemplateStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ARCHIVED = "archived", _("Archived")


class MessageTemplate(TenantModel):
    """What a message says on one channel, with ``{{ variables }}`` from customer, order, coupon, product.

    ``external_id`` is the provider's template (WeChat template_id / priTmplId, SMS template code);
    ``fields`` maps the provider's keys to text (subscribe message: {"thing1": "...", "time2": "..."},
    WeCom: {"text": "..."}, email: {"subject": ..., "body": ...}, webhook: any JSON object);
    ``page`` is the mini-program page a tap opens, ``link_url`` a web link.
    """

    name = models.CharField(max_length=64)
    channel = models.CharField(max_length=24, choices=Channel.choices)
    external_id = models.CharField(max_length=128, blank=True)
    fields = models.JSONField(default=dict, blank=True)
    page = models.CharField(max_length=255, blank=True)
    link_url = models.URLField(max_length=500, blank=True)
    status = models.CharField(max_length=12, choices=TemplateStatus.choices, default=TemplateStatus.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "name"], name="reach_template_name_per_merchant")
        ]

    def __str__(self) -> str:
        return self.name


class SendTime(models.TextChoices):
    NOW = "now", pgettext_lazy("broadcast send time", "Now")
    AT = "at", _("At a set time")
    PREFERRED_HOUR = "preferred_hour", _("At each customer's hour")


class OverBudget(models.TextChoices):
    SKIP = "skip", _("Skip the customer")
    DEFER = "defer", _("Send at the next allowed slot")


class BroadcastStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Sending")
    PAUSED = "paused", _("Paused")
    CANCELLED = "cancelled", _("Cancelled")
    DONE = "done", _("Done")


class Broadcast(TenantModel):
    """群发: one message to a segment, on the first channel each customer is reachable on."""

    name = models.CharField(max_length=64)
    segment = models.ForeignKey("audience.Segment", on_delete=models.PROTECT, related_name="+")
    send_time = models.CharField(max_length=16, choices=SendTime.choices, default=SendTime.NOW)
    # AT: the moment; NOW/PREFERRED_HOUR: set when started (the earliest any recipient is sent).
    send_at = models.DateTimeField(null=True, blank=True)
    # PREFERRED_HOUR: each customer's next preferred hour at or after send_at, within this many days.
    window_days = models.PositiveSmallIntegerField(default=1)
    over_budget = models.CharField(max_length=8, choices=OverBudget.choices, default=OverBudget.SKIP)
    priority = models.SmallIntegerField(default=50, help_text="Higher displaces lower within a budget")
    holdout_bp = models.PositiveSmallIntegerField(
        default=0, help_text="Holdout share in basis points (1000 = 10%)"
    )
    holdout_seed = models.CharField(max_length=32, blank=True)
    coupon_template = models.ForeignKey(
        "promotions.CouponTemplate", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=12, choices=BroadcastStatus.choices, default=BroadcastStatus.DRAFT)
    audience_size = models.PositiveIntegerField(default=0, help_text="Customers when the audience was frozen")
    planned_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        "tenancy.Staff", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.name


class BroadcastChannel(TenantModel):
    """The broadcast's channel preference: position 0 first, then the fallbacks in order."""

    broadcast = models.ForeignKey(Broadcast, on_delete=models.CASCADE, related_name="channels")
    position = models.PositiveSmallIntegerField()
    template = models.ForeignKey(MessageTemplate, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["broadcast", "position"], name="reach_one_template_per_position")
        ]


class MessageStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", pgettext_lazy("message", "Delivered")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")
    IN_DOUBT = "in_doubt", _("In doubt")
    CANCELLED = "cancelled", _("Cancelled")


class SkipReason(models.TextChoices):
    HOLDOUT = "holdout", _("Holdout")
    NO_CONSENT = "no_consent", _("No consent")
    QUIET_HOURS = "quiet_hours", _("Quiet hours")
    OVER_BUDGET = "over_budget", _("Over budget")
    NO_QUOTA = "no_quota", _("No subscription quota")
    UNREACHABLE = "unreachable", _("Unreachable on every channel")
    BLOCKED = "blocked", _("Customer blocked")
    DISPLACED = "displaced", _("Displaced by a higher-priority message")


# Statuses that spend a customer's budget (a send in doubt may have reached them).
COUNTED_STATUSES = (
    MessageStatus.SENDING,
    MessageStatus.SENT,
    MessageStatus.DELIVERED,
    MessageStatus.IN_DOUBT,
)


class Message(TenantModel):
    """One message to one customer on one channel: the queue entry, the idempotency record, the history."""

    customer = models.ForeignKey("members.Customer", on_delete=models.CASCADE, related_name="+")
    broadcast = models.ForeignKey(
        Broadcast, null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    # Who asked: "broadcast", "journey", "transactional", "test"; origin_id their row.
    origin = models.CharField(max_length=16, default="broadcast")
    origin_id = models.BigIntegerField(null=True, blank=True)
    # Idempotency: one message per key per merchant ("b<broadcast>:c<customer>", a journey's step key...).
    key = models.CharField(max_length=96)
    channel = models.CharField(max_length=24, choices=Channel.choices, blank=True)
    template = models.ForeignKey(
        MessageTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    address = models.CharField(
        max_length=255, blank=True, help_text="openid, phone, email, external_userid or chat id"
    )
    status = models.CharField(max_length=12, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    reason = models.CharField(max_length=16, choices=SkipReason.choices, blank=True)
    priority = models.SmallIntegerField(default=50)
    transactional = models.BooleanField(
        default=False, help_text="Exempt from the fatigue budget and not counted"
    )
    # Over the budget when claimed: skip, or move to the next local day (OverBudget).
    over_budget = models.CharField(max_length=8, choices=OverBudget.choices, default=OverBudget.SKIP)
    # A coupon broadcast's coupon, issued in the claim (so only recipients actually sent get one).
    coupon = models.ForeignKey(
        "promotions.Coupon", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    send_at = models.DateTimeField(help_text="The slot: not sent before this")
    budget_day = models.DateField(
        null=True, blank=True, help_text="The merchant-local day this send counts on"
    )
    payload = models.JSONField(default=dict, blank=True, help_text="The request as rendered for the provider")
    provider_id = models.CharField(max_length=128, blank=True)
    # WeCom mass-send: the task (msgid) this recipient is part of; other batching channels alike.
    batch_key = models.CharField(max_length=128, blank=True)
    lease_owner = models.CharField(max_length=64, blank=True)
    leased_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "key"], name="reach_message_key_per_merchant")
        ]
        indexes = [
            models.Index(fields=["status", "send_at"], name="reach_msg_due"),
            models.Index(fields=["merchant", "customer", "budget_day"], name="reach_msg_budget"),
            models.Index(fields=["broadcast", "status"], name="reach_msg_broadcast"),
            models.Index(fields=["batch_key"], condition=~Q(batch_key=""), name="reach_msg_batch"),
        ]


class ReachBudget(TenantModel):
    """One row per customer that has been sent to: the lock a claim takes to count the budget.

    ``claim`` (siyu/reach/budget.py) locks it ``FOR UPDATE`` before counting the customer's messages,
    so two workers claiming two messages of one customer count one after the other.
    """

    customer = models.OneToOneField("members.Customer", on_delete=models.CASCADE, related_name="+")
    claims = models.PositiveIntegerField(default=0)


class SubscriptionGrant(TenantModel):
    """A customer's accepted mini-program subscriptions to one template.

    Each one-time acceptance allows one send; a long-term template any number.
    """

    customer = models.ForeignKey("members.Customer", on_delete=models.CASCADE, related_name="+")
    template_id = models.CharField(max_length=128, help_text="WeChat's priTmplId")
    long_term = models.BooleanField(default=False)
    remaining = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "template_id"], name="reach_one_grant_per_template"),
            models.CheckConstraint(condition=Q(remaining__gte=0), name="reach_grant_not_negative"),
        ]


class TrackedLink(TenantModel):
    """A short link in a message: ``/r/<code>`` records the click and redirects.

    The click is an event sourced to the message, so orders that follow are attributed to it.
    """

    code = models.CharField(max_length=16, unique=True)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="links")
    url = models.CharField(max_length=500)
    clicks = models.PositiveIntegerField(default=0)
    first_clicked_at = models.DateTimeField(null=True, blank=True)


class WeComSendTask(TenantModel):
    """One WeCom mass-send task (``add_msg_template``).

    A guide confirms it on their phone; results are fetched until every recipient is settled.
    """

    broadcast = models.ForeignKey(
        Broadcast, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    chat_type = models.CharField(max_length=8, default="single")  # single | group
    sender = models.CharField(max_length=64, help_text="The guide's WeCom userid")
    msgid = models.CharField(max_length=128, blank=True)
    status = models.CharField(max_length=16, default="created")  # created | awaiting_guide | sent | failed
    recipients = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    checked_at = models.DateTimeField(null=True, blank=True)
