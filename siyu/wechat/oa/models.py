"""Followers, pushes received, auto-reply rules and parametric QR codes of a merchant's official account."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from siyu.core.models import TenantModel
from siyu.members.models import Source


class OfficialAccountFollower(TenantModel):
    """One openid of the official account: who it is, whether they follow now, and how they came."""

    account = models.ForeignKey("wechat.WeChatAccount", on_delete=models.CASCADE, related_name="+")
    openid = models.CharField(max_length=128)
    customer = models.ForeignKey("members.Customer", on_delete=models.CASCADE, related_name="+")
    subscribed = models.BooleanField(default=True)
    subscribed_at = models.DateTimeField()
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    # How the latest follow came: the QR code scanned (its source/campaign), or blank.
    source = models.CharField(max_length=16, choices=Source.choices, blank=True)
    campaign = models.CharField(max_length=64, blank=True)
    scene = models.CharField(max_length=64, blank=True, help_text="The QR code's scene value")
    qr_code = models.ForeignKey(
        "wechat_oa.OfficialAccountQrCode",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="followers_by_code",
    )

    class Meta:
        ordering = ["-subscribed_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["account", "openid"], name="oa_follower_once")]
        indexes = [models.Index(fields=["merchant", "customer"], name="oa_follower_customer")]


class OfficialAccountPush(TenantModel):
    """One push WeChat sent to the callback, kept once: WeChat retries a push it got no answer to
    three times, and the retry must neither act twice nor reply differently."""

    account = models.ForeignKey("wechat.WeChatAccount", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200, help_text="MsgId, or FromUserName|CreateTime for events")
    openid = models.CharField(max_length=128)
    msg_type = models.CharField(max_length=32)
    event = models.CharField(max_length=32, blank=True)
    received_at = models.DateTimeField()
    reply = models.TextField(blank=True, help_text="The passive reply's plaintext XML, '' when none")

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["account", "key"], name="oa_push_once")]


class ReplyKind(models.TextChoices):
    KEYWORD = "keyword", _("Keyword reply")
    DEFAULT = "default", _("Default reply")
    SUBSCRIBE = "subscribe", _("Welcome reply")
    CLICK = "click", _("Menu click reply")


class MatchMode(models.TextChoices):
    EXACT = "exact", _("Exact match")
    CONTAINS = "contains", _("Contains")


class ReplyType(models.TextChoices):
    TEXT = "text", _("Text")
    NEWS = "news", _("Link card")


class ReplyRule(TenantModel):
    """An automatic reply: to a keyword, a menu click, a follow, or anything else (the default)."""

    kind = models.CharField(max_length=16, choices=ReplyKind.choices)
    match = models.CharField(max_length=16, choices=MatchMode.choices, default=MatchMode.EXACT)
    keyword = models.CharField(max_length=64, blank=True, help_text="The keyword, or the menu key of CLICK")
    reply_type = models.CharField(max_length=8, choices=ReplyType.choices, default=ReplyType.TEXT)
    text = models.TextField(blank=True, help_text="Text reply; the card's description for a link card")
    title = models.CharField(max_length=64, blank=True)
    url = models.URLField(max_length=500, blank=True)
    picture_url = models.URLField(max_length=500, blank=True)
    is_active = models.BooleanField(default=True)
    hits = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "kind"],
                condition=Q(kind__in=["default", "subscribe"]),
                name="oa_one_default_and_welcome",
            ),
            models.UniqueConstraint(
                fields=["merchant", "kind", "keyword"],
                condition=Q(kind__in=["keyword", "click"]),
                name="oa_reply_keyword_once",
            ),
        ]


class QrKind(models.TextChoices):
    TEMPORARY = "temporary", _("Temporary")
    PERMANENT = "permanent", _("Permanent")


class OfficialAccountQrCode(TenantModel):
    """A parametric QR code (带参数二维码) made for one source or campaign: whoever follows by scanning
    it is attributed to that source and campaign; scans and follows are counted by the callback."""

    account = models.ForeignKey("wechat.WeChatAccount", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=64)
    kind = models.CharField(max_length=16, choices=QrKind.choices)
    scene = models.CharField(max_length=64, help_text="scene_str sent to WeChat; comes back in EventKey")
    source = models.CharField(max_length=16, choices=Source.choices)
    campaign = models.CharField(max_length=64, blank=True)
    ticket = models.CharField(max_length=255)
    url = models.CharField(max_length=255, help_text="What the QR image encodes")
    expires_at = models.DateTimeField(null=True, blank=True)
    scans = models.PositiveIntegerField(default=0)
    follows = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["account", "scene"], name="oa_qr_scene_once")]
