"""The 会员 console pages for tiers and the programme's rules: exact values shown, saved as typed, and
refusals that say why and change nothing."""

from __future__ import annotations

import re

import pytest

from siyu.members.loyalty.models import LoyaltySettings, Membership, MemberTier, PointsEntry
from siyu.members.loyalty.services import admin
from siyu.promotions.models import Coupon
from siyu.tenancy.models import AuditEntry, Role
from siyu.testing import factories
from siyu.testing.clients import log_in
from siyu.testing.membership import member_world
from siyu.testing.pages import texts
from siyu.testing.snapshots import refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(owner):
    return member_world(owner)


def _field_error(html: str, field: str) -> str:
    found = re.search(rf'data-field="{field}">.*?<span class="field-error">(.*?)</span>', html, re.S)
    assert found, field
    return found[1]


TIER_FORM = {
    "name": "白金卡",
    "code": "platinum",
    "rank": "3",
    "growth_threshold": "8000",
    "keep_threshold": "500",
    "discount": "85",
    "points_multiplier": "2",
    "upgrade_points": "500",
    "upgrade_template": "",
    "birthday_template": "",
}


def test_the_tier_list_shows_thresholds_benefits_gifts_and_member_counts(console, owner, world):
    template = factories.make_template(owner, title="升级礼券")
    world_tiers = world.tiers
    console.post(
        f"/console/members/tiers/{world_tiers['gold'].pk}/",
        TIER_FORM
        | {
            "name": "金卡",
            "code": "gold",
            "rank": "1",
            "growth_threshold": "1000",
            "keep_threshold": "200",
            "discount": "90",
            "free_shipping": "on",
            "points_multiplier": "1.5",
            "upgrade_points": "200",
            "upgrade_template": str(template.pk),
        },
    )
    html = console.get("/console/members/tiers/").content.decode()
    assert texts(html, "tier-name") == ["银卡", "金卡", "钻石卡"]
    assert texts(html, "tier-threshold") == ["0", "1000", "5000"]
    assert texts(html, "tier-discount") == ["—", "10% off", "—"]
    assert texts(html, "tier-multiplier") == ["1×", "1.5×", "1×"]
    assert texts(html, "tier-gift") == ["—", "200 points Coupon: 升级礼券", "—"]
    assert texts(html, "tier-members") == ["2", "1", "0"]  # the newcomer counts as 银卡
    zh = console.get("/console/members/tiers/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert texts(zh, "tier-discount") == ["—", "9折", "—"]
    assert texts(zh, "tier-gift") == ["—", "200 积分 优惠券：升级礼券", "—"]


def test_an_operator_creates_a_tier_as_typed_and_it_is_audited(make_staff, owner, world):
    template = factories.make_template(owner, title="白金礼券")
    operator = make_staff(Role.OPERATOR)
    client = log_in(operator)
    response = client.post(
        "/console/members/tiers/new/",
        TIER_FORM | {"free_shipping": "on", "upgrade_template": str(template.pk)},
    )
    assert (response.status_code, response["Location"]) == (302, "/console/members/tiers/")
    tier = MemberTier.objects.get(code="platinum")
    assert (
        tier.name,
        tier.rank,
        tier.growth_threshold,
        tier.keep_threshold,
        tier.discount_bp,
        tier.free_shipping,
        tier.points_multiplier_bp,
        tier.upgrade_points,
        tier.upgrade_template_id,
        tier.birthday_template_id,
    ) == ("白金卡", 3, 8000, 500, 8500, True, 20000, 500, template.pk, None)
    audit = AuditEntry.objects.filter(action="tier.create").latest("id")
    assert audit.staff_id == operator.pk and audit.after["upgrade_template_id"] == template.pk


def test_lowering_a_threshold_moves_members_up_without_gifts(console, world):
    gold = world.tiers["gold"]
    form = TIER_FORM | {
        "name": "金卡",
        "code": "gold",
        "rank": "1",
        "growth_threshold": "0",
        "discount": "90",
        "points_multiplier": "1.5",
        "upgrade_points": "100",
    }
    refused_form = form | {"growth_threshold": "0"}
    # 0 is the silver threshold: thresholds must rise with the rank.
    html = refused(
        console, f"/console/members/tiers/{gold.pk}/", refused_form, world.gold.merchant, 409
    ).content
    assert _field_error(html.decode(), "growth_threshold") == (
        "Tiers must have distinct codes and ranks, and thresholds that rise with the rank."
    )
    response = console.post(f"/console/members/tiers/{gold.pk}/", form | {"growth_threshold": "40"})
    assert response.status_code == 302
    assert Membership.objects.get(customer=world.silver).tier_id == world.tiers["silver"].pk  # growth 0
    console.post(
        f"/console/members/{world.silver.pk}/adjust/",
        {"target": "growth", "direction": "add", "amount": "40", "reason": "活动", "key": "f" * 32},
    )
    membership = Membership.objects.get(customer=world.silver)
    assert membership.tier_id == gold.pk  # growth reached it: an upgrade, with its gift
    assert PointsEntry.objects.filter(customer=world.silver, kind="upgrade").get().delta == 100
    console.post(f"/console/members/tiers/{gold.pk}/", form | {"growth_threshold": "30"})
    assert not PointsEntry.objects.filter(customer=world.newcomer).exists()  # a tier edit gives no gifts


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"code": "Gold!"}, "code", "Use lower-case letters, digits, - and _ only."),
        ({"discount": "0"}, "discount", "Ensure this value is greater than or equal to 0.01."),
        ({"points_multiplier": "11"}, "points_multiplier", "Ensure this value is less than or equal to 10."),
        ({"name": ""}, "name", "This field is required."),
        ({"upgrade_template": "999999"}, "upgrade_template", None),
    ],
)
def test_a_tier_form_with_bad_input_says_why_and_changes_nothing(
    console, merchant, world, change, field, message
):
    html = refused(console, "/console/members/tiers/new/", TIER_FORM | change, merchant, 400).content.decode()
    error = _field_error(html, field)
    assert error == message if message else error.startswith("Select a valid choice.")


def test_a_taken_rank_is_refused_on_the_field(console, merchant, world):
    html = refused(console, "/console/members/tiers/new/", TIER_FORM | {"rank": "2"}, merchant, 409).content
    assert _field_error(html.decode(), "rank").startswith("Tiers must have distinct codes and ranks")


def test_a_tier_nobody_ever_held_can_be_deleted_one_that_was_held_cannot(console, merchant, world):
    diamond, gold = world.tiers["diamond"], world.tiers["gold"]
    response = console.post(f"/console/members/tiers/{diamond.pk}/delete/")
    assert response.status_code == 302
    assert not MemberTier.objects.filter(pk=diamond.pk).exists()
    html = refused(console, f"/console/members/tiers/{gold.pk}/delete/", {}, merchant, 409, "tier_in_use")
    assert "This tier has members and cannot be deleted." in html.content.decode()


def test_staff_who_may_only_view_read_the_tiers_but_cannot_change_them(make_staff, merchant, world):
    client = log_in(make_staff(Role.ANALYST))
    html = client.get("/console/members/tiers/").content.decode()
    assert texts(html, "tier-name") == ["银卡", "金卡", "钻石卡"] and 'data-testid="edit-tier"' not in html
    gold = world.tiers["gold"]
    assert client.get(f"/console/members/tiers/{gold.pk}/").status_code == 403
    refused(client, f"/console/members/tiers/{gold.pk}/", TIER_FORM, merchant, 403, "permission_denied")
    refused(client, f"/console/members/tiers/{gold.pk}/delete/", {}, merchant, 403, "permission_denied")


SETTINGS_FORM = {
    "enabled": "on",
    "earn_points_per_yuan": "2",
    "growth_per_yuan": "3",
    "redeem_points_per_yuan": "50",
    "redeem_max_share": "30",
    "redeem_step": "1.00",
    "points_valid_days": "",
    "check_in_points": "5",
    "check_in_growth": "2",
    "streak_cycle_days": "7",
    "downgrade_enabled": "on",
    "downgrade_period_days": "180",
    "streak-TOTAL_FORMS": "3",
    "streak-INITIAL_FORMS": "0",
    "streak-MIN_NUM_FORMS": "0",
    "streak-MAX_NUM_FORMS": "31",
    "streak-0-day": "3",
    "streak-0-points": "10",
    "streak-0-growth": "0",
    "streak-1-day": "7",
    "streak-1-points": "50",
    "streak-1-growth": "5",
}


def test_the_first_save_sets_the_programme_up_with_the_rules_as_typed(console, owner, merchant):
    html = console.get("/console/members/settings/").content.decode()
    assert 'data-testid="not-set-up"' in html
    template = factories.make_template(owner, title="连签7天券")
    form = SETTINGS_FORM | {"streak-1-coupon_template_id": str(template.pk)}
    response = console.post("/console/members/settings/", form)
    assert (response.status_code, response["Location"]) == (302, "/console/members/settings/")
    row = LoyaltySettings.objects.get(merchant=merchant)
    assert (
        row.enabled,
        row.earn_points_per_yuan,
        row.growth_per_yuan,
        row.redeem_points_per_yuan,
        row.redeem_max_share_bp,
        row.redeem_step_fen,
        row.points_valid_days,
        row.check_in_points,
        row.check_in_growth,
        row.streak_cycle_days,
        row.downgrade_enabled,
        row.downgrade_period_days,
    ) == (True, 2, 3, 50, 3000, 100, None, 5, 2, 7, True, 180)
    assert row.streak_rewards == [
        {"day": 3, "points": 10, "growth": 0, "coupon_template_id": None},
        {"day": 7, "points": 50, "growth": 5, "coupon_template_id": template.pk},
    ]
    assert AuditEntry.objects.get(action="loyalty.settings").before is None
    html = console.get("/console/members/settings/").content.decode()
    assert 'data-testid="not-set-up"' not in html
    assert 'name="redeem_max_share" value="30"' in html and 'name="redeem_step" value="1.00"' in html
    assert 'name="streak-1-day" value="7"' in html


@pytest.mark.parametrize(
    ("change", "where", "message"),
    [
        (
            {"redeem_points_per_yuan": "0"},
            "redeem_points_per_yuan",
            "Ensure this value is greater than or equal to 1.",
        ),
        ({"redeem_max_share": "101"}, "redeem_max_share", "Ensure this value is less than or equal to 100."),
        ({"points_valid_days": "0"}, "points_valid_days", "Ensure this value is greater than or equal to 1."),
        ({"streak-1-day": "3"}, "streak", "Each day of the streak may have one reward."),
        ({"streak-1-day": ""}, "streak-1-day", "Say which day of the streak gives this."),
    ],
)
def test_bad_rules_say_why_and_change_nothing(console, merchant, world, change, where, message):
    html = refused(
        console, "/console/members/settings/", SETTINGS_FORM | change, merchant, 400
    ).content.decode()
    if where == "streak":
        assert texts(html, "streak-errors") == [message]
    else:
        assert _field_error(html, where) == message


def test_staff_who_may_only_view_read_the_rules_but_cannot_change_them(make_staff, merchant, world):
    client = log_in(make_staff(Role.GUIDE))
    html = client.get("/console/members/settings/").content.decode()
    assert 'name="earn_points_per_yuan" value="1"' in html and "disabled" in html
    assert 'data-testid="save"' not in html
    refused(client, "/console/members/settings/", SETTINGS_FORM, merchant, 403, "permission_denied")


def test_growth_that_reaches_a_tier_gives_its_gift_once(console, owner, world):
    template = factories.make_template(owner, title="金卡礼券", per_customer_limit=5)
    admin.update_tier(
        staff=owner, tier_id=world.tiers["gold"].pk, upgrade_points=200, upgrade_template_id=template.pk
    )
    admin.update_tier(staff=owner, tier_id=world.tiers["diamond"].pk, upgrade_points=1000)
    admin.adjust_growth(
        staff=owner, customer_id=world.silver.pk, delta=6000, reason="迁移"
    )  # two tiers at once
    membership = Membership.objects.get(customer=world.silver)
    assert (membership.tier_id, membership.points_balance) == (world.tiers["diamond"].pk, 50 + 200 + 1000)
    assert list(Coupon.objects.filter(customer=world.silver).values_list("template_id", "source")) == [
        (template.pk, "tier_upgrade")
    ]
    # Down again (the evaluation's job, done here by hand) and back up: no second gift.
    Membership.objects.filter(pk=membership.pk).update(tier=world.tiers["silver"])
    admin.adjust_growth(staff=owner, customer_id=world.silver.pk, delta=1, reason="再升")
    assert Membership.objects.get(pk=membership.pk).points_balance == 1250
    assert Coupon.objects.filter(customer=world.silver).count() == 1
