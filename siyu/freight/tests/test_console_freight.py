"""订单 > 运费模板 in the console, driven through its pages with the test client."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from siyu.catalog.models import Product
from siyu.freight.models import FreightRule, FreightTemplate
from siyu.tenancy.models import AuditEntry, Role
from siyu.testing.clients import log_in
from siyu.testing.factories import make_merchant
from siyu.testing.factories import make_staff as staff_of
from siyu.testing.freight import piece_template
from siyu.testing.pages import texts
from siyu.testing.snapshots import refused

pytestmark = pytest.mark.django_db
NEW = "/console/freight/new/"
FORM = {
    "name": "江浙沪包邮",
    "basis_choice": "piece",
    "first_units": "1",
    "first_fee": "8",
    "additional_units": "1",
    "additional_fee": "3.50",
    "free_over_amount": "99",
    "free_over_pieces": "",
    "excluded_regions": ["540000", "653100"],
}


def test_the_owner_creates_and_edits_a_template(owner):
    client = log_in(owner, language="zh-hans")
    page = client.get(NEW)
    assert page.status_code == 200
    assert 'data-testid="region-picker-excluded_regions"' in page.content.decode()

    response = client.post(NEW, FORM)
    template = FreightTemplate.objects.get()
    assert response["Location"] == f"/console/freight/{template.pk}/"
    assert (template.name, template.basis, template.is_default) == ("江浙沪包邮", "piece", False)
    charge = (template.first_units, template.first_fee, template.additional_units, template.additional_fee)
    assert charge == (1, 800, 1, 350)
    assert (template.free_over_amount, template.free_over_pieces) == (9900, None)
    assert template.excluded_regions == ["540000", "653100"]
    assert AuditEntry.objects.filter(action="freighttemplate.create", object_id=str(template.pk)).count() == 1

    # by weight: 0.5 kg steps; Xinjiang ticked with one of its cities keeps only the province
    edit = {
        **FORM,
        "basis_choice": "weight",
        "first_units": "1",
        "additional_units": "0.5",
        "is_default": "on",
        "excluded_regions": ["650000", "653100"],
    }
    response = client.post(f"/console/freight/{template.pk}/", edit)
    assert response.status_code == 302
    template.refresh_from_db()
    assert (template.basis, template.first_units, template.additional_units, template.is_default) == (
        "weight",
        1000,
        500,
        True,
    )
    assert template.excluded_regions == ["650000"]

    listing = client.get("/console/freight/").content.decode()
    row = texts(listing, "template-row")[0]
    assert row.startswith("江浙沪包邮 默认 按重量")
    assert "首重1 kg ¥8.00，续重0.5 kg ¥3.50；满¥99.00包邮" in row, row
    assert "新疆维吾尔自治区" in row


def test_rules_name_regions_once_per_template(owner, merchant):
    template = piece_template(owner)  # Xinjiang has a rule already
    client = log_in(owner)
    url = f"/console/freight/{template.pk}/rules/new/"
    rule = {"first_units": "2", "first_fee": "12", "additional_units": "1", "additional_fee": "6"}
    response = client.post(url, {**rule, "regions": ["330000", "310000", "320100"]})
    assert response.status_code == 302
    added = FreightRule.objects.order_by("-id").first()
    assert added is not None
    assert (added.regions, added.first_units, added.first_fee, added.additional_fee) == (
        ["310000", "320100", "330000"],
        2,
        1200,
        600,
    )
    page = client.get(f"/console/freight/{template.pk}/").content.decode()
    assert "上海市, 江苏省 南京市, 浙江省" in texts(page, "rule-row")[1]

    taken = refused(client, url, {**rule, "regions": ["650000"]}, merchant, 400, "freight_template_invalid")
    assert "650000" in taken.content.decode()
    refused(client, url, {**rule, "regions": []}, merchant, 400)
    refused(client, url, {**rule, "regions": ["999999"]}, merchant, 400)
    refused(client, url, {**rule, "first_units": "1.5", "regions": ["440000"]}, merchant, 400)
    refused(client, url, {**rule, "first_fee": "-1", "regions": ["440000"]}, merchant, 400)

    response = client.post(
        f"/console/freight/{template.pk}/rules/{added.pk}/", {**rule, "regions": ["440000"]}
    )
    assert response.status_code == 302
    added.refresh_from_db()
    assert added.regions == ["440000"]
    client.post(f"/console/freight/{template.pk}/rules/{added.pk}/delete/")
    assert not FreightRule.objects.filter(pk=added.pk).exists()


def test_bad_template_input_changes_nothing(owner, merchant):
    piece_template(owner, name="已有")
    client = log_in(owner)
    for bad in (
        {"name": "已有"},  # names are unique per merchant
        {"name": ""},
        {"first_units": "0"},
        {"first_units": "1.5"},  # by piece: whole pieces
        {"additional_fee": "abc"},
        {"excluded_regions": ["330106"]},  # a district: provinces and cities only
        {"basis_choice": "volume"},
    ):
        refused(client, NEW, {**FORM, **bad}, merchant, 400)


def test_templates_are_assigned_to_products_on_the_template_page(owner, make_product, merchant):
    tea, rice, socks = make_product("龙井"), make_product("大米"), make_product("袜子")
    template = piece_template(owner, [socks])
    client = log_in(owner)
    url = f"/console/freight/{template.pk}/products/"
    assert texts(client.get(url).content.decode(), "product-row") == [
        "龙井 On sale Default",
        "大米 On sale Default",
        "袜子 On sale 按件",
    ]
    response = client.post(url, {"product_ids": [tea.pk, rice.pk]})
    assert response.status_code == 302
    using = dict(Product.objects.values_list("name", "freight_template_id"))
    assert using == {"龙井": template.pk, "大米": template.pk, "袜子": None}
    assert client.post(url, {}).status_code == 302  # nothing ticked: every product leaves it
    assert not Product.objects.filter(freight_template=template).exists()
    refused(client, url, {"product_ids": ["abc"]}, merchant, 400, "freight_template_invalid")


def test_staff_without_freight_edit_may_look_but_not_change(make_staff, owner, merchant):
    template = piece_template(owner)
    guide = log_in(make_staff(Role.GUIDE))
    assert guide.get("/console/freight/").status_code == 200
    assert guide.get(f"/console/freight/{template.pk}/").status_code == 200
    assert guide.get(NEW).status_code == 403
    refused(guide, NEW, FORM, merchant, 403)
    refused(guide, f"/console/freight/{template.pk}/", FORM, merchant, 403)
    refused(guide, f"/console/freight/{template.pk}/delete/", {}, merchant, 403)


def test_other_merchants_templates_are_not_found(owner):
    theirs = piece_template(staff_of(make_merchant("coffee")))
    client = log_in(owner)
    assert client.get(f"/console/freight/{theirs.pk}/").status_code == 404
    assert client.post(f"/console/freight/{theirs.pk}/delete/").status_code == 404
    assert FreightTemplate.objects.filter(pk=theirs.pk).exists()


def test_the_list_page_costs_the_same_queries_for_one_or_many_templates(owner):
    client = log_in(owner)
    piece_template(owner, name="一")
    with CaptureQueriesContext(connection) as one:
        assert client.get("/console/freight/").status_code == 200
    for name in ("二", "三", "四"):
        piece_template(owner, name=name)
    with CaptureQueriesContext(connection) as four:
        response = client.get("/console/freight/")
    assert len(texts(response.content.decode(), "template-row")) == 4
    assert len(four) == len(one)


def test_deleting_a_template_sends_its_products_back_to_the_default(owner, make_product):
    tea = make_product("龙井")
    template = piece_template(owner, [tea])
    client = log_in(owner)
    response = client.post(f"/console/freight/{template.pk}/delete/")
    assert response["Location"] == "/console/freight/"
    tea.refresh_from_db()
    assert tea.freight_template_id is None
    assert not FreightTemplate.objects.exists()
