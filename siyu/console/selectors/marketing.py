"""Coupon templates and promotions as the marketing pages list them, and the activities of every
playbook with their numbers.

An activity list shows each row's participants, paid orders, GMV and discount cost. They come from
correlated subqueries in the page's one query, so a page of 20 activities costs the same as a page
of 2. The detail pages use each playbook's own stats selector (exact, a few queries for one row).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import (
    BigIntegerField,
    Count,
    Expression,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce

from siyu.members.models import Customer
from siyu.orders.models import Order, OrderLine
from siyu.promotions.bargain.models import Bargain, BargainRecord
from siyu.promotions.campaigns.models import (
    AssistCampaign,
    AssistHelp,
    AssistRecord,
    Draw,
    DrawCampaign,
    DrawKind,
    DrawStatus,
    PrizeKind,
    SplitCampaign,
    SplitMember,
)
from siyu.promotions.flashsale.models import EntryStatus, FlashSale, FlashSaleEntry
from siyu.promotions.groupbuy.models import GroupBuy, Team, TeamMember
from siyu.promotions.models import CouponTemplate, Promotion
from siyu.promotions.presale.models import BookingStatus, Presale, PresaleBooking

BIG = BigIntegerField()
PAID = ["paid", "shipped", "delivered", "completed"]


# ---- coupons and promotions --------------------------------------------------------------------------


@dataclass(frozen=True)
class MarketingFilters:
    q: str = ""
    status: str = ""
    kind: str = ""


def coupon_templates(merchant_id: int, filters: MarketingFilters) -> QuerySet[CouponTemplate]:
    """Templates newest first; issued and used are counters on the row, so no per-row query."""
    qs = CouponTemplate.objects.for_merchant(merchant_id)
    if filters.q.strip():
        qs = qs.filter(title__icontains=filters.q.strip())
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    return qs.order_by("-id")


def promotions(merchant_id: int, filters: MarketingFilters) -> QuerySet[Promotion]:
    qs = Promotion.objects.for_merchant(merchant_id).prefetch_related("gift_stock")
    if filters.q.strip():
        qs = qs.filter(title__icontains=filters.q.strip())
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    return qs.order_by("-id")


# ---- activity lists with their numbers ----------------------------------------------------------------


def _one(qs: QuerySet, value: Expression) -> Coalesce:
    """One number computed over ``qs`` (correlated to the outer row), 0 when there is nothing."""
    inner = qs.order_by().annotate(_k=Value(1)).values("_k").annotate(v=value).values("v")[:1]
    return Coalesce(Subquery(inner, output_field=BIG), Value(0), output_field=BIG)


def _line_money(lines: QuerySet) -> dict[str, Coalesce]:
    """Orders, GMV (paid less refunded) and the discount on the units kept, as ``sales_figures`` counts."""
    kept = Cast("discount_amount", BIG) * (Cast("quantity", BIG) - Cast("refunded_quantity", BIG))
    return {
        "stat_orders": _one(lines, Count("order_id", distinct=True)),
        "stat_gmv": _one(lines, Sum(Cast("paid_amount", BIG)) - Sum(Cast("refunded_amount", BIG))),
        "stat_discount": _one(lines, Sum(kept / Cast("quantity", BIG))),
    }


def _activity_lines(kind: str, activity_ids: QuerySet | OuterRef) -> QuerySet:
    qs = OrderLine.objects.filter(activity_kind=kind, order__paid_at__isnull=False)
    if isinstance(activity_ids, OuterRef):
        return qs.filter(activity_id=activity_ids)
    return qs.filter(activity_id__in=activity_ids)


def flash_sales(merchant_id: int) -> QuerySet[FlashSale]:
    paid = FlashSaleEntry.objects.filter(
        item__flash_sale=OuterRef("pk"), status__in=(EntryStatus.PAID, EntryStatus.REFUNDED)
    )
    return FlashSale.objects.for_merchant(merchant_id).annotate(
        stat_participants=_one(paid, Count("customer_id", distinct=True)),
        **_line_money(_activity_lines("flash_sale", OuterRef("pk"))),
    )


def group_buys(merchant_id: int) -> QuerySet[GroupBuy]:
    members = TeamMember.objects.filter(team__group_buy=OuterRef("pk"), paid_at__isnull=False)
    teams = Team.objects.filter(group_buy=OuterRef(OuterRef("pk"))).values("pk")
    return GroupBuy.objects.for_merchant(merchant_id).annotate(
        stat_participants=_one(members, Count("customer_id", distinct=True)),
        **_line_money(_activity_lines("group_buy", teams)),
    )


def bargains(merchant_id: int) -> QuerySet[Bargain]:
    records = BargainRecord.objects.filter(bargain=OuterRef("pk"))
    ids = BargainRecord.objects.filter(bargain=OuterRef(OuterRef("pk"))).values("pk")
    return (
        Bargain.objects.for_merchant(merchant_id)
        .select_related("sku__product")
        .annotate(
            stat_participants=_one(records, Count("customer_id", distinct=True)),
            **_line_money(_activity_lines("bargain", ids)),
        )
    )


def presales(merchant_id: int) -> QuerySet[Presale]:
    b = BookingStatus
    bookings = PresaleBooking.objects.filter(presale=OuterRef("pk"))
    kept = bookings.filter(status__in=[b.DEPOSIT_PAID, b.BALANCE_PENDING, b.COMPLETED, b.FORFEITED])
    balances = bookings.filter(status=b.COMPLETED, balance_order__status__in=PAID)
    completed = bookings.filter(status=b.COMPLETED)
    return (
        Presale.objects.for_merchant(merchant_id)
        .select_related("sku__product")
        .annotate(
            stat_participants=_one(bookings, Count("customer_id", distinct=True)),
            stat_deposits=_one(kept, Count("pk")),
            stat_balances=_one(balances, Count("pk")),
            stat_deposit_gmv=_one(kept, Sum(Cast("deposit_amount", BIG))),
            stat_balance_gmv=_one(balances, Sum(Cast("balance_order__paid_amount", BIG))),
            stat_discount=_one(completed, Sum(Cast("deduction_amount", BIG) - Cast("deposit_amount", BIG))),
        )
        .annotate(
            stat_orders=F("stat_deposits") + F("stat_balances"),
            stat_gmv=F("stat_deposit_gmv") + F("stat_balance_gmv"),
        )
    )


def _campaign_orders(people: QuerySet) -> dict[str, Coalesce]:
    """Paid orders of the campaign's participants inside its window (correlated, not caused)."""
    orders = Order.objects.filter(
        customer_id__in=people,
        status__in=PAID,
        paid_at__gte=OuterRef("starts_at"),
        paid_at__lt=OuterRef("ends_at"),
    )
    return {
        "stat_orders": _one(orders, Count("pk")),
        "stat_gmv": _one(orders, Sum(Cast("paid_amount", BIG))),
    }


def assists(merchant_id: int) -> QuerySet[AssistCampaign]:
    initiators = AssistRecord.objects.filter(campaign=OuterRef(OuterRef("pk"))).values("initiator_id")
    helpers = AssistHelp.objects.filter(record__campaign=OuterRef(OuterRef("pk"))).values("helper_id")
    people = Customer.objects.filter(Q(pk__in=initiators) | Q(pk__in=helpers))
    unlocked = AssistRecord.objects.filter(campaign=OuterRef("pk"), status="unlocked")
    people_ids = Customer.objects.filter(
        Q(
            pk__in=AssistRecord.objects.filter(campaign=OuterRef(OuterRef(OuterRef("pk")))).values(
                "initiator_id"
            )
        )
        | Q(
            pk__in=AssistHelp.objects.filter(record__campaign=OuterRef(OuterRef(OuterRef("pk")))).values(
                "helper_id"
            )
        )
    ).values("pk")
    return (
        AssistCampaign.objects.for_merchant(merchant_id)
        .annotate(
            stat_participants=_one(people, Count("pk")),
            stat_rewards=_one(unlocked, Count("pk")),
            **_campaign_orders(people_ids),
        )
        .annotate(stat_discount=F("stat_rewards") * F("reward_value"))
    )


def splits(merchant_id: int) -> QuerySet[SplitCampaign]:
    members = SplitMember.objects.filter(campaign=OuterRef("pk"))
    people_ids = SplitMember.objects.filter(campaign=OuterRef(OuterRef("pk"))).values("customer_id")
    return SplitCampaign.objects.for_merchant(merchant_id).annotate(
        stat_participants=_one(members, Count("customer_id", distinct=True)),
        stat_discount=_one(members, Sum(Cast("share", BIG))),
        **_campaign_orders(people_ids),
    )


def draw_campaigns(merchant_id: int, kind: str) -> QuerySet[DrawCampaign]:
    draws = Draw.objects.filter(campaign=OuterRef("pk")).exclude(status=DrawStatus.VOID)
    won = Draw.objects.filter(
        campaign=OuterRef("pk"),
        status=DrawStatus.DRAWN,
        prize__kind__in=[PrizeKind.COUPON, PrizeKind.ITEM],
    )
    order_ids = Draw.objects.filter(campaign=OuterRef(OuterRef("pk"))).exclude(status=DrawStatus.VOID)
    orders = Order.objects.filter(pk__in=order_ids.values("order_id"), status__in=PAID)
    qs = (
        DrawCampaign.objects.for_merchant(merchant_id)
        .filter(kind=kind)
        .select_related("sku__product")
        .annotate(
            stat_participants=_one(draws, Count("customer_id", distinct=True)),
            stat_orders=_one(orders, Count("pk")),
        )
    )
    if kind == DrawKind.BLIND_BOX:
        lines = OrderLine.objects.filter(
            activity_kind="blind_box", activity_id=OuterRef("pk"), order__status__in=PAID
        )
        return qs.annotate(
            stat_gmv=_one(lines, Sum(Cast("paid_amount", BIG))),
            stat_discount=_one(lines, Sum(Cast("discount_amount", BIG))),
        )
    return qs.annotate(
        stat_gmv=_one(orders, Sum(Cast("paid_amount", BIG))),
        stat_discount=_one(won, Sum(Cast("prize__value", BIG))),
    )
