"""In Chromium: the owner opens 微信 → 企业微信客户群, a group's members, then 企业微信客户标签 and
chooses a tag to push (screenshots in zh-hans and en with SIYU_SHOTS=folder)."""

from __future__ import annotations

import os

import pytest
from django.utils import timezone

from siyu.audience.models import Segment, Tag, TagGroup
from siyu.members.models import Customer
from siyu.tenancy.models import Role
from siyu.wechat.wecom_groups.models import WeComGroup, WeComGroupMember, WeComTagMapping

SHOTS = os.environ.get("SIYU_SHOTS", "")


def _world(merchant, guide):
    now = timezone.now()
    group = WeComGroup.objects.create(
        merchant=merchant, chat_id="wr1", name="周婷的茶友福利群", owner_userid=guide.user.username,
        owner=guide, notice="每周三 20:00 群内秒杀", member_count=3, customer_count=1, synced_at=now,
        created_in_wecom_at=now,
    )  # fmt: skip
    anna = Customer.objects.create(merchant=merchant, nickname="安娜", phone="13800000011", registered_at=now)
    rows = (
        (guide.user.username, 1, None, guide.display_name, 1),
        ("wmANNA", 2, anna, "安娜", 3),
        ("wmLI", 2, None, "李四", 2),
    )
    for userid, kind, customer, name, scene in rows:
        WeComGroupMember.objects.create(
            merchant=merchant, group=group, userid=userid, member_type=kind, customer=customer, name=name,
            join_time=now, join_scene=scene,
        )  # fmt: skip
    tags = TagGroup.objects.create(merchant=merchant, kind="manual", name="手动标签")
    return group, anna, Tag.objects.create(merchant=merchant, group=tags, name="茶艺课学员")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_groups_list_to_a_group_and_choosing_tags(
    live_server, open_page, vendor_static, merchant, make_staff, locale
):
    from siyu.testing.browser import log_in as browser_log_in

    owner, guide = make_staff(Role.OWNER), make_staff(Role.GUIDE)
    group, anna, tag = _world(merchant, guide)
    zh = locale == "zh-CN"
    page = open_page(locale=locale)
    browser_log_in(page, live_server.url, owner)
    page.goto(f"{live_server.url}/console/wechat/groups/")

    assert page.text_content("[data-testid=wecom-groups-title]") == (
        "企业微信客户群" if zh else "WeCom customer groups"
    )
    assert page.text_content(f"tr[data-group='{group.pk}'] [data-testid=group-owner]") == guide.display_name
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/wecom-groups-{locale[:2]}.png", full_page=True)
    page.click(f"tr[data-group='{group.pk}'] [data-testid=group-name]")
    page.wait_for_selector("[data-testid=group-members-table]")
    assert page.text_content("[data-testid=group-title]") == "周婷的茶友福利群"
    names = [t.strip() for t in page.locator("[data-testid=member-name]").all_text_contents()]
    assert names == [guide.display_name, "安娜", "李四"]
    assert page.locator("[data-testid=phone]").all_text_contents()[1] == "138****0011"
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/wecom-group-{locale[:2]}.png", full_page=True)
    page.click(f"a[href='/console/customers/{anna.pk}/']")
    page.wait_for_url(f"**/console/customers/{anna.pk}/")

    # The group's members as a segment: the builder shows the WeCom group condition and counts them.
    page.go_back()
    page.click("[data-testid=group-segment]")
    page.wait_for_selector("li[data-type=wecom_group]")
    assert page.locator("li[data-type=wecom_group] select[data-key=group]").input_value() == str(group.pk)
    page.wait_for_function("document.querySelector('[data-testid=preview-count]')?.textContent === '1'")
    page.select_option("[data-testid=builder-type]", "wecom_contact")
    with page.expect_response(lambda r: "/segments/preview/" in r.url) as answer:
        page.click("[data-testid=builder-add]")
    assert answer.value.status == 200
    page.wait_for_function("document.querySelector('[data-testid=preview-count]')?.textContent === '0'")
    page.locator("li[data-type=wecom_contact] select[data-key=value]").select_option("false")
    page.wait_for_function("document.querySelector('[data-testid=preview-count]')?.textContent === '1'")
    page.fill("input[name=name]", "茶友群成员")
    page.click("[data-testid=save-segment]")
    page.wait_for_selector("[data-testid=segment-members]")
    segment = Segment.objects.get(name="茶友群成员")
    assert segment.rule == {"all": [{"wecom_group": group.pk, "member": True}, {"wecom_contact": False}]}
    assert page.text_content("[data-testid=segment-members]") == "1"
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/wecom-segment-{locale[:2]}.png", full_page=True)

    page.goto(f"{live_server.url}/console/wechat/tags/")
    page.check(f"tr[data-tag='{tag.pk}'] [data-testid=sync-tag]")
    page.click("[data-testid=save-tags]")
    page.wait_for_selector(f"tr[data-tag='{tag.pk}'] [data-testid=tag-state]")
    state = page.text_content(f"tr[data-tag='{tag.pk}'] [data-testid=tag-state]").strip()
    assert state == ("等待下次同步" if zh else "Waiting for the next sync")
    assert WeComTagMapping.objects.filter(tag=tag, is_active=True).count() == 1
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/wecom-tags-{locale[:2]}.png", full_page=True)
    assert page.js_errors == []
