"""Rows made through the services, as a merchant, its staff and its customers would make them.

Each factory takes what it builds on (merchant, owner, SKU) and keyword overrides; fixtures in the
conftest files only wire them to the test's merchant. Rows that tests write straight to the tables
(for code that only reads tables) are in ``siyu.testing.rows``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from siyu.catalog.models import Product, Sku
from siyu.catalog.services import SkuInput, create_product
from siyu.members.loyalty.models import LoyaltySettings, MemberTier
from siyu.members.loyalty.services import admin as loyalty_admin
from siyu.members.models import Address, Customer
from siyu.members.services import login_with_code, save_address
from siyu.promotions import services as promotions
from siyu.promotions.bargain.models import Bargain
from siyu.promotions.bargain.services.activities import BargainInput, create_bargain
from siyu.promotions.campaigns.models import AssistCampaign, DrawCampaign, SplitCampaign
from siyu.promotions.campaigns.services import assist, pools, split
from siyu.promotions.campaigns.services.pools import PrizeInput
from siyu.promotions.flashsale.models import FlashSale
from siyu.promotions.flashsale.services import manage
from siyu.promotions.groupbuy.models import GroupBuy
from siyu.promotions.groupbuy.services.activities import GroupBuyInput, GroupBuySkuInput, create_group_buy
from siyu.promotions.groupbuy.services.teams import Delivery
from siyu.promotions.models import CouponTemplate
from siyu.promotions.presale.models import Presale
from siyu.promotions.presale.services import admin as presale_admin
from siyu.tenancy.models import Merchant, Outlet, Role, Staff
from siyu.tenancy.services import create_staff
from siyu.testing.clients import PASSWORD

# The merchant and its people ---------------------------------------------------------------------


def make_merchant(slug: str = "tea", **kw) -> Merchant:
    return Merchant.objects.create(slug=slug, name=kw.pop("name", slug.title()), **kw)


def make_outlet(merchant: Merchant) -> Outlet:
    return Outlet.objects.create(
        merchant=merchant, code="SH01", name="Shanghai Xintiandi", supports_pickup=True
    )


def make_staff(merchant: Merchant, role: str = Role.OWNER, *, outlets: list[Outlet] | None = None) -> Staff:
    """A staff member of ``merchant`` in ``role``, with a username of its own and ``PASSWORD``."""
    return create_staff(
        merchant=merchant,
        username=f"{merchant.slug}_{role}_{Staff.objects.count()}",
        password=PASSWORD,
        role=role,
        display_name=role,
        outlet_ids=[o.pk for o in outlets or []],
    )


def log_in_customer(merchant: Merchant, code: str = "alice") -> tuple[Customer, str]:
    """The customer behind login code ``code`` (made on first login) and a shop token."""
    result = login_with_code(merchant=merchant, code=code)
    return result.customer, result.token


def add_address(customer: Customer, **fields: str) -> Address:
    """A delivery address in Shanghai (``fields`` override its parts)."""
    values: dict[str, Any] = {
        "recipient": "王小明",
        "phone": "13800000000",
        "province": "上海",
        "city": "上海",
        "district": "黄浦",
        "detail": "南京东路1号",
        **fields,
    }
    return save_address(customer=customer, **values)


def make_shopper(merchant: Merchant, code: str) -> tuple[Customer, Address, str]:
    """A logged-in customer nicknamed ``code`` with a delivery address: (customer, address, token)."""
    customer, token = log_in_customer(merchant, code)
    customer.nickname = code
    customer.save(update_fields=["nickname"])
    return customer, add_address(customer, recipient=code), token


def make_buyer(merchant: Merchant, code: str) -> tuple[Customer, Address, str]:
    """A logged-in customer with an address on Nanjing West Road: (customer, address, token)."""
    customer, token = log_in_customer(merchant, code)
    address = add_address(
        customer, recipient="李雷", phone="13800000001", district="静安", detail="南京西路2号"
    )
    return customer, address, token


def delivery_to(address: Address) -> Delivery:
    return Delivery(address_id=address.pk)


# The catalogue -------------------------------------------------------------------------------------


def make_product(
    merchant: Merchant,
    name: str = "Longjing tea",
    *,
    code: str,
    price: int = 5000,
    stock: int = 100,
    skus: int = 1,
    **kw,
) -> Product:
    """A product on sale with ``skus`` SKUs coded ``<code>-0``, ``<code>-1``... at ``price``, cost half."""
    return create_product(
        merchant=merchant,
        name=name,
        skus=[SkuInput(code=f"{code}-{i}", price=price, cost=price // 2, stock=stock) for i in range(skus)],
        status=kw.pop("status", "on_sale"),
        acting_staff=None,
        **kw,
    )


# Coupons and membership ----------------------------------------------------------------------------


def make_template(owner: Staff, **fields) -> CouponTemplate:
    """满100减20, valid for 30 days from now (``fields`` override)."""
    defaults = {
        "title": "满100减20",
        "kind": "amount",
        "amount": 2000,
        "threshold": 10000,
        "validity": "fixed",
        "valid_until": timezone.now() + timedelta(days=30),
    }
    return promotions.create_template(staff=owner, **(defaults | fields))


def set_up_loyalty(owner: Staff) -> LoyaltySettings:
    """1 point and 1 growth per ¥1 paid; 100 points pay ¥1, at most half the goods, whole yuan only."""
    return loyalty_admin.update_settings(
        staff=owner,
        earn_points_per_yuan=1,
        growth_per_yuan=1,
        redeem_points_per_yuan=100,
        redeem_max_share_bp=5_000,
        redeem_step_fen=100,
        points_valid_days=365,
        check_in_points=1,
        check_in_growth=1,
    )


def make_tiers(owner: Staff) -> dict[str, MemberTier]:
    """silver from 0; gold from 1000 (9折, free shipping, 1.5x points, keep 200); diamond from 5000."""
    return {
        "silver": loyalty_admin.create_tier(
            staff=owner, code="silver", name="银卡", rank=0, growth_threshold=0
        ),
        "gold": loyalty_admin.create_tier(
            staff=owner,
            code="gold",
            name="金卡",
            rank=1,
            growth_threshold=1000,
            keep_threshold=200,
            discount_bp=9_000,
            free_shipping=True,
            points_multiplier_bp=15_000,
        ),
        "diamond": loyalty_admin.create_tier(
            staff=owner, code="diamond", name="钻石卡", rank=2, growth_threshold=5000, keep_threshold=1000
        ),
    }


# Playbook activities, running from a minute (or an hour) ago unless told otherwise -----------------


def make_flash_sale(
    owner: Staff,
    skus: list[tuple[Sku, int, int]],
    *,
    starts_in: timedelta = timedelta(minutes=-1),
    lasts: timedelta = timedelta(hours=1),
    limit: int = 1,
    payment_minutes: int | None = None,
    publish: bool = True,
    title: str = "618 秒杀",
) -> FlashSale:
    """A flash sale of ``(sku, price, quota)`` items."""
    starts_at = timezone.now() + starts_in
    return manage.create_flash_sale(
        staff=owner,
        title=title,
        starts_at=starts_at,
        ends_at=starts_at + lasts,
        items=[manage.ItemInput(sku.pk, price, quota) for sku, price, quota in skus],
        per_customer_limit=limit,
        payment_minutes=payment_minutes,
        publish=publish,
    )


def make_group_buy(owner: Staff, sku: Sku, **kw: Any) -> GroupBuy:
    """Teams of three buy ``sku`` at 3000 (the leader at 2500) for three days."""
    now = timezone.now()
    skus = kw.pop("skus", [GroupBuySkuInput(sku.pk, group_price=3000, leader_price=2500)])
    data = {
        "name": "Three for tea",
        "starts_at": now - timedelta(minutes=1),
        "ends_at": now + timedelta(days=3),
        "group_size": 3,
        "time_limit_hours": 24,
        "skus": skus,
        **kw,
    }
    return create_group_buy(staff=owner, data=GroupBuyInput(**data))


def make_bargain(owner: Staff, sku: Sku, **kw: Any) -> Bargain:
    """Three helpers cut ``sku`` down to 1000 within 24 hours, for three days."""
    now = timezone.now()
    data = {
        "name": "Cut the tea",
        "sku_id": sku.pk,
        "starts_at": now - timedelta(minutes=1),
        "ends_at": now + timedelta(days=3),
        "floor_price": 1000,
        "helpers_needed": 3,
        "hours_to_finish": 24,
        **kw,
    }
    return create_bargain(staff=owner, data=BargainInput(**data))


def make_presale(owner: Staff, goods: Sku, deposit_sku: Sku, now: datetime, **kw) -> Presale:
    """Deposits open now for a day; the balance window opens in two days for a day."""
    values = {
        "name": "Spring tea presale",
        "sku_id": goods.pk,
        "deposit_sku_id": deposit_sku.pk,
        "deposit": 5000,
        "deduction": 8000,
        "deposit_starts_at": now - timedelta(hours=1),
        "deposit_ends_at": now + timedelta(days=1),
        "balance_starts_at": now + timedelta(days=2),
        "balance_ends_at": now + timedelta(days=3),
        "ship_date": (now + timedelta(days=5)).date(),
        **kw,
    }
    return presale_admin.create_presale(staff=owner, **values)


def campaign_window(now: datetime) -> dict[str, datetime]:
    """From an hour before ``now`` to a week after it."""
    return {"starts_at": now - timedelta(hours=1), "ends_at": now + timedelta(days=7)}


def make_assist(owner: Staff, window: dict[str, Any], **kw) -> AssistCampaign:
    values = {
        "name": "Help me",
        "assists_needed": 3,
        "hours": 24,
        "reward_kind": "points",
        "reward_value": 500,
        **window,
        **kw,
    }
    return assist.create_assist(staff=kw.pop("staff", owner), **values)


def make_split(owner: Staff, window: dict[str, Any], **kw) -> SplitCampaign:
    values = {
        "name": "Split 100",
        "team_size": 3,
        "pool_amount": 10_000,
        "min_share": 100,
        "hours": 24,
        "reward_kind": "points",
        **window,
        **kw,
    }
    return split.create_split(staff=owner, **values)


PRIZES = [
    PrizeInput(name="Tea set", kind="item", weight_bp=100, stock=1),
    PrizeInput(name="500 points", kind="points", weight_bp=2000, stock=None, value=500),
]


def make_lottery(owner: Staff, window: dict[str, Any], **kw) -> DrawCampaign:
    values = {"name": "Pay and draw", "min_order_amount": 5000, "prizes": PRIZES, **window, **kw}
    return pools.create_lottery(staff=owner, **values)


def make_blind_box(owner: Staff, window: dict[str, Any], box_sku: Sku, **kw) -> DrawCampaign:
    values = {
        "name": "Figure box",
        "sku_id": box_sku.pk,
        "box_price": 3900,
        "prizes": [
            PrizeInput(name="Common", kind="item", weight_bp=9000, stock=8),
            PrizeInput(name="Secret", kind="item", weight_bp=1000, stock=2),
        ],
        **window,
        **kw,
    }
    return pools.create_blind_box(staff=owner, **values)
