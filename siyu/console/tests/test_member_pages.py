"""The 会员 console pages through the test client: the member list, a member's page with its ledgers and
manual adjustments, and who may see and do what."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from siyu.members.loyalty.models import GrowthEntry, Membership, PointsEntry
from siyu.members.services import bind_guide
from siyu.tenancy.models import AuditEntry, Role
from siyu.testing import factories
from siyu.testing.clients import log_in
from siyu.testing.membership import member_world
from siyu.testing.pages import texts
from siyu.testing.snapshots import changed, refused, tenant_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(owner):
    return member_world(owner)


def _key(html: str) -> str:
    found = re.search(r'name="key" value="([0-9a-f]{32})"', html)
    assert found
    return found[1]


def _rows(html: str) -> list[tuple[str, str, str, str, str]]:
    return list(
        zip(
            texts(html, "member-name"),
            texts(html, "member-phone"),
            texts(html, "member-tier"),
            texts(html, "member-points"),
            texts(html, "member-growth"),
            strict=True,
        )
    )


def test_the_member_list_shows_tier_points_growth_and_masked_phones_to_the_owner(console, world):
    html = console.get("/console/members/").content.decode()
    assert _rows(html) == [  # masked for every role: the full number is the 360 page's audited reveal
        ("新人王", "—", "银卡", "0", "0"),
        ("银卡李", "139****1111", "银卡", "50", "0"),
        ("金卡张", "138****5678", "金卡", "300", "1200"),
    ]
    assert 'data-module="members"' in html


def test_a_guide_sees_their_own_members_with_masked_phones(make_staff, world):
    guide = make_staff(Role.GUIDE)
    client = log_in(guide)
    assert texts(client.get("/console/members/").content.decode(), "member-phone") == []
    assert client.get(f"/console/members/{world.gold.pk}/").status_code == 404
    bind_guide(staff=guide, customer_id=world.gold.pk, guide_id=guide.pk, source="share_link")
    html = client.get("/console/members/").content.decode()
    assert texts(html, "member-phone") == ["138****5678"]
    assert client.get(f"/console/members/{world.gold.pk}/").status_code == 200


def test_search_and_tier_filter_find_members_and_newcomers_count_in_the_entry_tier(console, world):
    silver, gold = world.tiers["silver"], world.tiers["gold"]
    assert texts(console.get("/console/members/?q=金卡").content.decode(), "member-name") == ["金卡张"]
    by_phone = console.get("/console/members/?q=13900001111").content.decode()
    assert texts(by_phone, "member-name") == ["银卡李"]
    assert texts(console.get(f"/console/members/?tier={silver.pk}").content.decode(), "member-name") == [
        "新人王",
        "银卡李",
    ]
    assert texts(console.get(f"/console/members/?tier={gold.pk}").content.decode(), "member-name") == [
        "金卡张"
    ]
    assert texts(console.get("/console/members/?tier=none").content.decode(), "member-name") == []


def test_the_list_sorts_by_growth_or_points_members_without_a_row_last(console, world):
    by_growth = console.get("/console/members/?sort=growth").content.decode()
    assert texts(by_growth, "member-name") == ["金卡张", "银卡李", "新人王"]
    by_points = console.get("/console/members/?sort=points").content.decode()
    assert texts(by_points, "member-points") == ["300", "50", "0"]


def test_a_filter_naming_another_merchants_tier_is_refused(console, world):
    other = factories.make_merchant("other")
    other_tier = factories.make_tiers(factories.make_staff(other, Role.OWNER))["gold"]
    response = console.get(f"/console/members/?tier={other_tier.pk}")
    assert response.status_code == 400
    assert 'data-code="invalid_input"' in response.content.decode()


def test_the_member_list_takes_the_same_queries_for_3_or_23_members(
    console, world, merchant, django_assert_num_queries
):
    console.get("/console/members/")  # the session and the language are warm
    with django_assert_num_queries(7) as few:
        console.get("/console/members/")
    for n in range(20):
        factories.log_in_customer(merchant, f"more-{n}")
    with django_assert_num_queries(len(few.captured_queries)):
        html = console.get("/console/members/").content.decode()
    assert len(texts(html, "member-name")) == 20  # one page of 23


def test_the_member_page_shows_the_ledgers_and_benefits(console, world):
    html = console.get(f"/console/members/{world.gold.pk}/").content.decode()
    assert texts(html, "member-tier") == ["金卡"]
    assert texts(html, "member-growth") == ["1200"]
    assert texts(html, "member-points") == ["300"]
    assert texts(html, "growth-missing") == ["3800 more to 钻石卡"]
    assert texts(html, "member-benefits") == [
        "Member price 10% off Free shipping on every order 1.5× points on orders"
    ]
    points = PointsEntry.objects.get(customer=world.gold)
    growth = GrowthEntry.objects.get(customer=world.gold)
    assert texts(html, "points-entry") == [
        f"{_local(points.created_at)} Adjusted by staff +300 300 老会员迁移 · owner"
    ]
    assert texts(html, "growth-entry") == [
        f"{_local(growth.created_at)} Adjusted by staff +1200 1200 老会员迁移 · owner"
    ]
    zh = console.get(f"/console/members/{world.gold.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert texts(zh, "member-benefits") == ["会员价 9折 全场包邮 1.5× 订单积分"]


def _local(moment) -> str:
    """A time as the console shows it: in the merchant's zone (Asia/Shanghai), to the minute."""
    return timezone.localtime(moment, ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")


def test_an_adjustment_of_points_is_audited_with_its_reason(console, owner, world):
    url = f"/console/members/{world.silver.pk}/"
    key = _key(console.get(url).content.decode())
    form = {"target": "points", "direction": "add", "amount": "120", "reason": "补偿漏发积分", "key": key}
    response = console.post(url + "adjust/", form)
    assert (response.status_code, response["Location"]) == (302, url)
    assert Membership.objects.get(customer=world.silver).points_balance == 170
    entry = PointsEntry.objects.filter(customer=world.silver).latest("id")
    assert (entry.kind, entry.delta, entry.balance_after, entry.note, entry.staff_id) == (
        "adjust",
        120,
        170,
        "补偿漏发积分",
        owner.pk,
    )
    audit = AuditEntry.objects.filter(action="points.adjust").latest("id")
    assert (audit.staff_id, audit.before, audit.after) == (
        owner.pk,
        {"points_balance": 50},
        {"points_balance": 170, "delta": 120, "reason": "补偿漏发积分"},
    )
    console.post(url + "adjust/", form)  # the same form again (a double click): nothing more
    assert Membership.objects.get(customer=world.silver).points_balance == 170
    assert texts(console.get(url).content.decode(), "member-points") == ["170"]


def test_a_growth_adjustment_moves_the_member_up_and_is_audited(console, owner, world):
    url = f"/console/members/{world.silver.pk}/"
    form = {"target": "growth", "direction": "add", "amount": "1000", "reason": "门店活动", "key": "a" * 32}
    assert console.post(url + "adjust/", form).status_code == 302
    membership = Membership.objects.get(customer=world.silver)
    assert (membership.growth_value, membership.tier_id) == (1000, world.tiers["gold"].pk)
    audit = AuditEntry.objects.filter(action="growth.adjust").latest("id")
    assert (audit.before, audit.after) == (
        {"growth_value": 0},
        {"growth_value": 1000, "delta": 1000, "reason": "门店活动"},
    )
    html = console.get(url).content.decode()
    assert texts(html, "member-tier") == ["金卡"]
    assert texts(html, "tier-changes")[0].endswith("银卡 → 金卡 Upgrade growth 1000")
    audit_page = console.get("/console/settings/audit/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "成长值 调整" in audit_page


@pytest.mark.parametrize(
    ("form", "status", "field", "message"),
    [
        (
            {"target": "points", "direction": "deduct", "amount": "51", "reason": "扣回"},
            409,
            "amount",
            "The member has 50 points: a deduction cannot take the balance below zero.",
        ),
        (
            {"target": "growth", "direction": "deduct", "amount": "1", "reason": "扣回"},
            409,
            "amount",
            "The member has 0 growth: a deduction cannot take it below zero.",
        ),
        (
            {"target": "points", "direction": "add", "amount": "10", "reason": "  "},
            400,
            "reason",
            "This field is required.",
        ),
        (
            {"target": "points", "direction": "add", "amount": "0", "reason": "x"},
            400,
            "amount",
            "Ensure this value is greater than or equal to 1.",
        ),
    ],
)
def test_a_refused_adjustment_says_why_on_the_field_and_changes_nothing(
    console, merchant, world, form, status, field, message
):
    url = f"/console/members/{world.silver.pk}/adjust/"
    response = refused(console, url, form | {"key": "b" * 32}, merchant, status)
    html = response.content.decode()
    error = re.search(rf'data-field="{field}">.*?<span class="field-error">(.*?)</span>', html, re.S)
    assert error and error[1] == message


def test_a_refusal_reads_in_chinese(merchant, owner, world):
    client = log_in(owner, language="zh-hans")
    form = {"target": "points", "direction": "deduct", "amount": "51", "reason": "扣回", "key": "c" * 32}
    html = refused(
        client, f"/console/members/{world.silver.pk}/adjust/", form, merchant, 409
    ).content.decode()
    assert "该会员只有 50 积分，扣减后余额不能低于零。" in html


def test_staff_without_members_edit_cannot_adjust_and_see_no_form(make_staff, merchant, world):
    client = log_in(make_staff(Role.GUIDE))
    html = client.get(f"/console/members/{world.silver.pk}/").content.decode()
    assert 'data-testid="adjust-form"' not in html
    form = {"target": "points", "direction": "add", "amount": "5", "reason": "x", "key": "d" * 32}
    refused(client, f"/console/members/{world.silver.pk}/adjust/", form, merchant, 403, "permission_denied")


def test_an_outlet_manager_sees_only_their_outlets_guides_members(make_staff, world, outlet):
    client = log_in(make_staff(Role.OUTLET_MANAGER, outlets=[outlet]))
    assert texts(client.get("/console/members/").content.decode(), "member-name") == []
    assert client.get(f"/console/members/{world.gold.pk}/").status_code == 404


def test_another_merchants_member_is_not_found_and_cannot_be_adjusted(console, merchant, world):
    other = factories.make_merchant("other")
    stranger, _token = factories.log_in_customer(other, "stranger")
    assert console.get(f"/console/members/{stranger.pk}/").status_code == 404
    before = tenant_rows(other)
    form = {"target": "points", "direction": "add", "amount": "5", "reason": "x", "key": "e" * 32}
    refused(console, f"/console/members/{stranger.pk}/adjust/", form, merchant, 404)
    assert changed(before, tenant_rows(other)) == []
