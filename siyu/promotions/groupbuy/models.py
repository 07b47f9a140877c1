"""拼团 group buys: the activity and its SKUs, the teams customers open and join, their members.

A team's seats are taken when a member's order is placed (``seats_taken``) and counted as paid when
the order is paid (``paid_count``); the team forms when ``paid_count`` reaches ``size``. Both
counters change only while the team's row is locked, and CHECK constraints back the bounds.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from siyu.core.models import TenantModel
from siyu.core.statemachine import StateMachine
from siyu.promotions.kit.models import Activity


class GroupBuy(Activity):
    """One 拼团 activity: N-person teams at a group price (the leader may pay less), within a time limit."""

    ends_at = models.DateTimeField(help_text="No team opens or is joined after this time")
    group_size = models.PositiveSmallIntegerField(help_text="Members a team needs, the leader included")
    time_limit_hours = models.PositiveSmallIntegerField(help_text="A team fails if unfilled this long")
    max_per_member = models.PositiveSmallIntegerField(default=1, help_text="Units one member may buy")
    lottery = models.BooleanField(
        default=False, help_text="拼团抽奖: only drawn members of a formed team buy"
    )
    lottery_winners = models.PositiveSmallIntegerField(default=0, help_text="Winners drawn per formed team")
    virtual_fill = models.BooleanField(default=False, help_text="Form an unfilled team at its deadline")
    pickup_only = models.BooleanField(default=False, help_text="Members collect at an outlet")
    # The CouponTemplate given to lottery losers; an id until the coupons app's model is committed.
    consolation_coupon_template_id = models.BigIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        "tenancy.Staff", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(group_size__gte=2), name="groupbuy_size_at_least_two"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="groupbuy_ends_after_start"),
            models.CheckConstraint(
                condition=Q(lottery=False) | Q(lottery_winners__gte=1, lottery_winners__lt=F("group_size")),
                name="groupbuy_lottery_winners_in_range",
            ),
        ]
        indexes = [models.Index(fields=["merchant", "status", "ends_at"])]


class GroupBuySku(TenantModel):
    group_buy = models.ForeignKey(GroupBuy, on_delete=models.CASCADE, related_name="skus")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    group_price = models.PositiveIntegerField(help_text="fen, per unit")
    leader_price = models.PositiveIntegerField(null=True, blank=True, help_text="fen; None = group price")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["group_buy", "sku"], name="groupbuy_sku_once"),
            models.CheckConstraint(
                condition=Q(leader_price__isnull=True) | Q(leader_price__lte=F("group_price")),
                name="groupbuy_leader_pays_no_more",
            ),
        ]

    def price_for(self, *, leader: bool) -> int:
        return self.leader_price if leader and self.leader_price is not None else self.group_price


class TeamStatus(models.TextChoices):
    OPENING = "opening", _("Waiting for the leader to pay")
    FORMING = "forming", _("Forming")
    FORMED = "formed", _("Formed")
    FAILED = "failed", _("Failed")


T = TeamStatus
TEAM_MACHINE = StateMachine({T.OPENING: {T.FORMING, T.FAILED}, T.FORMING: {T.FORMED, T.FAILED}})


class Team(TenantModel):
    """One 团: opened by its leader, joinable once the leader has paid, formed by the last payment."""

    group_buy = models.ForeignKey(GroupBuy, on_delete=models.PROTECT, related_name="teams")
    leader = models.ForeignKey("members.Customer", on_delete=models.PROTECT, related_name="+")
    size = models.PositiveSmallIntegerField()
    seats_taken = models.PositiveSmallIntegerField(default=0, help_text="Members with a live order")
    paid_count = models.PositiveSmallIntegerField(default=0, help_text="Members whose order is paid")
    virtual_members = models.PositiveSmallIntegerField(default=0, help_text="Seats filled by virtual fill")
    status = models.CharField(max_length=12, choices=TeamStatus.choices, default=TeamStatus.OPENING)
    fail_reason = models.CharField(max_length=32, blank=True)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    formed_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    lottery_seed = models.BigIntegerField(null=True, blank=True, help_text="Seed the winners were drawn with")
    lottery_winner_ids = models.JSONField(default=list, blank=True, help_text="TeamMember ids drawn")

    machine = TEAM_MACHINE

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(seats_taken__lte=F("size")), name="team_never_overfills"),
            models.CheckConstraint(
                condition=Q(paid_count__lte=F("seats_taken")), name="team_paid_within_seats"
            ),
        ]
        indexes = [models.Index(fields=["status", "expires_at"])]

    @property
    def seats_left(self) -> int:
        return self.size - self.seats_taken


class MemberStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting payment")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled before paying")
    REFUNDED = "refunded", _("Refunded")


LIVE_MEMBER = (MemberStatus.PENDING, MemberStatus.PAID)


class LotteryResult(models.TextChoices):
    NONE = "", _("Not drawn")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class TeamMember(TenantModel):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    customer = models.ForeignKey("members.Customer", on_delete=models.PROTECT, related_name="+")
    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="+")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveSmallIntegerField()
    is_leader = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=MemberStatus.choices, default=MemberStatus.PENDING)
    lottery_result = models.CharField(max_length=8, choices=LotteryResult.choices, blank=True)
    joined_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "customer"],
                condition=Q(status__in=["pending", "paid"]),
                name="team_member_once",
            )
        ]


class RewardStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be issued")
    ISSUED = "issued", _("Issued")
    FAILED = "failed", _("Could not be issued")


class ConsolationReward(TenantModel):
    """The coupon a lottery loser is owed. Recorded in the formation's transaction and issued after
    it commits through the coupons service (``coupon_id`` once issued), so a template that ran out
    never undoes a formed team."""

    member = models.OneToOneField(TeamMember, on_delete=models.CASCADE, related_name="consolation")
    customer = models.ForeignKey("members.Customer", on_delete=models.PROTECT, related_name="+")
    coupon_template_id = models.BigIntegerField()
    status = models.CharField(max_length=12, choices=RewardStatus.choices, default=RewardStatus.PENDING)
    coupon_id = models.BigIntegerField(null=True, blank=True)
    failure = models.CharField(max_length=32, blank=True, help_text="why the coupon could not be issued")
    created_at = models.DateTimeField(auto_now_add=True)
    issued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
