"""Pickers: the searches behind them (exact rows, one query a page, the merchant's own rows only,
phones masked as the role requires) and the forms that use them (edit pages show what was picked by
name; a picked segment gets a targeted coupon; a discount reads back in 折)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from siyu.audience import services as audience
from siyu.catalog.models import Category
from siyu.catalog.services import SkuInput, create_product
from siyu.promotions import services as svc
from siyu.promotions.models import Coupon, CouponTemplate
from siyu.tenancy.models import Role
from siyu.testing import rows
from siyu.testing.factories import make_merchant, make_staff, make_template
from siyu.testing.snapshots import refused

pytestmark = pytest.mark.django_db


def _picked(html: str) -> list[int]:
    """The ids of the result rows, in page order."""
    return [int(i) for i in re.findall(r'data-testid="pick-(\d+)"', html)]


@pytest.fixture
def shelf(merchant):
    """Tea > Green tea: 明前龙井 (two SKUs, one with a barcode), 白毫银针; a cup with no category."""
    tea = Category.objects.create(merchant=merchant, name="茶叶")
    green = Category.objects.create(merchant=merchant, name="绿茶", parent=tea)

    def product(name, category, *skus):
        return create_product(
            merchant=merchant,
            name=name,
            category_id=category.pk if category else None,
            skus=list(skus),
            status="on_sale",
            acting_staff=None,
        )

    longjing = product(
        "明前龙井",
        green,
        SkuInput(code="LJ-250", price=12_800, stock=40, specs={"规格": "250g"}, barcode="6901234567890"),
        SkuInput(code="LJ-500", price=23_800, stock=12, specs={"规格": "500g"}),
    )
    baihao = product("白毫银针", tea, SkuInput(code="BH-100", price=9_900, stock=30))
    cup = product("玻璃杯", None, SkuInput(code="CUP-1", price=2_500, stock=0))
    return {
        "tea": tea,
        "green": green,
        "lj250": longjing.skus.get(code="LJ-250"),
        "lj500": longjing.skus.get(code="LJ-500"),
        "bh": baihao.skus.get(),
        "cup": cup.skus.get(),
        "longjing": longjing,
        "baihao": baihao,
        "cup_product": cup,
    }


def test_the_sku_picker_finds_by_name_code_barcode_and_category(console, shelf):
    lj250, lj500, bh, cup = shelf["lj250"], shelf["lj500"], shelf["bh"], shelf["cup"]

    def search(query: str) -> list[int]:
        response = console.get(f"/console/pick/skus/?{query}")
        assert response.status_code == 200
        return _picked(response.content.decode())

    # Newest product first, then its SKUs in order.
    assert search("") == [cup.pk, bh.pk, lj250.pk, lj500.pk]
    assert search("q=龙井") == [lj250.pk, lj500.pk]
    assert search("q=lj-5") == [lj500.pk]
    assert search("q=6901234567890") == [lj250.pk]
    assert search("q=绿茶") == [lj250.pk, lj500.pk]
    assert search(f"category={shelf['tea'].pk}") == [bh.pk, lj250.pk, lj500.pk]  # and its children
    assert search(f"category={shelf['green'].pk}&q=500") == [lj500.pk]
    assert search("q=没有这个") == []

    html = console.get("/console/pick/skus/?q=LJ-250").content.decode()
    row = html.split(f'data-testid="pick-{lj250.pk}"')[1].split("</button>")[0]
    assert 'data-price="12800">¥128.00<' in row and 'data-stock="40"' in row
    assert "250g" in row and "<code>LJ-250</code>" in row and "绿茶" in row


def test_the_picker_opens_with_its_search_box_and_the_categories(console, shelf):
    html = console.get("/console/pick/skus/?open=1").content.decode()

    assert 'data-testid="picker-q"' in html and 'data-testid="picker-results"' in html
    assert f'<option value="{shelf["green"].pk}">茶叶 / 绿茶</option>' in html
    assert len(_picked(html)) == 4


def test_another_merchants_skus_are_never_offered(console, shelf):
    other = make_merchant("x")
    create_product(
        merchant=other,
        name="明前龙井 别家",
        skus=[SkuInput(code="X-LJ", price=100)],
        status="on_sale",
        acting_staff=None,
    )

    assert _picked(console.get("/console/pick/skus/?q=龙井").content.decode()) == [
        shelf["lj250"].pk,
        shelf["lj500"].pk,
    ]
    assert _picked(console.get("/console/pick/products/?q=龙井").content.decode()) == [shelf["longjing"].pk]


def test_the_product_picker_shows_the_lowest_price_and_the_stock_of_all_skus(console, shelf):
    html = console.get("/console/pick/products/?q=LJ").content.decode()

    row = html.split(f'data-testid="pick-{shelf["longjing"].pk}"')[1].split("</button>")[0]
    assert 'data-price="12800"' in row and 'data-stock="52"' in row
    assert _picked(console.get("/console/pick/products/").content.decode()) == [
        shelf["cup_product"].pk,
        shelf["baihao"].pk,
        shelf["longjing"].pk,
    ]


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("kind", ["skus", "products", "customers", "segments"])
def test_a_page_of_results_takes_the_same_queries_for_2_and_13_rows(kind, console, owner, merchant):
    def add(n: int) -> None:
        for i in range(n):
            if kind in ("skus", "products"):
                create_product(
                    merchant=merchant,
                    name=f"茶{i}",
                    skus=[SkuInput(code=f"{kind}-{i}-{n}", price=100, stock=5)],
                    status="on_sale",
                    acting_staff=None,
                )
            elif kind == "customers":
                rows.customer(merchant, phone=f"1380000{n:02d}{i:02d}")
            else:
                audience.create_segment(
                    staff=owner, name=f"人群{n}-{i}", rule={"all": [{"semi_private": True}]}
                )

    add(2)
    few = _queries(console, f"/console/pick/{kind}/")
    add(11)
    many = _queries(console, f"/console/pick/{kind}/")

    assert few == many
    html = console.get(f"/console/pick/{kind}/").content.decode()
    assert len(_picked(html)) == 12 and 'data-role="more"' in html
    assert len(_picked(console.get(f"/console/pick/{kind}/?page=2").content.decode())) == 1


def test_the_customer_picker_masks_phones_for_every_role(console, console_as, merchant):
    alice = rows.customer(merchant, nickname="爱丽丝", phone="13812345678", city="上海")
    rows.customer(merchant, nickname="鲍勃", phone="13900000000")
    analyst, _staff = console_as(Role.ANALYST)

    assert _picked(console.get("/console/pick/customers/?q=爱丽").content.decode()) == [alice.pk]
    assert _picked(console.get("/console/pick/customers/?q=13812345678").content.decode()) == [alice.pk]
    assert _picked(console.get(f"/console/pick/customers/?q=%23{alice.pk}").content.decode()) == [alice.pk]
    owners = console.get("/console/pick/customers/?q=爱丽").content.decode()
    assert "138****5678" in owners and "13812345678" not in owners  # docs/guides.md: masked everywhere
    masked = analyst.get("/console/pick/customers/?q=爱丽").content.decode()
    assert "138****5678" in masked and "13812345678" not in masked


@pytest.mark.parametrize(
    ("role", "url", "status"),
    [
        (Role.OUTLET_MANAGER, "/console/pick/customers/", 200),  # their outlets' guides' customers
        (Role.OUTLET_MANAGER, "/console/pick/segments/", 200),
        (Role.OUTLET_MANAGER, "/console/pick/skus/", 200),
        (Role.GUIDE, "/console/pick/skus/", 200),
    ],
)
def test_each_picker_asks_for_the_permission_of_what_it_shows(role, url, status, console_as):
    client, _staff = console_as(role)

    assert client.get(url).status_code == status


def test_a_bad_search_is_a_400(console):
    assert console.get("/console/pick/skus/?page=0").status_code == 400
    assert console.get("/console/pick/skus/?category=abc").status_code == 400


# ---- the forms that use them --------------------------------------------------------------------------


def test_a_coupon_scoped_by_picked_goods_shows_them_by_name(console, owner, shelf):
    data = {
        "title": "龙井9折",
        "kind": "percent",
        "rate": "9",
        "validity": "after_claim",
        "valid_days": "7",
        "per_customer_limit": "1",
        "code_mode": "none",
        "scope_sku_ids": [shelf["lj250"].pk, shelf["bh"].pk],
        "scope_exclude_product_ids": [shelf["cup_product"].pk],
    }

    response = console.post("/console/marketing/coupons/new/", data)

    assert response.status_code == 302, response.content[:2000]
    t = CouponTemplate.objects.get()
    assert (t.rate_bp, t.scope) == (
        9000,
        {
            "sku_ids": sorted([shelf["lj250"].pk, shelf["bh"].pk]),
            "exclude_product_ids": [shelf["cup_product"].pk],
        },
    )
    page = console.get(response["Location"], HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    scope = page.split('data-testid="coupon-scope">')[1].split("</dd>")[0]
    assert "明前龙井 250g LJ-250" in scope and "白毫银针 BH-100" in scope and "玻璃杯" in scope
    edit = console.get(f"/console/marketing/coupons/{t.pk}/edit/").content.decode()
    picker = edit.split('data-testid="picker-scope_sku_ids"')[1].split("<template")[0]
    assert picker.count('class="pick-chip"') == 2
    assert f'name="scope_sku_ids" value="{shelf["lj250"].pk}"' in picker
    assert "明前龙井" in picker and "250g · LJ-250" in picker
    assert 'name="rate" value="9"' in edit


def test_an_edited_bundle_shows_its_skus_by_name_and_saves_picked_ones(console, owner, shelf):
    row = svc.create_promotion(
        staff=owner,
        title="龙井配杯",
        kind="bundle",
        config={
            "components": [
                {"sku_id": shelf["lj250"].pk, "units": 1},
                {"sku_id": shelf["cup"].pk, "units": 2},
            ],
            "price": 15_000,
        },
    )
    form = console.get(f"/console/marketing/promotions/{row.pk}/edit/").content.decode()
    rows_html = form.split('data-testid="picker-components"')[1].split("<template")[0]
    assert rows_html.count("<tr data-row>") == 2
    assert (
        "明前龙井" in rows_html and "玻璃杯" in rows_html and 'name="components-units" value="2"' in rows_html
    )

    data = {
        "title": "龙井配杯",
        "priority": "100",
        "components-sku": [shelf["lj500"].pk, shelf["cup"].pk],
        "components-units": ["1", "1"],
        "price": "240",
    }
    assert console.post(f"/console/marketing/promotions/{row.pk}/edit/", data).status_code == 302
    row.refresh_from_db()
    assert row.config == {
        "components": [{"sku_id": shelf["lj500"].pk, "units": 1}, {"sku_id": shelf["cup"].pk, "units": 1}],
        "price": 24_000,
    }
    detail = console.get(f"/console/marketing/promotions/{row.pk}/").content.decode()
    assert "明前龙井 500g LJ-500" in detail


def test_a_coupon_goes_to_every_member_of_a_picked_segment(console, owner, merchant):
    template = make_template(owner, total_quantity=10)
    members = [rows.customer(merchant, city="上海") for _ in range(3)]
    rows.customer(merchant, city="北京")
    segment = audience.create_segment(
        staff=owner, name="上海客户", rule={"field": "city", "op": "eq", "value": "上海"}
    )
    url = f"/console/marketing/coupons/{template.pk}/issue/"

    response = console.post(url, {"segment": segment.pk, "batch_key": "sh-1"})

    assert response.status_code == 302
    assert sorted(Coupon.objects.filter(template=template).values_list("customer_id", flat=True)) == [
        c.pk for c in members
    ]
    other = audience.create_segment(
        staff=make_staff(make_merchant("x")), name="别家", rule={"field": "city", "op": "eq", "value": "上海"}
    )
    refused(console, url, {"segment": other.pk}, merchant, 400)
    both = refused(console, url, {"segment": segment.pk, "customers": [members[0].pk]}, merchant, 400)
    assert "Pick customers or a segment, not both." in both.content.decode()


def test_the_coupon_page_offers_the_customer_and_segment_pickers(console, owner):
    template = make_template(owner)

    html = console.get(f"/console/marketing/coupons/{template.pk}/").content.decode()

    assert 'data-testid="picker-customers"' in html and 'data-url="/console/pick/customers/"' in html
    assert 'data-testid="picker-segment"' in html and 'data-url="/console/pick/segments/"' in html
    assert "/static/console/picker.js" in html


@pytest.mark.parametrize(("lang", "text"), [("zh-hans", "按 8.5折 支付"), ("en", "pays 85%")])
def test_a_discount_reads_back_in_zhe(lang, text, console, owner):
    template = make_template(owner, kind="percent", amount=0, rate_bp=8500, threshold=0)

    html = console.get(
        f"/console/marketing/coupons/{template.pk}/", HTTP_ACCEPT_LANGUAGE=lang
    ).content.decode()

    assert text in html
