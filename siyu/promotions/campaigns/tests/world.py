"""Campaign and presale rows for the API-wide tenant isolation test (``siyu/api/tests``).

``build_campaign_rows(world)`` adds to a world one row of every kind the campaign and presale routes
name, each one the world's customer (or owner) could really act on, so a missing merchant check shows
up as a change in the other merchant's rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from siyu.catalog.services import SkuInput, create_product
from siyu.members.services import login_with_code
from siyu.orders.services import checkout
from siyu.orders.tests.flows import pay
from siyu.promotions.activities import ActivityRef
from siyu.promotions.campaigns.models import Draw
from siyu.promotions.campaigns.services import assist, pools, split
from siyu.promotions.campaigns.services.pools import PrizeInput
from siyu.promotions.presale.models import PresaleBooking
from siyu.promotions.presale.services import admin as presale_admin


@dataclass
class CampaignRows:
    assist_id: int
    assist_record_id: int  # started by another customer: the world's customer may help it
    split_id: int
    split_team_id: int  # opened by another customer: the world's customer may join it
    lottery_id: int
    blind_box_id: int
    draw_id: int  # the world's customer's pending lottery chance
    presale_id: int
    presale_booking_id: int  # the world's customer's paid deposit


def build_campaign_rows(world) -> CampaignRows:
    staff, customer, slug = world.owner, world.customer, world.slug
    now = timezone.now()
    window = {"starts_at": now - timedelta(hours=1), "ends_at": now + timedelta(days=7)}
    friend = login_with_code(merchant=world.merchant, code=f"{slug}-friend").customer
    campaign = assist.create_assist(
        staff=staff,
        name="Assist",
        assists_needed=3,
        hours=24,
        reward_kind="points",
        reward_value=100,
        **window,
    )
    record = assist.start_assist(customer=friend, campaign_id=campaign.pk)
    team_campaign = split.create_split(
        staff=staff,
        name="Split",
        team_size=3,
        pool_amount=3000,
        min_share=100,
        hours=24,
        reward_kind="points",
        **window,
    )
    team = split.start_team(customer=friend, campaign_id=team_campaign.pk)
    lottery = pools.create_lottery(
        staff=staff,
        name="Lottery",
        min_order_amount=0,
        prizes=[PrizeInput(name="Points", kind="points", value=10, weight_bp=5000)],
        **window,
    )
    chance = Draw.objects.create(
        merchant=world.merchant,
        campaign=lottery,
        customer=customer,
        order=world.paid_order,
        expires_at=now + timedelta(days=7),
    )
    box_sku, goods, deposit_sku = (
        create_product(
            merchant=world.merchant,
            name=name,
            skus=[SkuInput(code=f"{slug}-{name}", price=price, cost=price // 2, stock=50)],
            status="on_sale",
            acting_staff=None,
        ).skus.get()
        for name, price in (("box", 3000), ("goods", 20_000), ("deposit", 5000))
    )
    box = pools.create_blind_box(
        staff=staff,
        name="Box",
        sku_id=box_sku.pk,
        box_price=2000,
        prizes=[PrizeInput(name="Figure", kind="item", weight_bp=10_000, stock=10)],
        **window,
    )
    presale = presale_admin.create_presale(
        staff=staff,
        name="Presale",
        sku_id=goods.pk,
        deposit_sku_id=deposit_sku.pk,
        deposit=5000,
        deduction=8000,
        deposit_starts_at=now - timedelta(hours=1),
        deposit_ends_at=now + timedelta(days=1),
        balance_starts_at=now + timedelta(days=2),
        balance_ends_at=now + timedelta(days=3),
        ship_date=(now + timedelta(days=5)).date(),
    )
    deposit, _ = checkout.place_order(
        customer=customer,
        request=checkout.CheckoutRequest(
            lines=[checkout.LineRequest(deposit_sku.pk, 1, ActivityRef("presale_deposit", presale.pk))],
            address_id=world.address.pk,
        ),
    )
    pay(customer, deposit)
    return CampaignRows(
        assist_id=campaign.pk,
        assist_record_id=record.pk,
        split_id=team_campaign.pk,
        split_team_id=team.pk,
        lottery_id=lottery.pk,
        blind_box_id=box.pk,
        draw_id=chance.pk,
        presale_id=presale.pk,
        presale_booking_id=PresaleBooking.objects.get(deposit_order=deposit).pk,
    )


def campaign_probes(a, b, a_rows: CampaignRows) -> list:
    """Calls on A's routes that name B's rows in the body: each a 404 that changes nothing of B's.

    For ``probes()`` in siyu/api/tests/test_tenant_isolation.py (``a_rows`` are A's campaign rows).
    """
    from siyu.api.tests.test_tenant_isolation import ADMIN, SHOP, Probe

    adm, shop = "/api/v1/admin", f"/api/v1/shop/{a.slug}"
    now = timezone.now()
    window = {
        "starts_at": (now + timedelta(days=30)).isoformat(),
        "ends_at": (now + timedelta(days=31)).isoformat(),
    }
    assist_body = {"name": "x", "assists_needed": 2, "hours": 1, "reward_kind": "coupon", "reward_value": 100}
    split_body = {
        "name": "x",
        "team_size": 2,
        "pool_amount": 200,
        "min_share": 1,
        "hours": 1,
        "reward_kind": "coupon",
    }
    lottery_body = {"name": "x", "min_order_amount": 0, **window}
    box_body = {"name": "x", "sku_id": a.sku.pk, "box_price": 100, **window}

    def prize(**ids) -> dict:
        kind = "coupon" if "coupon_template_id" in ids else "item"
        return {"name": "p", "kind": kind, "weight_bp": 10_000, "stock": 1, "value": 100, **ids}

    found = [
        Probe(
            [f"POST {ADMIN}campaigns/assists body.coupon_template_id"],
            "post",
            f"{adm}/campaigns/assists",
            {**assist_body, **window, "coupon_template_id": b.coupon_template.pk},
        ),
        Probe(
            [f"POST {ADMIN}campaigns/splits body.coupon_template_id"],
            "post",
            f"{adm}/campaigns/splits",
            {**split_body, **window, "coupon_template_id": b.coupon_template.pk},
        ),
    ]
    for field, ids in (
        ("coupon_template_id", {"coupon_template_id": b.coupon_template.pk}),
        ("sku_id", {"sku_id": b.sku.pk}),
    ):
        found += [
            Probe(
                [f"POST {ADMIN}campaigns/lotteries body.prizes[].{field}"],
                "post",
                f"{adm}/campaigns/lotteries",
                {**lottery_body, "prizes": [prize(**ids)]},
            ),
            Probe(
                [f"PATCH {ADMIN}campaigns/lotteries/{{lottery_id}} body.prizes[].{field}"],
                "patch",
                f"{adm}/campaigns/lotteries/{a_rows.lottery_id}",
                {"prizes": [prize(**ids)]},
            ),
            Probe(
                [f"POST {ADMIN}campaigns/blind-boxes body.prizes[].{field}"],
                "post",
                f"{adm}/campaigns/blind-boxes",
                {**box_body, "prizes": [prize(**ids)]},
            ),
            Probe(
                [f"PATCH {ADMIN}campaigns/blind-boxes/{{blind_box_id}} body.prizes[].{field}"],
                "patch",
                f"{adm}/campaigns/blind-boxes/{a_rows.blind_box_id}",
                {"prizes": [prize(**ids)]},
            ),
        ]
    found.append(
        Probe(
            [f"POST {ADMIN}campaigns/blind-boxes body.sku_id"],
            "post",
            f"{adm}/campaigns/blind-boxes",
            {**box_body, "sku_id": b.sku.pk, "prizes": [prize()]},
        )
    )
    presale_body = {
        "name": "x",
        "sku_id": a.sku.pk,
        "deposit_sku_id": a.other_sku.pk,
        "deposit": 100,
        "deduction": 200,
        "deposit_starts_at": (now + timedelta(days=30)).isoformat(),
        "deposit_ends_at": (now + timedelta(days=31)).isoformat(),
        "balance_starts_at": (now + timedelta(days=32)).isoformat(),
        "balance_ends_at": (now + timedelta(days=33)).isoformat(),
        "ship_date": (now + timedelta(days=34)).date().isoformat(),
    }
    found += [
        Probe(
            [f"POST {ADMIN}presales body.{field}"],
            "post",
            f"{adm}/presales",
            {**presale_body, field: b.sku.pk},
        )
        for field in ("sku_id", "deposit_sku_id")
    ]
    shop_routes = [
        (
            "campaigns/blind-boxes/{blind_box_id}/orders",
            f"campaigns/blind-boxes/{a_rows.blind_box_id}/orders",
        ),
        ("presales/{presale_id}/deposit", f"presales/{a_rows.presale_id}/deposit"),
        (
            "presale-bookings/{presale_booking_id}/balance",
            f"presale-bookings/{a_rows.presale_booking_id}/balance",
        ),
    ]
    for label, route in shop_routes:
        found += [
            Probe(
                [f"POST {SHOP}{label} body.address_id"],
                "post",
                f"{shop}/{route}",
                {"address_id": b.address.pk},
                staff=False,
            ),
            Probe(
                [f"POST {SHOP}{label} body.pickup_outlet_id"],
                "post",
                f"{shop}/{route}",
                {"fulfilment": "pickup", "pickup_outlet_id": b.outlet.pk},
                staff=False,
            ),
        ]
    return found
