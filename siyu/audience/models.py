"""Tags (groups, tags, who carries them, the rules that set them) and segments (saved audience rules).

A segment's ``rule`` and a tag rule's ``rule`` are the same JSON rule language (``siyu/audience/rules``,
docs/segments.md), compiled to one SQL query over the merchant's customers.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from siyu.core.models import TenantModel


class TagGroupKind(models.TextChoices):
    """The tag families of a mini-program shop (常见小程序标签分类)."""

    BASIC = "basic", _("Basic")  # 基础用户标签
    MEMBER_TIER = "member_tier", _("Member tier")  # 会员等级标签
    CONSUMPTION = "consumption", _("Consumption")  # 消费标签
    LIFECYCLE = "lifecycle", _("Lifecycle")  # 生命周期标签
    PREFERENCE = "preference", _("Preference")  # 个性化/偏好标签
    MANUAL = "manual", _("Manual")  # 手动打标
    SURVEY = "survey", _("Survey")  # 问卷
    CAMPAIGN = "campaign", _("Campaign")  # 活动


class TagGroup(TenantModel):
    kind = models.CharField(max_length=16, choices=TagGroupKind.choices)
    name = models.CharField(max_length=32)
    sort_order = models.IntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "name"], name="tag_group_name_per_merchant")
        ]

    def __str__(self) -> str:
        return self.name


class Tag(TenantModel):
    # PROTECT: a group with tags is not deleted by accident (the service refuses it first).
    group = models.ForeignKey(TagGroup, on_delete=models.PROTECT, related_name="tags")
    name = models.CharField(max_length=32)
    description = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["group_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "group", "name"], name="tag_name_per_group")
        ]

    def __str__(self) -> str:
        return self.name


class TagSource(models.TextChoices):
    MANUAL = "manual", _("Tagged by staff")
    RULE = "rule", _("Automatic rule")
    IMPORT = "import", _("Imported")
    CAMPAIGN = "campaign", _("Campaign")
    SURVEY = "survey", _("Survey answer")
    WECOM = "wecom", _("Tagged in WeCom")


class CustomerTag(TenantModel):
    """One customer carries one tag. A tag rule owns only the rows it made (``source=rule``)."""

    customer = models.ForeignKey("members.Customer", on_delete=models.CASCADE, related_name="+")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=12, choices=TagSource.choices)
    tagged_by = models.ForeignKey(
        "tenancy.Staff", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tagged_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["customer", "tag"], name="one_tag_per_customer")]
        # (customer, tag) serves "does this customer carry it"; (tag, customer) serves a tag's carriers.
        indexes = [models.Index(fields=["tag", "customer"], name="customer_tag_by_tag")]


class TagRule(TenantModel):
    """Keeps a tag on exactly the customers a rule matches (its own rows; manual rows are left alone)."""

    tag = models.OneToOneField(Tag, on_delete=models.CASCADE, related_name="rule")
    rule = models.JSONField(help_text="The segment rule language (docs/segments.md)")
    is_active = models.BooleanField(default=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_matched = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"rule of tag {self.tag_id}"


class SegmentKind(models.TextChoices):
    DYNAMIC = "dynamic", _("Dynamic (the rule, evaluated when asked)")
    STATIC = "static", _("Static (members frozen when it was made)")


class Segment(TenantModel):
    """A named audience. Dynamic: the rule, evaluated on each read. Static: ``SegmentMember`` rows."""

    name = models.CharField(max_length=64)
    description = models.CharField(max_length=200, blank=True)
    rule = models.JSONField()
    kind = models.CharField(max_length=8, choices=SegmentKind.choices, default=SegmentKind.DYNAMIC)
    member_count = models.PositiveIntegerField(default=0, help_text="As of computed_at")
    computed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        "tenancy.Staff", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["merchant", "name"], name="segment_name_per_merchant")]

    def __str__(self) -> str:
        return self.name


class SegmentMember(TenantModel):
    """A customer frozen into a static segment."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="members")
    customer = models.ForeignKey("members.Customer", on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["segment", "customer"], name="one_membership_per_segment")
        ]


class NoteKind(models.TextChoices):
    CONSULTATION = "consultation", _("1:1 consultation")
    FOLLOW_UP = "follow_up", _("Follow-up")
    COMPLAINT = "complaint", _("Complaint")
    OTHER = "other", _("Other")


class GuideNote(TenantModel):
    """A shopping guide's record of a 1:1 conversation with a customer (seed 001 Q10). Append-only."""

    customer = models.ForeignKey("members.Customer", on_delete=models.CASCADE, related_name="+")
    staff = models.ForeignKey("tenancy.Staff", null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=16, choices=NoteKind.choices, default=NoteKind.CONSULTATION)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["merchant", "customer", "created_at"], name="guide_note_customer")]

    def __str__(self) -> str:
        return f"{self.kind} note on customer {self.customer_id}"
