"""WeCom corp tags mapped to Siyu tags, what each contact carries on WeCom, and customer groups (客户群).

WeCom ids (corp tag ids, chat ids, userids) are opaque strings WeCom makes up; every row is a
merchant's (a WeCom corp belongs to one merchant).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from siyu.core.models import TenantModel

# The corp tag group Siyu creates for the tags it pushes (one per corp).
SIYU_GROUP_NAME = "Siyu"


class TagOrigin(models.TextChoices):
    SIYU = "siyu", _("Made in Siyu, pushed to WeCom")
    WECOM = "wecom", _("Made in WeCom, pulled into Siyu")


class WeComTagMapping(TenantModel):
    """One Siyu tag that is one WeCom corp tag. ``corp_tag_id`` is empty until the tag exists in WeCom."""

    tag = models.OneToOneField("audience.Tag", on_delete=models.CASCADE, related_name="+")
    origin = models.CharField(max_length=8, choices=TagOrigin.choices)
    corp_tag_id = models.CharField(max_length=64, blank=True)
    corp_group_id = models.CharField(max_length=64, blank=True)
    corp_group_name = models.CharField(max_length=64, blank=True)
    # The name WeCom holds: a Siyu rename differs from it and is pushed with edit_corp_tag.
    corp_name = models.CharField(max_length=64, blank=True)
    # False: staff stopped syncing it; the next sync deletes the corp tag and then this row.
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "corp_tag_id"],
                condition=~models.Q(corp_tag_id=""),
                name="one_mapping_per_corp_tag",
            )
        ]

    def __str__(self) -> str:
        return f"tag {self.tag_id} = corp tag {self.corp_tag_id or '(pending)'}"


class WeComTagState(TenantModel):
    """The mapped corp tags one follow user's contact carries on WeCom, as of the last sync.

    The common base of a three-way merge: Siyu's tags minus this set are pushed (mark_tag add), this
    set minus Siyu's are pushed as removals, and WeCom's tags are compared with it on a pull. A change
    we pushed makes this set equal to WeCom's, so its echo (the edit_external_contact callback) finds
    nothing to pull: no change bounces back.
    """

    customer = models.ForeignKey(
        "members.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    external_userid = models.CharField(max_length=64)
    follow_userid = models.CharField(max_length=64)
    corp_tag_ids = models.JSONField(default=list)
    synced_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "external_userid", "follow_userid"], name="one_tag_state_per_follow"
            )
        ]


class WeComGroup(TenantModel):
    """A WeCom customer group (客户群) of the corp, as groupchat/get last described it."""

    owned_id_name = "group_id"  # a group of another merchant is a plain 404 naming it

    chat_id = models.CharField(max_length=64)
    name = models.CharField(max_length=128, blank=True)
    owner_userid = models.CharField(max_length=64)
    owner = models.ForeignKey(
        "tenancy.Staff", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notice = models.TextField(blank=True)
    created_in_wecom_at = models.DateTimeField(null=True, blank=True)
    member_count = models.PositiveIntegerField(default=0)
    customer_count = models.PositiveIntegerField(default=0, help_text="Members known as customers")
    dismissed_at = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["merchant", "chat_id"], name="one_group_per_chat")]

    def __str__(self) -> str:
        return self.name or self.chat_id


class MemberType(models.IntegerChoices):
    EMPLOYEE = 1, _("Employee")
    EXTERNAL = 2, _("Customer")


class JoinScene(models.IntegerChoices):
    INVITED = 1, _("Invited directly")
    LINK = 2, _("Invited by link")
    QR_CODE = 3, _("Scanned the group QR code")


class WeComGroupMember(TenantModel):
    """One member of a group: an employee (type 1) or an external contact (type 2)."""

    group = models.ForeignKey(WeComGroup, on_delete=models.CASCADE, related_name="members")
    userid = models.CharField(max_length=64, help_text="The employee's userid or the external userid")
    member_type = models.PositiveSmallIntegerField(choices=MemberType.choices)
    unionid = models.CharField(max_length=64, blank=True)
    name = models.CharField(max_length=64, blank=True)
    group_nickname = models.CharField(max_length=64, blank=True)
    join_time = models.DateTimeField(null=True, blank=True)
    join_scene = models.PositiveSmallIntegerField(null=True, blank=True, choices=JoinScene.choices)
    invitor_userid = models.CharField(max_length=64, blank=True)
    customer = models.ForeignKey(
        "members.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["join_time", "id"]
        constraints = [models.UniqueConstraint(fields=["group", "userid"], name="one_member_per_group")]
        # (customer, group) serves the segment fact "in WeCom group X".
        indexes = [models.Index(fields=["customer", "group"], name="wecom_member_by_customer")]
