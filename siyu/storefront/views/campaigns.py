"""Campaign pages people share: 好友助力 (start an assist; the record page friends help on), 好友瓜分
(start a split team; the team page friends join), 支付抽奖 (the lottery, its chances and each
draw's result) and 盲盒 (buy boxes, see what they held), and the list of open campaigns.

Every page shows the campaign to a visitor and asks them to log in to act (a share landing is
kept in the session through login, ``views.base``). Every action is a POST through the playbook's
own service in ``siyu/promotions/campaigns/services``; a refusal becomes the error page with the
service's code and status, and the service changed nothing. Each page reads its rows with a fixed
number of queries, however many friends helped or joined.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from siyu.core.errors import InvalidInput, NotFound
from siyu.members.models import Address
from siyu.orders.models import Fulfilment, Order
from siyu.orders.services import checkout
from siyu.promotions.activities import ActivityRef
from siyu.promotions.campaigns.models import (
    AssistCampaign,
    AssistHelp,
    AssistRecord,
    AssistStatus,
    CampaignReward,
    Draw,
    DrawCampaign,
    DrawKind,
    DrawStatus,
    Prize,
    PrizeKind,
    RewardSource,
    SplitCampaign,
    SplitMember,
    SplitTeam,
    TeamStatus,
)
from siyu.promotions.campaigns.models.common import Campaign
from siyu.promotions.campaigns.providers import BLIND_BOX
from siyu.promotions.campaigns.services import assist as assists
from siyu.promotions.campaigns.services import draws
from siyu.promotions.campaigns.services import split as splits
from siyu.promotions.kit.models import ActivityStatus
from siyu.storefront import activity_selectors, selectors
from siyu.storefront.sharing import share_links
from siyu.storefront.views.base import Shop, ShopPageRequest, SignedInShop, page, shop_page
from siyu.storefront.views.catalog import int_param
from siyu.storefront.views.checkout import pay_redirect

TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")
MY_ROWS = 50  # the customer's own chances or boxes shown on a campaign page
MAX_BOXES = 99  # per order, as the shop API's BlindBoxOrderIn allows


def phase(campaign: Campaign, now: datetime) -> str:
    """``upcoming``, ``running``, ``paused`` or ``ended``: what the page says about the window."""
    if campaign.status == ActivityStatus.ENDED or now >= campaign.ends_at:
        return "ended"
    if campaign.status == ActivityStatus.PAUSED:
        return "paused"
    return "upcoming" if now < campaign.starts_at else "running"


def percent(bp: int) -> str:
    """Basis points as people read odds: 2000 -> '20%', 150 -> '1.5%', 5 -> '0.05%'."""
    whole, part = divmod(bp, 100)
    return f"{whole}.{part:02d}".rstrip("0").rstrip(".") + "%"


# ---- ordering through an activity line (blind boxes here, presale deposits and balances) -------


def form_token() -> str:
    """A fresh token for an order form: its idempotency key, so a double tap places one order."""
    return uuid.uuid4().hex


def posted_quantity(request: ShopPageRequest, *, high: int) -> int:
    raw = request.POST.get("qty")
    quantity = int_param(raw, default=1 if raw is None else None, high=high)
    if quantity is None:
        raise InvalidInput(detail={"qty": (raw or "")[:20]})
    return quantity


def delivery_address(request: ShopPageRequest, shop: SignedInShop) -> int | None:
    """The address the form chose (checked by checkout as the customer's own), else the default one;
    None when the customer has no address yet."""
    if request.POST.get("address"):
        chosen = int_param(request.POST.get("address"))
        if chosen is None:
            raise InvalidInput(detail={"address": request.POST.get("address", "")[:20]})
        return chosen
    found = next(iter(selectors.addresses(customer=shop.customer)), None)
    return found.pk if found is not None else None


def ask_for_address(request: ShopPageRequest, shop: Shop, back: str) -> HttpResponse:
    messages.error(request, _("Please add an address first."))
    return HttpResponseRedirect(f"{shop.url('address_new')}?{urlencode({'next': back})}")


def place_activity_order(
    request: ShopPageRequest,
    shop: SignedInShop,
    *,
    sku_id: int,
    quantity: int,
    ref: ActivityRef,
    address_id: int,
    coupon_ids: tuple[int, ...] | None,
) -> Order:
    """Place a one-line order bought through ``ref`` with checkout, as the shop API does; the
    form's token is the idempotency key."""
    token = request.POST.get("token", "")
    order, _created = checkout.place_order(
        customer=shop.customer,
        request=checkout.CheckoutRequest(
            lines=[checkout.LineRequest(sku_id, quantity, activity=ref)],
            fulfilment=Fulfilment.DELIVERY,
            address_id=address_id,
            source=shop.attribution.source,
            coupon_ids=coupon_ids,
        ),
        idempotency_key=f"h5:{token}" if TOKEN_RE.match(token) else None,
    )
    return order


# ---- open campaigns -----------------------------------------------------------------------------


@shop_page()
def campaign_list(request: ShopPageRequest, shop: Shop) -> HttpResponse:
    """活动: every activity running now, whatever its playbook (one query per playbook)."""
    entries = activity_selectors.running(merchant=shop.merchant, now=timezone.now())
    return page(request, "storefront/campaigns.html", {"entries": entries})


# ---- 好友助力 assist -----------------------------------------------------------------------------


def _assist(shop: Shop, assist_id: int) -> AssistCampaign:
    found = AssistCampaign.objects.for_merchant(shop.merchant).filter(pk=assist_id).first()
    if found is None:
        raise NotFound(detail={"assist_id": assist_id})
    return found


def _record_state(record: AssistRecord, now: datetime) -> str:
    """The record's status, reading an ongoing record past its deadline as expired (the sweep
    may not have run yet)."""
    if record.status == AssistStatus.ONGOING and record.expires_at <= now:
        return AssistStatus.EXPIRED
    return record.status


@shop_page()
def assist(request: ShopPageRequest, shop: Shop, assist_id: int) -> HttpResponse:
    """The campaign: the reward, how many friends must help and by when, and a start button."""
    now = timezone.now()
    campaign = _assist(shop, assist_id)
    live = None
    if shop.customer is not None:
        live = (
            AssistRecord.objects.for_merchant(shop.merchant)
            .filter(
                campaign=campaign,
                initiator=shop.customer,
                status__in=[AssistStatus.ONGOING, AssistStatus.UNLOCKED],
            )
            .first()
        )
        if live is not None and _record_state(live, now) == AssistStatus.EXPIRED:
            live = None  # lapsed: starting again is allowed (the service expires it first)
    stock = campaign.reward_stock
    return page(
        request,
        "storefront/assist.html",
        {
            "campaign": campaign,
            "phase": phase(campaign, now),
            "live": live,
            "rewards_left": None if stock is None else max(stock - campaign.records_started, 0),
            "shares": share_links(request, shop),
        },
    )


@shop_page(login=True, methods=("POST",))
def start_assist(request: ShopPageRequest, shop: SignedInShop, assist_id: int) -> HttpResponse:
    record = assists.start_assist(customer=shop.customer, campaign_id=assist_id)
    messages.success(request, _("Started! Share this page: every friend who helps gets you closer."))
    return HttpResponseRedirect(shop.url("assist_record", record.pk))


@shop_page()
def assist_record(request: ShopPageRequest, shop: Shop, record_id: int) -> HttpResponse:
    """The page friends open: progress, who helped, a help button (once per friend), the reward."""
    now = timezone.now()
    record = (
        AssistRecord.objects.for_merchant(shop.merchant)
        .select_related("campaign", "initiator")
        .prefetch_related(
            Prefetch("helps", queryset=AssistHelp.objects.select_related("helper").order_by("id"))
        )
        .filter(pk=record_id)
        .first()
    )
    if record is None:
        raise NotFound(detail={"record_id": record_id})
    helps = list(record.helps.all())
    me = shop.customer
    owner = me is not None and record.initiator_id == me.pk
    helped = me is not None and any(h.helper_id == me.pk for h in helps)
    state = _record_state(record, now)
    reward = None
    if owner and state == AssistStatus.UNLOCKED:
        reward = (
            CampaignReward.objects.for_merchant(shop.merchant)
            .filter(source=RewardSource.ASSIST, source_id=record.pk)
            .first()
        )
    return page(
        request,
        "storefront/assist_record.html",
        {
            "record": record,
            "campaign": record.campaign,
            "state": state,
            "helps": helps,
            "owner": owner,
            "helped": helped,
            "can_help": state == AssistStatus.ONGOING
            and record.campaign.is_live(now)
            and not owner
            and not helped,
            "helps_left": record.assists_needed - record.assists_count,
            "progress": 100 * record.assists_count // record.assists_needed if record.assists_needed else 100,
            "reward": reward,
            "shares": share_links(request, shop),
        },
    )


@shop_page(login=True, methods=("POST",))
def help_assist(request: ShopPageRequest, shop: SignedInShop, record_id: int) -> HttpResponse:
    record = assists.help_assist(helper=shop.customer, record_id=record_id)
    if record.status == AssistStatus.UNLOCKED:
        messages.success(request, _("You made it: your friend's reward is unlocked!"))
    else:
        messages.success(request, _("Thanks for helping!"))
    return HttpResponseRedirect(shop.url("assist_record", record_id))


# ---- 好友瓜分 split ------------------------------------------------------------------------------


def _split(shop: Shop, split_id: int) -> SplitCampaign:
    found = SplitCampaign.objects.for_merchant(shop.merchant).filter(pk=split_id).first()
    if found is None:
        raise NotFound(detail={"split_id": split_id})
    return found


def _team_state(team: SplitTeam, now: datetime) -> str:
    if team.status == TeamStatus.FORMING and team.expires_at <= now:
        return TeamStatus.EXPIRED
    return team.status


@shop_page()
def split(request: ShopPageRequest, shop: Shop, split_id: int) -> HttpResponse:
    """The campaign: the pool a full team splits, the team size, and a button to open a team."""
    now = timezone.now()
    campaign = _split(shop, split_id)
    live = None
    if shop.customer is not None:
        member = (
            SplitMember.objects.for_merchant(shop.merchant)
            .filter(campaign=campaign, customer=shop.customer, is_live=True)
            .select_related("team")
            .first()
        )
        if member is not None and _team_state(member.team, now) != TeamStatus.EXPIRED:
            live = member.team
    stock = campaign.team_stock
    return page(
        request,
        "storefront/split.html",
        {
            "campaign": campaign,
            "phase": phase(campaign, now),
            "live": live,
            "teams_left": None if stock is None else max(stock - campaign.teams_started, 0),
            "shares": share_links(request, shop),
        },
    )


@shop_page(login=True, methods=("POST",))
def start_split(request: ShopPageRequest, shop: SignedInShop, split_id: int) -> HttpResponse:
    team = splits.start_team(customer=shop.customer, campaign_id=split_id)
    messages.success(request, _("Your team is open. Share this page so friends join."))
    return HttpResponseRedirect(shop.url("split_team", team.pk))


@shop_page()
def split_team(request: ShopPageRequest, shop: Shop, team_id: int) -> HttpResponse:
    """The page friends open to join: seats, members, and everyone's share once the team is full."""
    now = timezone.now()
    team = (
        SplitTeam.objects.for_merchant(shop.merchant)
        .select_related("campaign")
        .prefetch_related(
            Prefetch("members", queryset=SplitMember.objects.select_related("customer").order_by("position"))
        )
        .filter(pk=team_id)
        .first()
    )
    if team is None:
        raise NotFound(detail={"team_id": team_id})
    members = list(team.members.all())
    me = shop.customer
    mine = next((m for m in members if me is not None and m.customer_id == me.pk), None)
    state = _team_state(team, now)
    return page(
        request,
        "storefront/split_team.html",
        {
            "team": team,
            "campaign": team.campaign,
            "state": state,
            "members": members,
            "mine": mine,
            "empty_seats": range(max(team.team_size - len(members), 0))
            if state == TeamStatus.FORMING
            else (),
            "seats_left": team.team_size - team.member_count,
            "joinable": state == TeamStatus.FORMING and team.campaign.is_live(now) and mine is None,
            "shares": share_links(request, shop),
        },
    )


@shop_page(login=True, methods=("POST",))
def join_split(request: ShopPageRequest, shop: SignedInShop, team_id: int) -> HttpResponse:
    team = splits.join_team(customer=shop.customer, team_id=team_id)
    if team.member_count == team.team_size:
        messages.success(request, _("The team is full: the pool is split!"))
    else:
        messages.success(request, _("You joined the team."))
    return HttpResponseRedirect(shop.url("split_team", team_id))


# ---- 支付抽奖 lottery and 盲盒 blind box: prizes ---------------------------------------------------


@dataclass(frozen=True)
class PrizeView:
    name: str
    kind: str
    kind_label: str | Promise
    value: int
    odds: str
    left: int | None  # None = unlimited


def _prizes(campaign: DrawCampaign) -> list[PrizeView]:
    prizes: list[Prize] = sorted(campaign.prizes.all(), key=lambda p: (p.position, p.pk))
    return [
        PrizeView(p.name, p.kind, PrizeKind(p.kind).label, p.value, percent(p.weight_bp), p.stock_left)
        for p in prizes
    ]


def _draw_campaign(shop: Shop, campaign_id: int, kind: str, *related: str) -> DrawCampaign:
    found = (
        DrawCampaign.objects.for_merchant(shop.merchant)
        .filter(pk=campaign_id, kind=kind)
        .select_related(*related)
        .prefetch_related("prizes")
        .first()
    )
    if found is None:
        raise NotFound(detail={"campaign_id": campaign_id})
    return found


def _my_draws(shop: Shop, campaign: DrawCampaign) -> list[Draw]:
    if shop.customer is None:
        return []
    return list(
        Draw.objects.for_merchant(shop.merchant)
        .filter(campaign=campaign, customer=shop.customer)
        .select_related("prize", "order")
        .order_by("-id")[:MY_ROWS]
    )


def _chance_state(draw: Draw, now: datetime) -> str:
    """A pending chance past its deadline reads as void (the sweep may not have run yet)."""
    if draw.status == DrawStatus.PENDING and draw.expires_at is not None and draw.expires_at <= now:
        return DrawStatus.VOID
    return draw.status


# ---- 支付抽奖 lottery --------------------------------------------------------------------------


@shop_page()
def lottery(request: ShopPageRequest, shop: Shop, lottery_id: int) -> HttpResponse:
    """The prizes and odds, the rule (one chance per order paid for at least the minimum), and the
    customer's chances: draw the ones still open, see what the others gave."""
    now = timezone.now()
    campaign = _draw_campaign(shop, lottery_id, DrawKind.PAY_LOTTERY)
    prizes = _prizes(campaign)
    chances = _my_draws(shop, campaign)
    for chance in chances:
        chance.state = _chance_state(chance, now)  # type: ignore[attr-defined]
    return page(
        request,
        "storefront/lottery.html",
        {
            "campaign": campaign,
            "phase": phase(campaign, now),
            "prizes": prizes,
            "miss": percent(max(10_000 - sum(p.weight_bp for p in campaign.prizes.all()), 0)),
            "chances": chances,
            "shares": share_links(request, shop),
        },
    )


def _my_chance(shop: SignedInShop, draw_id: int) -> Draw:
    found = (
        Draw.objects.for_merchant(shop.merchant)
        .filter(pk=draw_id, customer=shop.customer, campaign__kind=DrawKind.PAY_LOTTERY)
        .select_related("campaign", "prize", "order")
        .first()
    )
    if found is None:
        raise NotFound(detail={"draw_id": draw_id})
    return found


@shop_page(login=True)
def lottery_draw(request: ShopPageRequest, shop: SignedInShop, draw_id: int) -> HttpResponse:
    """One chance: the draw button while it is open, then the result with its seed and roll."""
    now = timezone.now()
    chance = _my_chance(shop, draw_id)
    state = _chance_state(chance, now)
    return page(
        request,
        "storefront/lottery_draw.html",
        {
            "chance": chance,
            "campaign": chance.campaign,
            "state": state,
            "can_draw": state == DrawStatus.PENDING and chance.campaign.status != ActivityStatus.PAUSED,
            "won": chance.prize is not None and chance.prize.kind != PrizeKind.NOTHING,
            "shares": share_links(request, shop, path=shop.url("lottery", chance.campaign_id)),
        },
    )


@shop_page(login=True, methods=("POST",))
def draw_lottery(request: ShopPageRequest, shop: SignedInShop, draw_id: int) -> HttpResponse:
    draws.draw_lottery(customer=shop.customer, draw_id=draw_id)
    return HttpResponseRedirect(shop.url("lottery_draw", draw_id))


# ---- 盲盒 blind box ------------------------------------------------------------------------------


@dataclass
class BoxOrder:
    """The boxes of one of the customer's orders, in unit order."""

    order: Order
    boxes: list[Draw]


@shop_page()
def blind_box(request: ShopPageRequest, shop: Shop, blind_box_id: int) -> HttpResponse:
    """The box, its price, every prize with its odds and how many are left, a buy form, and the
    boxes the customer bought: unopened until the order is paid, then the prize each held."""
    now = timezone.now()
    campaign = _draw_campaign(shop, blind_box_id, DrawKind.BLIND_BOX, "sku__product")
    by_order: dict[int, BoxOrder] = {}
    for box in sorted(_my_draws(shop, campaign), key=lambda d: (-d.order_id, d.unit)):
        by_order.setdefault(box.order_id, BoxOrder(box.order, [])).boxes.append(box)
    addresses: list[Address] = selectors.addresses(customer=shop.customer) if shop.customer else []
    left = max(campaign.box_quota - campaign.boxes_taken, 0)
    limit = campaign.per_customer_limit
    return page(
        request,
        "storefront/blind_box.html",
        {
            "campaign": campaign,
            "phase": phase(campaign, now),
            "prizes": _prizes(campaign),
            "left": left,
            "max_qty": max(min(left, limit or MAX_BOXES, MAX_BOXES), 1),
            "orders": list(by_order.values()),
            "addresses": addresses,
            "token": form_token(),
            "shares": share_links(request, shop),
        },
    )


@shop_page(login=True, methods=("POST",))
def buy_blind_box(request: ShopPageRequest, shop: SignedInShop, blind_box_id: int) -> HttpResponse:
    """Order boxes at the box price (checkout with the blind box's activity line), then pay: the
    prizes are drawn when the payment lands."""
    campaign = _draw_campaign(shop, blind_box_id, DrawKind.BLIND_BOX)
    back = shop.url("blind_box", campaign.pk)
    quantity = posted_quantity(request, high=MAX_BOXES)
    address_id = delivery_address(request, shop)
    if address_id is None:
        return ask_for_address(request, shop, back)
    assert campaign.sku_id is not None
    order = place_activity_order(
        request,
        shop,
        sku_id=campaign.sku_id,
        quantity=quantity,
        ref=ActivityRef(BLIND_BOX, campaign.pk),
        address_id=address_id,
        coupon_ids=None,  # as the shop API: checkout picks the best coupons
    )
    return pay_redirect(request, shop, order, back=back)
