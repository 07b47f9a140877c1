"""Staff routes: create, edit, publish, pause, resume, end, list; conflicts and permissions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from siyu.promotions.flashsale.models import FlashSale, FlashSaleItem, FlashSaleStatus
from siyu.promotions.flashsale.services import manage
from siyu.tenancy.models import AuditEntry, Role
from siyu.tenancy.services import issue_staff_token
from siyu.testing.clients import ApiClient
from siyu.testing.factories import make_merchant

URL = "/api/v1/admin/flash-sales"


@pytest.fixture(autouse=True)
def _no_redis(no_redis):
    return None


def at(minutes: float) -> str:
    return (timezone.now() + timedelta(minutes=minutes)).isoformat()


def body(*items, starts=-1, ends=60, **extra):
    return {
        "title": "双11秒杀",
        "starts_at": at(starts),
        "ends_at": at(ends),
        "per_customer_limit": 2,
        "items": [{"sku_id": s.pk, "price": p, "quota": q} for s, p, q in items],
        **extra,
    }


def item_rows(sale_id: int) -> list[tuple[int, int, int]]:
    return list(
        FlashSaleItem.objects.filter(flash_sale_id=sale_id)
        .order_by("sort_order")
        .values_list("sku_id", "price", "quota")
    )


def test_create_publishes_a_sale_with_its_items(staff_api, make_product, owner):
    a, b = make_product(price=5000).skus.get(), make_product(price=8000).skus.get()
    resp = staff_api.post(URL, body((a, 1990, 100), (b, 4990, 20), payment_minutes=10))

    assert resp.status_code == 201, resp.json()
    data = resp.json()
    assert (data["status"], data["phase"], data["selling"]) == ("scheduled", "running", True)
    assert (data["per_customer_limit"], data["payment_minutes"]) == (2, 10)
    assert [
        (i["sku_id"], i["price"], i["flash_price"], i["quota"], i["remaining"]) for i in data["items"]
    ] == [
        (a.pk, 5000, 1990, 100, 100),
        (b.pk, 8000, 4990, 20, 20),
    ]
    audit = AuditEntry.objects.get(action="flash_sale.create")
    assert (audit.staff_id, audit.object_id) == (owner.pk, str(data["id"]))
    assert audit.after["items"] == [
        {"sku_id": a.pk, "price": 1990, "quota": 100},
        {"sku_id": b.pk, "price": 4990, "quota": 20},
    ]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"price": 5000}, "flash_sale_invalid"),  # not below the SKU's price
        ({"ends": -5}, "flash_sale_invalid"),  # already over
        ({"starts": 30, "ends": 10}, "flash_sale_invalid"),  # ends before it starts
        ({"payment_minutes": 31}, "flash_sale_invalid"),  # longer than the shop's 30 minutes
        ({"twice": True}, "flash_sale_invalid"),
        ({"quota": 0}, "validation_error"),
    ],
)
def test_invalid_sales_are_refused_and_nothing_is_created(staff_api, sku, change, code):
    items = [(sku, change.get("price", 1990), change.get("quota", 10))]
    if change.get("twice"):
        items.append((sku, 1990, 5))
    extra = {"payment_minutes": change["payment_minutes"]} if "payment_minutes" in change else {}
    resp = staff_api.post(
        URL, body(*items, starts=change.get("starts", -1), ends=change.get("ends", 60), **extra)
    )
    assert resp.json()["code"] == code
    assert FlashSale.objects.count() == 0 and FlashSaleItem.objects.count() == 0
    assert not AuditEntry.objects.filter(action__startswith="flash_sale").exists()


def test_another_merchants_sku_is_not_found(staff_api, make_product):
    other = make_merchant("other")
    foreign = make_product(m=other).skus.get()
    resp = staff_api.post(URL, body((foreign, 1990, 10)))
    assert resp.status_code == 404
    assert FlashSale.objects.count() == 0


def test_overlapping_sale_on_the_same_sku_is_refused(staff_api, make_product):
    sku, other = make_product().skus.get(), make_product().skus.get()
    first = staff_api.post(URL, body((sku, 1990, 10), starts=-1, ends=60)).json()

    overlap = staff_api.post(URL, body((other, 990, 5), (sku, 2990, 10), starts=30, ends=90))
    assert overlap.status_code == 409
    assert overlap.json()["code"] == "flash_sale_conflict"
    assert overlap.json()["detail"] == {"conflicts": [{"sku_id": sku.pk, "flash_sale_ids": [first["id"]]}]}
    assert FlashSale.objects.count() == 1

    after = staff_api.post(URL, body((sku, 2990, 10), starts=60, ends=120))  # back to back: no overlap
    assert after.status_code == 201
    elsewhere = staff_api.post(URL, body((other, 990, 5), starts=30, ends=90))
    assert elsewhere.status_code == 201


def test_drafts_and_ended_sales_do_not_block_but_publishing_checks(staff_api, sku):
    draft = staff_api.post(URL, body((sku, 1990, 10), publish=False)).json()
    assert draft["status"] == "draft"
    live = staff_api.post(URL, body((sku, 2990, 10))).json()

    refused = staff_api.post(f"{URL}/{draft['id']}/publish")
    assert (refused.status_code, refused.json()["code"]) == (409, "flash_sale_conflict")
    assert FlashSale.objects.get(pk=draft["id"]).status == FlashSaleStatus.DRAFT

    assert staff_api.post(f"{URL}/{live['id']}/end").json()["status"] == "ended"
    published = staff_api.post(f"{URL}/{draft['id']}/publish")
    assert published.status_code == 200
    assert published.json()["status"] == "scheduled"
    assert published.json()["published_at"] is not None


def test_pause_resume_end_follow_the_state_machine(staff_api, sku):
    sale = staff_api.post(URL, body((sku, 1990, 10))).json()
    sid = sale["id"]

    assert staff_api.post(f"{URL}/{sid}/pause").json()["phase"] == "paused"
    again = staff_api.post(f"{URL}/{sid}/pause")
    assert (again.status_code, again.json()["code"]) == (409, "invalid_state")
    assert staff_api.post(f"{URL}/{sid}/resume").json()["status"] == "running"  # it has started
    ended = staff_api.post(f"{URL}/{sid}/end").json()
    assert (ended["status"], ended["phase"]) == ("ended", "ended")
    assert ended["ended_at"] is not None
    late = staff_api.post(f"{URL}/{sid}/resume")
    assert late.json()["code"] == "invalid_state"
    edit = staff_api.patch(f"{URL}/{sid}", {"title": "again"})
    assert (edit.status_code, edit.json()["code"]) == (409, "flash_sale_locked")
    assert list(
        AuditEntry.objects.filter(object_type="flashsale.flashsale", object_id=str(sid))
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["flash_sale.create", "flash_sale.pause", "flash_sale.resume", "flash_sale.end"]


def test_resuming_before_the_start_goes_back_to_scheduled(staff_api, sku):
    sid = staff_api.post(URL, body((sku, 1990, 10), starts=30, ends=90)).json()["id"]
    staff_api.post(f"{URL}/{sid}/pause")
    assert staff_api.post(f"{URL}/{sid}/resume").json()["status"] == "scheduled"


def test_before_the_start_everything_can_change(staff_api, make_product):
    a, b = make_product().skus.get(), make_product().skus.get()
    sid = staff_api.post(URL, body((a, 1990, 10), starts=30, ends=90)).json()["id"]

    resp = staff_api.patch(
        f"{URL}/{sid}",
        {
            "title": "提前秒杀",
            "starts_at": at(20),
            "per_customer_limit": 1,
            "payment_minutes": 5,
            "items": [
                {"sku_id": b.pk, "price": 990, "quota": 3},
                {"sku_id": a.pk, "price": 1500, "quota": 8},
            ],
        },
    )
    assert resp.status_code == 200, resp.json()
    data = resp.json()
    assert (data["title"], data["per_customer_limit"], data["payment_minutes"]) == ("提前秒杀", 1, 5)
    assert item_rows(sid) == [(b.pk, 990, 3), (a.pk, 1500, 8)]
    cleared = staff_api.patch(
        f"{URL}/{sid}", {"payment_minutes": None, "items": [{"sku_id": a.pk, "price": 1500, "quota": 8}]}
    )
    assert cleared.json()["payment_minutes"] is None
    assert item_rows(sid) == [(a.pk, 1500, 8)]


def test_after_the_start_only_quotas_title_end_and_limit_change(staff_api, make_product, sku):
    other = make_product().skus.get()
    sid = staff_api.post(URL, body((sku, 1990, 10))).json()["id"]
    FlashSaleItem.objects.filter(flash_sale_id=sid).update(reserved=3, sold=4)

    for patch in (
        {"starts_at": at(5)},
        {"items": [{"sku_id": sku.pk, "price": 1000, "quota": 10}]},
        {
            "items": [
                {"sku_id": sku.pk, "price": 1990, "quota": 10},
                {"sku_id": other.pk, "price": 100, "quota": 1},
            ]
        },
        {"items": [{"sku_id": sku.pk, "price": 1990, "quota": 6}]},  # 7 units already taken
    ):
        resp = staff_api.patch(f"{URL}/{sid}", patch)
        assert (resp.status_code, resp.json()["code"]) == (409, "flash_sale_locked"), patch
    assert item_rows(sid) == [(sku.pk, 1990, 10)]

    ok = staff_api.patch(
        f"{URL}/{sid}",
        {
            "title": "加量",
            "ends_at": at(120),
            "per_customer_limit": 3,
            "items": [{"sku_id": sku.pk, "price": 1990, "quota": 7}],
        },
    )
    assert ok.status_code == 200
    assert (ok.json()["title"], ok.json()["per_customer_limit"]) == ("加量", 3)
    assert ok.json()["items"][0]["remaining"] == 0
    assert item_rows(sid) == [(sku.pk, 1990, 7)]


def test_extending_into_another_sale_is_refused(staff_api, sku):
    first = staff_api.post(URL, body((sku, 1990, 10), starts=-1, ends=60)).json()["id"]
    staff_api.post(URL, body((sku, 1990, 10), starts=90, ends=120))
    resp = staff_api.patch(f"{URL}/{first}", {"ends_at": at(100)})
    assert resp.json()["code"] == "flash_sale_conflict"
    assert FlashSale.objects.get(pk=first).ends_at < timezone.now() + timedelta(minutes=61)


def test_list_filters_by_status(staff_api, make_product):
    a, b = make_product().skus.get(), make_product().skus.get()
    live = staff_api.post(URL, body((a, 1990, 10))).json()["id"]
    draft = staff_api.post(URL, body((b, 990, 5), publish=False)).json()["id"]

    everything = staff_api.get(URL).json()
    assert everything["count"] == 2
    assert {s["id"] for s in everything["items"]} == {live, draft}
    drafts = staff_api.get(URL, {"status": "draft"}).json()
    assert [s["id"] for s in drafts["items"]] == [draft]
    assert staff_api.get(f"{URL}/{live}").json()["items"][0]["sku_id"] == a.pk


def test_list_takes_a_fixed_number_of_queries(staff_api, make_product, django_assert_max_num_queries):
    for _ in range(3):
        staff_api.post(URL, body((make_product().skus.get(), 990, 5), publish=False))
    with django_assert_max_num_queries(8):
        assert staff_api.get(URL).json()["count"] == 3


@pytest.mark.parametrize(
    ("role", "reads", "writes"),
    [(Role.OPERATOR, 200, 201), (Role.ANALYST, 200, 403), (Role.GUIDE, 403, 403)],
)
def test_permissions(make_staff, sku, role, reads, writes):
    client = ApiClient(issue_staff_token(staff=make_staff(role)))
    assert client.get(URL).status_code == reads
    resp = client.post(URL, body((sku, 1990, 10)))
    assert resp.status_code == writes
    assert FlashSale.objects.count() == (1 if writes == 201 else 0)


def test_staff_of_another_merchant_see_nothing(staff_api, make_staff, sku):
    sid = staff_api.post(URL, body((sku, 1990, 10))).json()["id"]
    other = make_merchant("other")
    outsider = ApiClient(issue_staff_token(staff=make_staff(Role.OWNER, m=other)))
    assert outsider.get(URL).json()["count"] == 0
    for method, suffix in (("get", ""), ("post", "/pause"), ("post", "/end"), ("get", "/stats")):
        assert getattr(outsider, method)(f"{URL}/{sid}{suffix}").status_code == 404
    assert outsider.patch(f"{URL}/{sid}", {"title": "mine"}).status_code == 404
    assert FlashSale.objects.get(pk=sid).status == FlashSaleStatus.SCHEDULED


def test_the_sweep_moves_statuses_on_the_clock(owner, sku, make_product):
    now = timezone.now()
    soon = manage.create_flash_sale(
        staff=owner,
        title="soon",
        starts_at=now + timedelta(minutes=5),
        ends_at=now + timedelta(minutes=65),
        items=[manage.ItemInput(sku.pk, 1990, 10)],
    )
    other = make_product().skus.get()
    short = manage.create_flash_sale(
        staff=owner,
        title="short",
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(minutes=1),
        items=[manage.ItemInput(other.pk, 1990, 10)],
    )
    result = manage.advance_flash_sales(now=now + timedelta(minutes=6))
    assert result == {"started": 1, "ended": 1, "gates_resynced": 0}
    soon.refresh_from_db()
    short.refresh_from_db()
    assert (soon.status, short.status) == (FlashSaleStatus.RUNNING, FlashSaleStatus.ENDED)
    assert manage.advance_flash_sales(now=now + timedelta(minutes=6)) == {
        "started": 0,
        "ended": 0,
        "gates_resynced": 0,
    }
