"""The campaign playbooks end to end over HTTP: staff set them up, customers play, staff read stats."""

from __future__ import annotations

from datetime import timedelta

import pytest

from siyu.orders.models import Order
from siyu.promotions.campaigns.drawing import split_amounts
from siyu.promotions.campaigns.models import AssistHelp, AssistRecord, Draw, DrawCampaign, SplitCampaign
from siyu.tenancy.models import Role
from siyu.tenancy.services import issue_staff_token
from siyu.testing.clients import ApiClient
from siyu.testing.flows import pay

pytestmark = pytest.mark.django_db

ADMIN = "/api/v1/admin/campaigns"
SHOP = "/api/v1/shop/tea/campaigns"


def _iso(window):
    return {k: v.isoformat() for k, v in window.items()}


@pytest.fixture
def friends(customer_login):
    return [ApiClient(customer_login(f"friend-{i}")[1]) for i in range(3)]


def test_assist_over_http(staff_api, shop_api, friends, window):
    created = staff_api.post(
        f"{ADMIN}/assists",
        {
            "name": "Help me",
            "assists_needed": 2,
            "hours": 24,
            "reward_kind": "points",
            "reward_value": 300,
            **_iso(window),
        },
    )
    assert created.status_code == 201, created.content
    assist_id = created.json()["id"]
    assert [c["id"] for c in ApiClient().get(f"{SHOP}/assists").json()] == [assist_id]

    record = shop_api.post(f"{SHOP}/assists/{assist_id}/records")
    assert record.status_code == 201, record.content
    record_id = record.json()["id"]
    assert record.json()["assists_left"] == 2 and record.json()["initiator"]["is_me"] is True

    own = shop_api.post(f"{SHOP}/assist-records/{record_id}/help")
    assert (own.status_code, own.json()["code"]) == (409, "assist_self_help")
    first = friends[0].post(f"{SHOP}/assist-records/{record_id}/help")
    assert first.status_code == 200 and first.json()["helped_by_me"] is True
    again = friends[0].post(f"{SHOP}/assist-records/{record_id}/help")
    assert (again.status_code, again.json()["code"]) == (409, "assist_already_helped")
    done = friends[1].post(f"{SHOP}/assist-records/{record_id}/help").json()
    assert (done["status"], done["assists_count"], len(done["helpers"])) == ("unlocked", 2, 2)
    late = friends[2].post(f"{SHOP}/assist-records/{record_id}/help")
    assert (late.status_code, late.json()["code"]) == (409, "assist_closed")
    assert AssistHelp.objects.count() == 2

    rewards = shop_api.get(f"{SHOP}/rewards").json()
    assert [(r["source"], r["amount"], r["status"]) for r in rewards["items"]] == [("assist", 300, "pending")]
    stats = staff_api.get(f"{ADMIN}/assists/{assist_id}/stats").json()
    assert stats == {
        "assist_id": assist_id,
        "participants": 3,
        "initiators": 1,
        "helpers": 2,
        "helps": 2,
        "records": {"ongoing": 0, "unlocked": 1, "expired": 0},
        "orders": 0,
        "gmv": 0,
        "rewards": 1,
        "reward_kind": "points",
        "reward_cost": 300,
    }
    records = staff_api.get(f"{ADMIN}/assists/{assist_id}/records").json()
    assert records["count"] == 1 and len(records["items"][0]["helper_ids"]) == 2


def test_staff_edit_pause_end_over_http(staff_api, shop_api, window):
    assist_id = staff_api.post(
        f"{ADMIN}/assists",
        {
            "name": "A",
            "assists_needed": 2,
            "hours": 24,
            "reward_kind": "points",
            "reward_value": 1,
            **_iso(window),
        },
    ).json()["id"]
    patched = staff_api.patch(f"{ADMIN}/assists/{assist_id}", {"name": "B", "assists_needed": 4})
    assert (patched.json()["name"], patched.json()["assists_needed"]) == ("B", 4)
    assert staff_api.post(f"{ADMIN}/assists/{assist_id}/pause").json()["status"] == "paused"
    refused = shop_api.post(f"{SHOP}/assists/{assist_id}/records")
    assert (refused.status_code, refused.json()["code"]) == (409, "campaign_not_running")
    assert AssistRecord.objects.count() == 0
    assert staff_api.post(f"{ADMIN}/assists/{assist_id}/end").json()["status"] == "ended"
    assert staff_api.post(f"{ADMIN}/assists/{assist_id}/resume").status_code == 409
    assert staff_api.patch(f"{ADMIN}/assists/{assist_id}", {"name": "C"}).status_code == 409


def test_split_over_http(staff_api, shop_api, friends, window):
    split_id = staff_api.post(
        f"{ADMIN}/splits",
        {
            "name": "Split 50",
            "team_size": 3,
            "pool_amount": 5000,
            "min_share": 200,
            "hours": 24,
            "reward_kind": "coupon",
            **_iso(window),
        },
    ).json()["id"]
    team = shop_api.post(f"{SHOP}/splits/{split_id}/teams")
    assert team.status_code == 201, team.content
    team_id = team.json()["id"]
    assert friends[0].post(f"{SHOP}/split-teams/{team_id}/join").json()["seats_left"] == 1
    filled = friends[1].post(f"{SHOP}/split-teams/{team_id}/join").json()
    full = friends[2].post(f"{SHOP}/split-teams/{team_id}/join")

    assert (full.status_code, full.json()["code"]) == (409, "team_closed")
    assert filled["status"] == "filled"
    shares = [m["share"] for m in filled["members"]]
    assert shares == split_amounts(filled["seed"], 5000, 3, 200) and sum(shares) == 5000
    stats = staff_api.get(f"{ADMIN}/splits/{split_id}/stats").json()
    assert (stats["participants"], stats["teams"]["filled"], stats["rewards"], stats["reward_cost"]) == (
        3,
        1,
        3,
        5000,
    )
    assert SplitCampaign.objects.get().teams_started == 1


def test_lottery_over_http(staff_api, shop_api, customer, sku, address, window):
    created = staff_api.post(
        f"{ADMIN}/lotteries",
        {
            "name": "Spin",
            "min_order_amount": 5000,
            "prizes": [
                {"name": "Cup", "kind": "item", "weight_bp": 5000, "stock": 1, "value": 2000},
                {"name": "Points", "kind": "points", "weight_bp": 5000, "value": 100},
            ],
            **_iso(window),
        },
    )
    assert created.status_code == 201, created.content
    lottery = created.json()
    assert (lottery["miss_bp"], lottery["secret"]) == (0, "")
    order = shop_api.post(
        "/api/v1/shop/tea/orders", {"lines": [{"sku_id": sku.pk, "quantity": 2}], "address_id": address.pk}
    ).json()
    pay(customer, Order.objects.get(pk=order["id"]))

    chances = shop_api.get(f"{SHOP}/draws").json()["items"]
    assert [(c["order_id"], c["status"], c["kind"]) for c in chances] == [
        (order["id"], "pending", "pay_lottery")
    ]
    drawn = shop_api.post(f"{SHOP}/draws/{chances[0]['id']}/draw")
    assert drawn.status_code == 200, drawn.content
    assert drawn.json()["status"] == "drawn" and drawn.json()["prize"]["name"] in {"Cup", "Points"}
    audit = staff_api.get(f"{ADMIN}/draws/{chances[0]['id']}/audit").json()
    assert audit["ok"] is True and audit["recomputed_prize_id"] == drawn.json()["prize"]["id"]
    stats = staff_api.get(f"{ADMIN}/lotteries/{lottery['id']}/stats").json()
    assert (stats["participants"], stats["orders"], stats["gmv"]) == (1, 1, 10_000)
    assert stats["draws"] == {"pending": 0, "drawn": 1, "void": 0, "returned": 0}
    assert all(a["ok"] for a in stats["stock_audit"])
    ended = staff_api.post(f"{ADMIN}/lotteries/{lottery['id']}/end").json()
    assert ended["secret"] == DrawCampaign.objects.get().secret


def test_blind_box_over_http(staff_api, shop_api, customer, box_sku, address, window):
    created = staff_api.post(
        f"{ADMIN}/blind-boxes",
        {
            "name": "Figures",
            "sku_id": box_sku.pk,
            "box_price": 4900,
            "prizes": [
                {"name": "Cat", "kind": "item", "weight_bp": 9500, "stock": 5},
                {"name": "Golden cat", "kind": "item", "weight_bp": 500, "stock": 1},
            ],
            **_iso(window),
        },
    )
    assert created.status_code == 201, created.content
    box_id = created.json()["id"]
    assert created.json()["box_quota"] == 6
    shown = ApiClient().get(f"{SHOP}/blind-boxes/{box_id}").json()
    assert [(p["name"], p["weight_bp"], p["stock_left"]) for p in shown["prizes"]] == [
        ("Cat", 9500, 5),
        ("Golden cat", 500, 1),
    ]

    bought = shop_api.post(f"{SHOP}/blind-boxes/{box_id}/orders", {"quantity": 2, "address_id": address.pk})
    assert bought.status_code == 201, bought.content
    assert bought.json()["payable_amount"] == 9800 + 1000  # below the free-shipping threshold
    too_many = shop_api.post(f"{SHOP}/blind-boxes/{box_id}/orders", {"quantity": 5, "address_id": address.pk})
    assert (too_many.status_code, too_many.json()["code"]) == (409, "boxes_sold_out")
    assert Order.objects.count() == 1
    pay(customer, Order.objects.get(pk=bought.json()["id"]))

    mine = shop_api.get(f"{SHOP}/draws").json()["items"]
    assert sorted(d["unit"] for d in mine) == [1, 2]
    assert all(d["status"] == "drawn" and d["prize"] is not None for d in mine)
    stats = staff_api.get(f"{ADMIN}/blind-boxes/{box_id}/stats").json()
    # The box SKU lists at 59.00 and sells at 49.00: 2 boxes, 98.00 paid, 20.00 off.
    assert (stats["orders"], stats["units"], stats["gmv"], stats["discount_cost"]) == (1, 2, 9800, 2000)
    assert sum(p["won"] for p in stats["prizes"]) == 2
    listed = staff_api.get(f"{ADMIN}/blind-boxes/{box_id}/draws").json()
    assert listed["count"] == 2 and all(d["pool"]["entries"] for d in listed["items"])


def test_permissions_and_other_merchants(make_staff, window, staff_api):
    from siyu.testing.factories import make_merchant

    body = {
        "name": "A",
        "assists_needed": 2,
        "hours": 24,
        "reward_kind": "points",
        "reward_value": 1,
        **_iso(window),
    }
    guide = ApiClient(issue_staff_token(staff=make_staff(Role.GUIDE)))
    assert guide.post(f"{ADMIN}/assists", body).status_code == 403
    analyst = ApiClient(issue_staff_token(staff=make_staff(Role.ANALYST)))
    assert analyst.post(f"{ADMIN}/assists", body).status_code == 403
    assist_id = staff_api.post(f"{ADMIN}/assists", body).json()["id"]
    assert analyst.get(f"{ADMIN}/assists/{assist_id}/stats").status_code == 200

    other = make_staff(Role.OWNER, m=make_merchant("other"))
    outsider = ApiClient(issue_staff_token(staff=other))
    assert outsider.get(f"{ADMIN}/assists/{assist_id}").status_code == 404
    assert outsider.post(f"{ADMIN}/assists/{assist_id}/pause").status_code == 404
    assert staff_api.get(f"{ADMIN}/assists/{assist_id}").json()["status"] == "active"


def test_shop_draw_of_someone_elses_chance_is_404(shop_api, customer_login, make_lottery, sku):
    from siyu.members.services import save_address
    from siyu.testing.flows import place

    make_lottery()
    bob = customer_login("bob")[0]
    addr = save_address(customer=bob, recipient="b", phone="13800000001", province="p", city="c", detail="d")
    pay(bob, place(bob, [(sku.pk, 2)], address=addr))
    chance = Draw.objects.get()

    response = shop_api.post(f"{SHOP}/draws/{chance.pk}/draw")

    assert response.status_code == 404
    assert Draw.objects.get().status == "pending"


def test_chance_lapses_in_days(make_lottery, customer, sku, address, now):
    from siyu.testing.flows import place

    make_lottery(chance_days=3)
    pay(customer, place(customer, [(sku.pk, 2)], address=address))
    expires = Draw.objects.get().expires_at
    assert expires is not None and now + timedelta(days=3) <= expires <= now + timedelta(days=3, minutes=5)
