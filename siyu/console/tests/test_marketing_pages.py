"""营销 pages: each renders for a role that may read it and is refused for one that may not; lists
page server-side in a number of queries that does not grow with rows; list numbers add up."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from siyu.console.playbooks import PLAYBOOKS
from siyu.promotions import selectors as promotion_selectors
from siyu.promotions import services as svc
from siyu.promotions.flashsale import selectors as flash_selectors
from siyu.promotions.flashsale.services.buying import BuyRequest, buy_flash_sale
from siyu.promotions.flashsale.services.manage import ItemInput, create_flash_sale
from siyu.promotions.models import PromotionKind
from siyu.tenancy.models import Role
from siyu.testing.clients import log_in
from siyu.testing.flows import pay
from siyu.testing.worlds import activity_skus, add_activities

pytestmark = pytest.mark.django_db


def _template(owner, title: str = "满100减20", **kw):
    fields = {
        "kind": "amount",
        "amount": 2000,
        "threshold": 10000,
        "valid_until": timezone.now() + timedelta(days=30),
    }
    return svc.create_template(staff=owner, title=title, **{**fields, **kw})


def _promotion(owner, title: str = "满200减30"):
    return svc.create_promotion(
        staff=owner, title=title, kind="tiered", config={"tiers": [{"threshold": 20000, "reduce": 3000}]}
    )


@pytest.fixture
def marketing(owner):
    activities = add_activities(owner, "m")
    return {"template": _template(owner), "promotion": _promotion(owner), "activities": activities}


def _read_pages(m) -> list[str]:
    t, p = m["template"].pk, m["promotion"].pk
    urls = [
        "/console/marketing/",
        "/console/marketing/coupons/",
        f"/console/marketing/coupons/{t}/",
        "/console/marketing/promotions/",
        f"/console/marketing/promotions/{p}/",
        "/console/marketing/pricing-policy/",
        "/console/marketing/activities/",
    ]
    for key, _book in PLAYBOOKS.items():
        urls += [
            reverse(f"console:{key}_list"),
            reverse(f"console:{key}", args=[m["activities"].rows[key].pk]),
        ]
    return urls


def _write_pages(m) -> list[str]:
    urls = [
        "/console/marketing/coupons/new/",
        f"/console/marketing/coupons/{m['template'].pk}/edit/",
        f"/console/marketing/promotions/{m['promotion'].pk}/edit/",
    ]
    urls += [f"/console/marketing/promotions/new/?kind={k}" for k in PromotionKind.values]
    return urls + [reverse(f"console:{key}_new") for key in PLAYBOOKS]


def test_every_marketing_page_renders_for_the_owner(marketing, owner):
    client = log_in(owner)
    for url in _read_pages(marketing) + _write_pages(marketing):
        response = client.get(url)
        assert response.status_code == 200, (url, response.content[:800])
        assert "<html" in response.content.decode(), url


def test_an_analyst_reads_marketing_but_gets_no_edit_pages_or_buttons(marketing, console_as):
    client, _analyst = console_as(Role.ANALYST)
    for url in _read_pages(marketing):
        assert client.get(url).status_code == 200, url
    for url in _write_pages(marketing):
        response = client.get(url)
        assert response.status_code == 403, url
        assert 'data-code="permission_denied"' in response.content.decode()
    coupons = client.get("/console/marketing/coupons/").content.decode()
    coupon = client.get(f"/console/marketing/coupons/{marketing['template'].pk}/").content.decode()
    sale = client.get(reverse("console:flash_sale", args=[marketing["activities"].rows["flash_sale"].pk]))
    assert 'data-testid="new-coupon"' not in coupons
    assert 'data-testid="issue-form"' not in coupon and "coupon_status" not in coupon
    assert "data-action=" not in sale.content.decode()


@pytest.mark.parametrize("role", [Role.GUIDE, Role.SERVICE, Role.OUTLET_MANAGER])
def test_roles_without_promotions_view_are_refused_every_marketing_page(role, marketing, console_as):
    client, _staff = console_as(role)
    for url in _read_pages(marketing):
        response = client.get(url)
        assert response.status_code == 403, (role, url)
    assert 'data-module="marketing"' not in client.get("/console/orders/").content.decode()


def test_the_marketing_nav_lists_its_pages(marketing, owner):
    html = log_in(owner).get("/console/marketing/coupons/").content.decode()
    nav = html.split('class="sidenav"')[1].split("</nav>")[0]
    for url in (
        "/console/marketing/coupons/",
        "/console/marketing/promotions/",
        "/console/marketing/activities/",
    ):
        assert f'href="{url}"' in nav
    assert 'class="current">Coupons<' in nav


# ---- query counts that do not grow with rows --------------------------------------------------------


def _coupon_rows(owner, n: int) -> None:
    for i in range(n):
        _template(owner, title=f"券{i}")


def _promotion_rows(owner, n: int) -> None:
    for i in range(n):
        _promotion(owner, title=f"促{i}")


def _counted(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("url", "make"),
    [("/console/marketing/coupons/", _coupon_rows), ("/console/marketing/promotions/", _promotion_rows)],
)
def test_coupon_and_promotion_lists_take_the_same_queries_for_3_and_30_rows(url, make, owner):
    client = log_in(owner)
    make(owner, 3)
    few = _counted(client, url)
    make(owner, 27)
    many = _counted(client, url)
    html = client.get(url).content.decode()
    assert few == many <= 7, (few, many)
    assert "30 results" in html and "Page 1 of 2" in html


def test_every_playbook_list_takes_the_same_queries_for_3_and_30_rows(owner):
    client = log_in(owner)
    skus = activity_skus(owner, "q")
    for slot in range(3):
        add_activities(owner, "q", skus=skus, slot=slot)
    few = {key: _counted(client, reverse(f"console:{key}_list")) for key in PLAYBOOKS}
    for slot in range(3, 30):
        add_activities(owner, "q", skus=skus, slot=slot)
    many = {key: _counted(client, reverse(f"console:{key}_list")) for key in PLAYBOOKS}
    assert few == many
    assert max(many.values()) <= 6, many
    page = client.get(reverse("console:group_buy_list")).content.decode()
    assert page.count("data-activity=") == 20 and "30 results" in page


# ---- the numbers a list shows are the playbook's own --------------------------------------------------


def test_a_flash_sale_row_shows_its_participants_orders_gmv_and_discount(owner, customer, address):
    sku = activity_skus(owner, "f")[0]
    now = timezone.now()
    sale = create_flash_sale(
        staff=owner,
        title="限时秒杀",
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(hours=1),
        items=[ItemInput(sku.pk, 6_000, 10)],
        per_customer_limit=2,
    )
    order, _created = buy_flash_sale(
        customer=customer, request=BuyRequest(sale.pk, sku.pk, 2, address_id=address.pk)
    )
    pay(customer, order)
    stats = flash_selectors.flash_sale_stats(sale)

    page = log_in(owner).get("/console/marketing/flash-sales/").content.decode()

    row = page.split(f'data-activity="{sale.pk}"')[1].split("</tr>")[0]
    assert (stats["participants"], stats["orders_paid"], stats["gmv"], stats["discount_cost"]) == (
        1,
        1,
        12_000,
        8_000,
    )
    assert 'data-stat="participants">1<' in row and 'data-stat="orders">1<' in row
    assert 'data-stat="gmv">¥120.00<' in row and 'data-stat="discount">¥80.00<' in row
    detail = log_in(owner).get(f"/console/marketing/flash-sales/{sale.pk}/").content.decode()
    assert "<dt>GMV</dt><dd>¥120.00</dd>" in detail and "<dt>Participants</dt><dd>1</dd>" in detail


def test_the_coupon_page_shows_the_template_stats(owner, customer):
    template = _template(owner, per_customer_limit=3)
    for _ in range(3):
        svc.claim_coupon(customer=customer, template_id=template.pk)
    template.refresh_from_db()
    stats = promotion_selectors.template_stats(template)

    page = log_in(owner).get(f"/console/marketing/coupons/{template.pk}/").content.decode()

    assert stats["issued"] == 3 and stats["used"] == 0
    assert 'data-stat="issued">3<' in page and 'data-stat="used">0<' in page
    assert 'data-stat="use_rate">0.00%<' in page
    listed = log_in(owner).get("/console/marketing/coupons/?status=active&kind=amount").content.decode()
    row = listed.split(f'data-coupon="{template.pk}"')[1].split("</tr>")[0]
    assert '<td class="num">3</td>' in row and "¥20.00" in row and "¥100.00" in row


def test_list_filters_narrow_and_answer_htmx_with_the_table(owner):
    a = _template(owner, title="春季券")
    b = _template(owner, title="夏季券")
    svc.set_template_status(staff=owner, template_id=b.pk, status="paused")
    client = log_in(owner)

    paused = client.get("/console/marketing/coupons/?status=paused").content.decode()
    spring = client.get(
        "/console/marketing/coupons/", {"q": "春"}, headers={"HX-Request": "true"}
    ).content.decode()

    assert f'data-coupon="{b.pk}"' in paused and f'data-coupon="{a.pk}"' not in paused
    assert (
        f'data-coupon="{a.pk}"' in spring and f'data-coupon="{b.pk}"' not in spring and "<html" not in spring
    )
    assert client.get("/console/marketing/coupons/?status=lost").status_code == 400
    assert client.get("/console/marketing/flash-sales/?status=lost").status_code == 400
