"""The official account's custom menu: the draft the console edits and every publish to WeChat."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from siyu.core.models import TenantModel


class MenuDraft(TenantModel):
    """The menu being edited (WeChat's JSON shape, ``{"button": [...]}``); one per merchant."""

    menu = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        "tenancy.Staff", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["merchant"], name="oa_web_one_menu_draft")]


class MenuAction(models.TextChoices):
    PUBLISH = "publish", _("Publish")
    CLEAR = "clear", _("Clear")


class MenuPublish(TenantModel):
    """One call of ``menu/create`` (publish) or ``menu/delete`` (clear) and what WeChat answered."""

    app_id = models.CharField(max_length=64)
    action = models.CharField(max_length=8, choices=MenuAction.choices)
    menu = models.JSONField(default=dict, blank=True)
    ok = models.BooleanField(default=False)
    errcode = models.IntegerField(default=0)
    errmsg = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        "tenancy.Staff", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["merchant", "-created_at"], name="oa_web_publish_recent")]
