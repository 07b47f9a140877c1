"""客户 · tags, segments, value models and the customer data on the 360 page, through the console.

A shop of known customers (values, tags, a membership, coupons) is built straight in the tables; every
write goes through the console views (and so the audience services). Refused writes change nothing.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from siyu.audience import services as audience
from siyu.audience.models import Segment, SegmentMember, Tag, TagGroup, TagRule
from siyu.audience.values.models import CustomerValue
from siyu.promotions import services as promotions
from siyu.promotions.models import Coupon
from siyu.tenancy.models import Role
from siyu.tenancy.permissions import ROLE_PERMISSIONS, Perm
from siyu.testing import rows
from siyu.testing.clients import log_in
from siyu.testing.customer_data import World, carriers, make_world, membership
from siyu.testing.factories import make_merchant
from siyu.testing.snapshots import changed, tenant_rows

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


@pytest.fixture
def world(merchant, owner) -> World:
    return make_world(merchant, owner)


# ---- who may open what -------------------------------------------------------------------------------


def test_pages_render_for_customer_readers_and_are_refused_to_others(world, console_as, monkeypatch):
    segment = audience.create_segment(staff=world.owner, name="重要", rule={"rfm_class": ["important_value"]})
    reads = [
        "/console/customers/tags/",
        "/console/customers/segments/",
        f"/console/customers/segments/{segment.pk}/",
        "/console/customers/values/",
        f"/console/customers/{world.customers[0].pk}/data/",
        "/console/customers/tag-options/",
    ]
    service, _staff = console_as(Role.SERVICE)  # customers.view only
    # Every role reads customers since issue 13 (outlet managers: their guides' customers): a role
    # without customers.view is made up for the refusals.
    bare = ROLE_PERMISSIONS[Role.OUTLET_MANAGER] - {Perm.CUSTOMERS_VIEW}
    monkeypatch.setitem(ROLE_PERMISSIONS, Role.OUTLET_MANAGER, bare)
    manager, _staff = console_as(Role.OUTLET_MANAGER)  # no customer permission
    for url in reads:
        assert service.get(url).status_code == 200, url
        refused = manager.get(url)
        assert refused.status_code == 403, url
        assert 'data-code="permission_denied"' in refused.content.decode()
    # Writing needs customers.edit: the builder page is refused to the reader, served to a guide.
    assert service.get("/console/customers/segments/new/").status_code == 403
    guide, _staff = console_as(Role.GUIDE)
    assert guide.get("/console/customers/segments/new/").status_code == 200
    # The nav lists the module's pages for a reader.
    nav = service.get("/console/customers/").content.decode()
    for url in ("/console/customers/tags/", "/console/customers/segments/", "/console/customers/values/"):
        assert f'href="{url}"' in nav


def test_a_reader_cannot_write_and_nothing_changes(world, console_as):
    segment = audience.create_segment(staff=world.owner, name="重要", rule={"rfm_class": ["important_value"]})
    client, _staff = console_as(Role.SERVICE)
    before = tenant_rows(world.merchant)
    posts = {
        "/console/customers/tags/new/": {"group_id": world.group.pk, "name": "X"},
        f"/console/customers/tags/{world.vip.pk}/": {"name": "X"},
        f"/console/customers/tags/{world.vip.pk}/delete/": {},
        "/console/customers/tag-groups/new/": {"kind": "manual", "name": "X"},
        f"/console/customers/tag-groups/{world.group.pk}/delete/": {},
        f"/console/customers/tag-rules/{world.rule.pk}/run/": {},
        "/console/customers/bulk-tag/": {
            "tag_id": world.vip.pk,
            "action": "add",
            "scope": "selected",
            "customer_ids": [world.customers[4].pk],
        },
        f"/console/customers/{world.customers[4].pk}/tags/": {"tag_id": world.vip.pk},
        "/console/customers/segments/new/": {
            "name": "X",
            "kind": "dynamic",
            "rule": '{"semi_private": true}',
        },
        f"/console/customers/segments/{segment.pk}/snapshot/": {},
        f"/console/customers/segments/{segment.pk}/delete/": {},
        f"/console/customers/segments/{segment.pk}/issue/": {
            "template_id": world.template.pk,
            "batch_key": "b1",
        },
    }
    for url, body in posts.items():
        response = client.post(url, body)
        assert response.status_code == 403, (url, response.status_code)
    assert changed(before, tenant_rows(world.merchant)) == []


def test_handing_a_segment_to_coupons_needs_promotions_edit(world, console_as):
    segment = audience.create_segment(staff=world.owner, name="重要", rule={"rfm_class": ["important_value"]})
    guide, _staff = console_as(Role.GUIDE)  # customers.edit, but no promotions.edit
    url = f"/console/customers/segments/{segment.pk}/issue/"

    refused = guide.post(url, {"template_id": world.template.pk, "batch_key": "b1"})
    page = guide.get(f"/console/customers/segments/{segment.pk}/").content.decode()

    assert refused.status_code == 403
    assert Coupon.objects.filter(template=world.template).count() == 0
    assert 'data-testid="segment-issue-form"' not in page


# ---- the live count ----------------------------------------------------------------------------------


def _preview(client, rule: str):
    response = client.post("/console/customers/segments/preview/", {"rule": rule}, headers=HX)
    return response, response.content.decode()


def test_the_preview_counts_a_known_rule_exactly_and_shows_a_sample(world, console_as):
    client, _staff = console_as(Role.SERVICE)  # a reader may preview; phones are masked for them

    response, html = _preview(
        client,
        '{"all": [{"rfm_class": ["important_value"]}, {"field": "city", "op": "eq", "value": "杭州"}]}',
    )
    tagged, tagged_html = _preview(client, f'{{"any": [{{"tag": {world.vip.pk}}}]}}')

    assert response.status_code == 200 and "<html" not in html
    assert re.search(r'data-testid="preview-count">3<', html)
    shown = [int(i) for i in re.findall(r'data-customer="(\d+)"', html)]
    assert shown == [c.pk for c in reversed(world.customers[:3])]  # newest first
    assert "138****0000" in html and "13800000000" not in html
    assert tagged.status_code == 200 and re.search(r'data-testid="preview-count">2<', tagged_html)


def test_the_preview_names_the_path_of_a_bad_rule(world, console_as):
    client, _staff = console_as(Role.SERVICE)
    stranger = make_merchant("beta")
    other_group = TagGroup.objects.create(merchant=stranger, kind="manual", name="x")
    other_tag = Tag.objects.create(merchant=stranger, group=other_group, name="theirs")

    bad_op, bad_op_html = _preview(client, '{"all": [{"field": "gender", "op": "gt", "value": "male"}]}')
    not_json, not_json_html = _preview(client, '{"all": [')
    foreign, foreign_html = _preview(
        client, f'{{"all": [{{"semi_private": true}}, {{"tag": {other_tag.pk}}}]}}'
    )

    assert bad_op.status_code == 400 and 'data-path="rule.all[0].op"' in bad_op_html
    assert 'data-code="invalid_rule"' in bad_op_html and "rule.all[0].op" in bad_op_html
    assert not_json.status_code == 400 and 'data-path="rule"' in not_json_html
    assert foreign.status_code == 400 and 'data-path="rule.all[1].tag"' in foreign_html
    assert "preview-count" not in foreign_html


# ---- saving segments ---------------------------------------------------------------------------------


def test_saving_a_dynamic_and_a_static_segment(world):
    client = log_in(world.owner)
    rule = '{"all": [{"lifecycle_stage": ["maturity"]}]}'

    dynamic = client.post(
        "/console/customers/segments/new/", {"name": "成熟客", "kind": "dynamic", "rule": rule}
    )
    static = client.post(
        "/console/customers/segments/new/", {"name": "成熟客快照", "kind": "static", "rule": rule}
    )

    d = Segment.objects.get(name="成熟客")
    s = Segment.objects.get(name="成熟客快照")
    assert dynamic.status_code == 302 and dynamic["Location"] == f"/console/customers/segments/{d.pk}/"
    assert static.status_code == 302
    assert (d.kind, d.rule, d.member_count, d.created_by_id) == (
        "dynamic",
        {"all": [{"lifecycle_stage": ["maturity"]}]},
        3,
        world.owner.pk,
    )
    frozen = set(SegmentMember.objects.filter(segment=s).values_list("customer_id", flat=True))
    assert (s.kind, s.member_count, frozen) == ("static", 3, {c.pk for c in world.customers[:3]})
    listing = client.get("/console/customers/segments/").content.decode()
    assert f'data-segment="{d.pk}"' in listing and f'data-segment="{s.pk}"' in listing


def test_a_refused_segment_is_shown_again_with_its_error_and_nothing_is_saved(world):
    client = log_in(world.owner)
    audience.create_segment(staff=world.owner, name="重要", rule={"rfm_class": ["important_value"]})
    before = tenant_rows(world.merchant)

    taken = client.post(
        "/console/customers/segments/new/",
        {"name": "重要", "kind": "dynamic", "rule": '{"semi_private": true}'},
    )
    bad = client.post(
        "/console/customers/segments/new/",
        {"name": "坏", "kind": "dynamic", "rule": '{"all": [{"nope": 1}]}'},
    )

    assert taken.status_code == 409 and 'data-code="duplicate_name"' in taken.content.decode()
    assert bad.status_code == 400 and "rule.all[0].nope" in bad.content.decode()
    assert "{&quot;all&quot;: [{&quot;nope&quot;: 1}]}" in bad.content.decode()  # the rule is kept
    assert changed(before, tenant_rows(world.merchant)) == []


def test_editing_a_dynamic_segments_rule_recounts_it(world):
    client = log_in(world.owner)
    segment = audience.create_segment(staff=world.owner, name="重要", rule={"rfm_class": ["important_value"]})

    response = client.post(
        f"/console/customers/segments/{segment.pk}/edit/",
        {"name": "流失", "description": "", "rule": '{"lifecycle_stage": ["churn"]}'},
    )

    segment.refresh_from_db()
    assert response.status_code == 302
    assert (segment.name, segment.rule, segment.member_count) == ("流失", {"lifecycle_stage": ["churn"]}, 2)


def test_the_builder_starts_from_a_distribution_link(world):
    page = (
        log_in(world.owner).get("/console/customers/segments/new/?rfm_class=important_value").content.decode()
    )

    assert "&quot;rfm_class&quot;: [\n        &quot;important_value&quot;" in page
    assert 'id="builder-options"' in page and '"tags": [[' in page


# ---- a segment's page: members, export, snapshot, coupons ---------------------------------------------


def test_a_segment_lists_its_members_by_page_and_exports_them(merchant, owner):
    w = make_world(merchant, owner, extra=20)  # 25 customers: 3 important, 22 general_retain
    segment = audience.create_segment(staff=owner, name="挽留", rule={"rfm_class": ["general_retain"]})
    client = log_in(owner)

    first = client.get(f"/console/customers/segments/{segment.pk}/").content.decode()
    second = client.get(f"/console/customers/segments/{segment.pk}/?page=2").content.decode()
    export = client.get(f"/console/customers/segments/{segment.pk}/export.csv")

    retained = [c.pk for c in reversed(w.customers[3:])]
    assert [int(i) for i in re.findall(r'data-customer="(\d+)"', first)] == retained[:20]
    assert [int(i) for i in re.findall(r'data-customer="(\d+)"', second)] == retained[20:]
    assert 'data-testid="segment-members">22<' in first
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["id", "nickname", "phone"]
    assert [int(r[0]) for r in rows[1:]] == sorted(retained)
    assert rows[1][2] == w.customers[3].phone  # the owner may edit customers: full phones


def test_issuing_a_coupon_to_a_segment_gives_each_member_one(world):
    segment = audience.create_segment(staff=world.owner, name="重要", rule={"rfm_class": ["important_value"]})
    client = log_in(world.owner)
    url = f"/console/customers/segments/{segment.pk}/issue/"

    response = client.post(url, {"template_id": world.template.pk, "batch_key": "k1"})
    replay = client.post(url, {"template_id": world.template.pk, "batch_key": "k1"})

    holders = sorted(Coupon.objects.filter(template=world.template).values_list("customer_id", flat=True))
    assert (response.status_code, replay.status_code) == (302, 302)
    assert holders == sorted(c.pk for c in world.customers[:3])


def test_a_snapshot_freezes_todays_members(world):
    segment = audience.create_segment(staff=world.owner, name="重要", rule={"rfm_class": ["important_value"]})

    response = log_in(world.owner).post(f"/console/customers/segments/{segment.pk}/snapshot/")

    snap = Segment.objects.exclude(pk=segment.pk).get()
    assert response.status_code == 302 and (snap.kind, snap.member_count) == ("static", 3)


# ---- tags --------------------------------------------------------------------------------------------


def test_the_tags_page_counts_carriers_and_lists_rules(world):
    audience.run_tag_rule(staff=world.owner, rule_id=world.rule.pk)

    page = log_in(world.owner).get("/console/customers/tags/").content.decode()

    def count(tag: Tag) -> str:
        row = page.split(f'data-tag="{tag.pk}"')[1].split("</tr>")[0]
        return re.search(r'data-testid="tag-count">(\d+)<', row).group(1)

    assert (count(world.vip), count(world.auto)) == ("2", "3")
    assert f'data-rule="{world.rule.pk}"' in page
    assert TagGroup.objects.filter(merchant=world.merchant).count() == 1  # it had groups: none seeded


def test_a_merchant_without_groups_gets_the_eight_default_families(merchant, owner):
    page = log_in(owner).get("/console/customers/tags/").content.decode()

    names = list(TagGroup.objects.filter(merchant=merchant).values_list("name", flat=True))
    assert names == [
        "基础标签",
        "会员等级",
        "消费标签",
        "生命周期",
        "偏好标签",
        "手动标签",
        "问卷标签",
        "活动标签",
    ]
    assert all(f"<h2>{n} " in page for n in names)


def test_tags_and_groups_are_created_renamed_and_deleted(world):
    client = log_in(world.owner)

    made_group = client.post("/console/customers/tag-groups/new/", {"kind": "campaign", "name": "双11"})
    group = TagGroup.objects.get(name="双11")
    made_tag = client.post("/console/customers/tags/new/", {"group_id": group.pk, "name": "抢购"})
    tag = Tag.objects.get(name="抢购")
    renamed = client.post(f"/console/customers/tags/{tag.pk}/", {"name": "秒杀"})
    renamed_group = client.post(f"/console/customers/tag-groups/{group.pk}/", {"name": "双十一"})
    group_in_use = client.post(f"/console/customers/tag-groups/{group.pk}/delete/")
    deleted = client.post(f"/console/customers/tags/{tag.pk}/delete/")
    deleted_group = client.post(f"/console/customers/tag-groups/{group.pk}/delete/")

    assert [r.status_code for r in (made_group, made_tag, renamed, renamed_group)] == [302] * 4
    assert group_in_use.status_code == 409 and 'data-code="tag_in_use"' in group_in_use.content.decode()
    assert (deleted.status_code, deleted_group.status_code) == (302, 302)
    assert not Tag.objects.filter(pk=tag.pk).exists() and not TagGroup.objects.filter(pk=group.pk).exists()


def test_a_tag_a_segment_names_is_not_deleted(world):
    audience.create_segment(staff=world.owner, name="VIP 人群", rule={"tag": world.vip.pk})
    client = log_in(world.owner)
    before = tenant_rows(world.merchant)

    response = client.post(f"/console/customers/tags/{world.vip.pk}/delete/")

    assert response.status_code == 409
    assert changed(before, tenant_rows(world.merchant)) == []


def test_running_a_rule_now_tags_exactly_its_matches(world):
    response = log_in(world.owner).post(f"/console/customers/tag-rules/{world.rule.pk}/run/")

    assert response.status_code == 302
    assert carriers(world.auto) == {c.pk for c in world.customers[:3]}


def test_a_tag_rule_is_created_from_the_tags_page_and_deleted_with_its_tags(world):
    client = log_in(world.owner)
    spare = audience.create_tag(staff=world.owner, group_id=world.group.pk, name="流失预警")
    before = tenant_rows(world.merchant)

    bad = client.post(
        "/console/customers/tag-rules/new/", {"tag_id": spare.pk, "rule": '{"lifecycle_stage": ["gone"]}'}
    )
    assert bad.status_code == 400 and "rule.lifecycle_stage[0]" in bad.content.decode()
    assert changed(before, tenant_rows(world.merchant)) == []

    made = client.post(
        "/console/customers/tag-rules/new/", {"tag_id": spare.pk, "rule": '{"lifecycle_stage": ["churn"]}'}
    )
    rule = TagRule.objects.get(tag=spare)
    ran = client.post(f"/console/customers/tag-rules/{rule.pk}/run/")
    assert (made.status_code, ran.status_code) == (302, 302)
    assert carriers(spare) == {c.pk for c in world.customers[3:]}

    deleted = client.post(f"/console/customers/tag-rules/{rule.pk}/delete/")
    assert deleted.status_code == 302 and carriers(spare) == set()
    assert not TagRule.objects.filter(pk=rule.pk).exists()


# ---- the customer list: tag filter and bulk tagging ---------------------------------------------------


def test_the_list_filters_by_tag_and_loads_the_tag_options(world):
    client = log_in(world.owner)

    page = client.get(f"/console/customers/?tag={world.vip.pk}").content.decode()
    options = client.get(f"/console/customers/tag-options/?selected={world.vip.pk}").content.decode()
    manual = client.get("/console/customers/tag-options/?manual=1").content.decode()

    shown = {int(i) for i in re.findall(r'<tr data-customer="(\d+)"', page)}
    assert shown == {world.customers[0].pk, world.customers[1].pk}
    assert f'<option value="{world.vip.pk}" selected>VIP</option>' in options
    assert f'value="{world.auto.pk}"' in options and f'value="{world.auto.pk}"' not in manual


def test_bulk_tagging_changes_exactly_the_ticked_customers(world):
    client = log_in(world.owner)
    ticked = [world.customers[2].pk, world.customers[4].pk]

    response = client.post(
        "/console/customers/bulk-tag/",
        {
            "tag_id": world.vip.pk,
            "action": "add",
            "scope": "selected",
            "customer_ids": ticked,
            "filter": "city=",
        },
    )

    assert response.status_code == 302 and response["Location"] == "/console/customers/?city="
    assert carriers(world.vip) == {world.customers[0].pk, world.customers[1].pk, *ticked}


def test_bulk_tagging_the_filter_result_and_removing_it(world):
    client = log_in(world.owner)

    added = client.post(
        "/console/customers/bulk-tag/",
        {"tag_id": world.vip.pk, "action": "add", "scope": "filter", "filter": "city=上海"},
    )
    assert added.status_code == 302
    assert carriers(world.vip) == {c.pk for c in world.customers[:2]} | {c.pk for c in world.customers[3:]}

    removed = client.post(
        "/console/customers/bulk-tag/",
        {"tag_id": world.vip.pk, "action": "remove", "scope": "filter", "filter": "city=杭州"},
    )
    assert removed.status_code == 302
    assert carriers(world.vip) == {c.pk for c in world.customers[3:]}


def test_refused_bulk_tagging_changes_nothing(world):
    client = log_in(world.owner)
    stranger = rows.customer(make_merchant("beta"), nickname="theirs")
    before = tenant_rows(world.merchant)
    bodies = [
        # a tag kept by a rule is not set by hand
        {
            "tag_id": world.auto.pk,
            "action": "add",
            "scope": "selected",
            "customer_ids": [world.customers[4].pk],
        },
        # another merchant's customer among the ticked: all or nothing
        {
            "tag_id": world.vip.pk,
            "action": "add",
            "scope": "selected",
            "customer_ids": [world.customers[4].pk, stranger.pk],
        },
        # nobody ticked
        {"tag_id": world.vip.pk, "action": "add", "scope": "selected"},
        # a filter that finds nobody
        {"tag_id": world.vip.pk, "action": "add", "scope": "filter", "filter": "city=北京"},
    ]
    statuses = [client.post("/console/customers/bulk-tag/", body).status_code for body in bodies]

    assert statuses == [409, 404, 400, 400]
    assert changed(before, tenant_rows(world.merchant)) == []


# ---- the customer 360 page ---------------------------------------------------------------------------


def test_the_360_page_loads_value_tags_membership_and_coupons(world):
    membership(world)
    person = world.customers[0]
    promotions.issue_to_customers(staff=world.owner, template_id=world.template.pk, customer_ids=[person.pk])
    client = log_in(world.owner)

    page = client.get(f"/console/customers/{person.pk}/").content.decode()
    panel = client.get(f"/console/customers/{person.pk}/data/", headers=HX).content.decode()

    assert f'hx-get="/console/customers/{person.pk}/data/"' in page
    assert "<html" not in panel
    assert 'data-testid="c360-rfm">Important value <span class="muted">R5 F4 M5</span>' in panel
    assert 'data-testid="c360-stage">Maturity<' in panel and 'data-testid="c360-tier">Die-hard fan<' in panel
    assert 'data-testid="c360-rung">3+<' in panel and 'data-testid="c360-discount">25%<' in panel
    assert 'data-testid="c360-member-tier">白银<' in panel
    assert f'data-testid="c360-points">{sum(10 + i for i in range(12))}' in panel
    ledger = panel.split('data-testid="c360-ledger"')[1].split("</table>")[0]
    assert ledger.count("<tr>") == 10 and "+21" in ledger and "+10<" not in ledger  # the newest ten
    assert f'data-tag="{world.vip.pk}"' in panel
    assert "回购券" in panel.split('data-testid="c360-coupons"')[1]


def test_a_customer_without_values_or_membership_still_shows(world):
    bare = rows.customer(world.merchant, nickname="new")

    panel = log_in(world.owner).get(f"/console/customers/{bare.pk}/data/", headers=HX).content.decode()

    assert 'data-testid="c360-no-value"' in panel and "runs no membership programme" in panel
    assert CustomerValue.objects.filter(customer=bare).count() == 0


def test_tags_are_added_and_removed_inline(world):
    client = log_in(world.owner)
    person = world.customers[4]

    added = client.post(f"/console/customers/{person.pk}/tags/", {"tag_id": world.vip.pk}, headers=HX)
    assert added.status_code == 200 and f'data-tag="{world.vip.pk}"' in added.content.decode()
    assert person.pk in carriers(world.vip)

    automatic = client.post(f"/console/customers/{person.pk}/tags/", {"tag_id": world.auto.pk}, headers=HX)
    assert automatic.status_code == 409 and 'data-code="tag_is_automatic"' in automatic.content.decode()
    assert person.pk not in carriers(world.auto)

    removed = client.post(f"/console/customers/{person.pk}/tags/{world.vip.pk}/remove/", headers=HX)
    assert removed.status_code == 200 and f'data-tag="{world.vip.pk}"' not in removed.content.decode()
    assert person.pk not in carriers(world.vip)


# ---- value models ------------------------------------------------------------------------------------


def test_the_value_page_counts_each_class_stage_tier_and_rung(world):
    page = log_in(world.owner).get("/console/customers/values/").content.decode()

    def cell(section: str, key: str) -> str:
        block = page.split(f'data-testid="dist-{section}"')[1].split("</section>")[0]
        return re.search(rf'data-key="{key}">.*?<td class="num">(\d+)<', block).group(1)

    assert 'data-testid="value-customers">5<' in page and 'data-testid="value-buyers">5<' in page
    assert (cell("rfm", "important_value"), cell("rfm", "general_retain"), cell("rfm", "general_value")) == (
        "3",
        "2",
        "0",
    )
    assert (cell("lifecycle", "maturity"), cell("lifecycle", "churn")) == ("3", "2")
    assert (cell("tier", "die_hard"), cell("tier", "ordinary")) == ("3", "2")
    assert (cell("rung", "3"), cell("rung", "1"), cell("rung", "0")) == ("3", "2", "0")
    assert 'data-bars="rfm"' in page and 'id="value-charts"' in page


# ---- query counts that do not grow with rows ----------------------------------------------------------


def _pages(w: World, segment: Segment) -> dict[str, tuple[str, str, int]]:
    """Each page with the most queries it may take: 3 of them are the session, the user and the staff."""
    person = w.customers[0].pk
    return {
        "tags": ("get", "/console/customers/tags/", 8),
        "segments": ("get", "/console/customers/segments/", 5),
        "segment": ("get", f"/console/customers/segments/{segment.pk}/", 7),
        "builder": ("get", "/console/customers/segments/new/", 7),  # + the WeCom groups a rule may name
        "values": ("get", "/console/customers/values/", 9),
        "panel": ("get", f"/console/customers/{person}/data/", 13),  # + the guide notes
        "tag options": ("get", "/console/customers/tag-options/", 4),
        "list by tag": ("get", f"/console/customers/?tag={w.vip.pk}", 7),  # + the guide filter's guides
        "preview": ("post", "/console/customers/segments/preview/", 5),
    }


@pytest.mark.parametrize("extra", [0, 30])
def test_pages_take_a_fixed_number_of_queries(merchant, owner, extra):
    w = make_world(merchant, owner, extra=extra)
    membership(w)
    audience.run_tag_rule(staff=owner, rule_id=w.rule.pk)
    for i in range(extra):
        audience.create_tag(staff=owner, group_id=w.group.pk, name=f"t{i}")
        audience.create_segment(staff=owner, name=f"s{i}", rule={"loyalty_rung": {"op": "gte", "value": 1}})
    segment = audience.create_segment(
        staff=owner, name="all", rule={"loyalty_rung": {"op": "gte", "value": 0}}
    )
    client = log_in(owner)
    client.get("/console/customers/tags/")  # seeds the default groups once
    rule = f'{{"all": [{{"tag": {w.vip.pk}}}, {{"rfm_class": ["important_value"]}}]}}'

    for name, (method, url, most) in _pages(w, segment).items():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url) if method == "get" else client.post(url, {"rule": rule}, headers=HX)
        assert response.status_code == 200, (name, response.content[:300])
        assert len(queries) <= most, (name, len(queries), [q["sql"][:120] for q in queries])


# ---- in Chromium -------------------------------------------------------------------------------------


def test_too_few_coupons_for_a_segment_offers_the_first_n_or_cancel(world):
    from siyu.testing.snapshots import changed as rows_changed
    from siyu.testing.snapshots import tenant_rows as rows

    segment = audience.create_segment(staff=world.owner, name="重要", rule={"rfm_class": ["important_value"]})
    scarce = promotions.create_template(
        staff=world.owner,
        title="限量券",
        kind="amount",
        amount=500,
        valid_until=timezone.now() + timedelta(days=30),
        total_quantity=2,
        claimable=False,
    )
    client = log_in(world.owner, language="zh-hans")
    url = f"/console/customers/segments/{segment.pk}/issue/"
    before = rows(world.merchant)

    refused = client.post(url, {"template_id": scarce.pk, "batch_key": "k1"})

    assert refused.status_code == 409
    html = refused.content.decode()
    assert 'data-code="coupon_quantity_short"' in html
    assert "这张券只剩 2 张，不够发给 3 位客户。可以只发给前 2 位，或者都不发。" in html
    assert 'data-testid="segment-issue-partial" data-requested="3" data-remaining="2"' in html
    assert "剩余 2 张券，共 3 位客户。尚未发出任何券。" in html
    assert '<input type="hidden" name="first_n" value="2">' in html
    assert '<input type="hidden" name="batch_key" value="k1">' in html
    assert "只发给前 2 位（按客户编号）" in html
    assert (
        f'<a class="button" href="/console/customers/segments/{segment.pk}/" data-testid="issue-cancel">'
        in html
    )
    assert rows_changed(before, rows(world.merchant)) == []

    chosen = client.post(url, {"template_id": scarce.pk, "batch_key": "k1", "first_n": "2"})
    again = client.post(url, {"template_id": scarce.pk, "batch_key": "k1", "first_n": "2"})

    assert (chosen.status_code, again.status_code) == (302, 302)
    holders = sorted(Coupon.objects.filter(template=scarce).values_list("customer_id", flat=True))
    assert holders == sorted(c.pk for c in world.customers[:3])[:2]
    scarce.refresh_from_db()
    assert scarce.issued == 2
