"""The staff API of tags, tag rules and segments: shapes, status codes, permissions, errors."""

from __future__ import annotations

import pytest

from siyu.audience.models import CustomerTag, Segment, TagGroup, TagRule
from siyu.promotions.models import Coupon
from siyu.tenancy.models import Role
from siyu.tenancy.services import issue_staff_token
from siyu.testing import rows
from siyu.testing.clients import ApiClient

pytestmark = pytest.mark.django_db
ADM = "/api/v1/admin"
FEMALE = {"field": "gender", "op": "eq", "value": "female"}


@pytest.fixture
def api(owner) -> ApiClient:
    return ApiClient(issue_staff_token(staff=owner))


def client_for(make_staff, role: str) -> ApiClient:
    return ApiClient(issue_staff_token(staff=make_staff(role)))


def test_tag_groups_tags_and_tagging(people, api):
    groups = api.get(f"{ADM}/tag-groups").json()
    assert [g["kind"] for g in groups] == ["basic"]  # the fixture's group: defaults only seed an empty shop
    created = api.post(f"{ADM}/tag-groups", {"kind": "survey", "name": "问卷"})
    assert created.status_code == 201 and created.json()["kind"] == "survey"
    tag = api.post(f"{ADM}/tags", {"group_id": created.json()["id"], "name": "喜欢绿茶"}).json()
    assert tag == {
        "id": tag["id"],
        "group_id": created.json()["id"],
        "group_name": "问卷",
        "group_kind": "survey",
        "name": "喜欢绿茶",
        "description": "",
        "automatic": False,
    }
    c = people.c
    added = api.post(f"{ADM}/tags/{tag['id']}/customers", {"customer_ids": [c["ann"].pk, c["bob"].pk]})
    assert added.json() == {"added": 2}
    mine = api.get(f"{ADM}/customers/{c['ann'].pk}/tags").json()
    assert [(t["name"], t["source"], t["group_kind"]) for t in mine] == [
        ("VIP", "manual", "basic"),
        ("喜欢绿茶", "manual", "survey"),
    ]
    assert api.delete(f"{ADM}/customers/{c['ann'].pk}/tags/{tag['id']}").json() == {"removed": 1}
    assert api.post(f"{ADM}/customers/{c['cat'].pk}/tags", {"tag_id": tag["id"]}).json() == {"added": 1}
    both = api.post(f"{ADM}/tags/{tag['id']}/customers", {"customer_ids": [c["ann"].pk], "segment_id": 1})
    assert both.status_code == 400
    listed = api.get(f"{ADM}/tags", {"group_id": created.json()["id"]}).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == tag["id"]
    assert api.delete(f"{ADM}/tag-groups/{created.json()['id']}").status_code == 409


def test_empty_shop_gets_the_default_groups(merchant, api):
    assert len(api.get(f"{ADM}/tag-groups").json()) == 8
    assert TagGroup.objects.for_merchant(merchant).count() == 8


def test_tag_rules_over_http(people, api):
    tea = people.tags["tea"]
    body = {"tag_id": tea.pk, "rule": {"semi_private": True}}
    rule = api.post(f"{ADM}/tag-rules", body)
    assert rule.status_code == 201
    rid = rule.json()["id"]
    assert api.post(f"{ADM}/tag-rules/{rid}/run").json() == {"added": 1, "removed": 0, "matched": 1}
    assert api.get(f"{ADM}/tags", {"group_id": tea.group_id}).json()["items"][1]["automatic"] is True
    refused = api.post(f"{ADM}/tags/{tea.pk}/customers", {"customer_ids": [people.c["cat"].pk]})
    assert (refused.status_code, refused.json()["code"]) == (409, "tag_is_automatic")
    patched = api.patch(f"{ADM}/tag-rules/{rid}", {"is_active": False}).json()
    assert patched["is_active"] is False and patched["rule"] == {"semi_private": True}
    assert api.get(f"{ADM}/tag-rules").json()["count"] == 1
    assert api.delete(f"{ADM}/tag-rules/{rid}").json() == {"removed": 1}
    assert list(CustomerTag.objects.filter(tag=tea).values_list("source", flat=True)) == ["manual"]


def test_segments_over_http(people, api):
    preview = api.post(f"{ADM}/segments/preview", {"rule": FEMALE}).json()
    assert preview["count"] == 2 and [s["nickname"] for s in preview["sample"]] == ["dan", "ann"]
    made = api.post(f"{ADM}/segments", {"name": "Women", "rule": FEMALE})
    assert made.status_code == 201
    seg = made.json()
    assert (seg["kind"], seg["member_count"], seg["rule"]) == ("dynamic", 2, FEMALE)
    members = api.get(f"{ADM}/segments/{seg['id']}/members", {"limit": 1}).json()
    assert (members["count"], [m["nickname"] for m in members["items"]]) == (2, ["dan"])
    snap = api.post(f"{ADM}/segments/{seg['id']}/snapshot", {"name": "Women, frozen"})
    assert snap.status_code == 201 and snap.json()["kind"] == "static"
    assert api.patch(f"{ADM}/segments/{seg['id']}", {"name": "All women"}).json()["name"] == "All women"
    csv = api.get(f"{ADM}/segments/{seg['id']}/export.csv")
    assert csv.status_code == 200 and csv["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(csv.streaming_content).decode()
    assert body.count("\r\n") == 3 and "13800000001" in body
    template = rows.template(people.merchant)
    issued = api.post(
        f"{ADM}/segments/{seg['id']}/issue-coupon", {"template_id": template.pk, "batch_key": "k1"}
    )
    assert issued.json() == {"members": 2, "issued": 2, "replayed": 0, "skipped_customer_ids": []}
    assert api.get(f"{ADM}/segments").json()["count"] == 2
    assert api.delete(f"{ADM}/segments/{seg['id']}").json() == {"ok": True}


def test_an_invalid_rule_is_a_400_with_its_path(people, api):
    bad = {"all": [FEMALE, FEMALE, {"event": "search", "count": {"op": "over", "value": 3}}]}
    response = api.post(f"{ADM}/segments", {"name": "x", "rule": bad})
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_rule",
        "message": "rule.all[2].count.op is not an operator this field supports.",
        "detail": {
            "path": "rule.all[2].count.op",
            "reason": "unknown_op",
            "allowed": list(("eq", "ne", "gt", "gte", "lt", "lte", "between")),
        },
    }
    assert not Segment.objects.exists()
    zh = ApiClient(api.token, language="zh-hans").post(f"{ADM}/segments/preview", {"rule": {"tag": "x"}})
    assert zh.status_code == 400 and zh.json()["detail"]["path"] == "rule.tag"


def test_permissions(people, make_staff):
    analyst = client_for(make_staff, Role.ANALYST)
    assert analyst.get(f"{ADM}/segments").status_code == 200
    sample = analyst.post(f"{ADM}/segments/preview", {"rule": {"field": "phone", "op": "is_set"}}).json()[
        "sample"
    ]
    assert [s["phone"] for s in sample] == ["138****0001"]  # readers see masked phones
    assert analyst.post(f"{ADM}/segments", {"name": "x", "rule": FEMALE}).status_code == 403
    assert analyst.post(f"{ADM}/tag-groups", {"kind": "basic", "name": "x"}).status_code == 403
    guide = client_for(make_staff, Role.GUIDE)
    seg = guide.post(f"{ADM}/segments", {"name": "Women", "rule": FEMALE}).json()
    template = rows.template(people.merchant)
    refused = guide.post(f"{ADM}/segments/{seg['id']}/issue-coupon", {"template_id": template.pk})
    assert refused.status_code == 403 and not Coupon.objects.filter(template=template).exists()
    outlet_manager = client_for(make_staff, Role.OUTLET_MANAGER)
    # Outlet managers read customers (their guides') since issue 13, but may not write.
    assert outlet_manager.post(f"{ADM}/tag-groups", {"kind": "basic", "name": "x"}).status_code == 403


@pytest.mark.parametrize(
    ("language", "message"),
    [
        (
            "en",
            "Only 3 of these coupons are left, not enough for 5 customers. Issue to the first 3, or to none.",
        ),
        ("zh-hans", "这张券只剩 3 张，不够发给 5 位客户。可以只发给前 3 位，或者都不发。"),
    ],
)
def test_too_few_coupons_for_a_segment_says_how_many_are_left_and_first_n_issues_exactly_n(
    people, owner, api, language, message
):
    from siyu.audience.selectors import segment_customers
    from siyu.testing.snapshots import changed, tenant_rows

    for i in range(3):
        rows.customer(people.merchant, nickname=f"w{i}", gender="female")
    seg = api.post(f"{ADM}/segments", {"name": "Women", "rule": FEMALE}).json()  # 5 members
    members = sorted(segment_customers(Segment.objects.get(pk=seg["id"])).values_list("pk", flat=True))
    scarce = rows.template(people.merchant, total_quantity=4, issued=1)  # 3 left
    url = f"{ADM}/segments/{seg['id']}/issue-coupon"
    before = tenant_rows(people.merchant)

    refused = ApiClient(api.token, language=language).post(url, {"template_id": scarce.pk, "batch_key": "b1"})

    assert refused.status_code == 409, refused.content
    assert refused.json() == {
        "code": "coupon_quantity_short",
        "message": message,
        "detail": {"requested": 5, "remaining": 3},
    }
    assert changed(before, tenant_rows(people.merchant)) == []

    body = {"template_id": scarce.pk, "batch_key": "b1", "first_n": 3}
    issued = api.post(url, body)
    replay = api.post(url, body)

    assert issued.json() == {"members": 5, "issued": 3, "replayed": 0, "skipped_customer_ids": []}
    assert replay.json() == {"members": 5, "issued": 0, "replayed": 3, "skipped_customer_ids": []}
    holders = sorted(Coupon.objects.filter(template=scarce).values_list("customer_id", flat=True))
    assert holders == members[:3]
    scarce.refresh_from_db()
    assert scarce.issued == 4
    assert api.post(url, {"template_id": scarce.pk, "first_n": 0}).status_code == 422


def test_a_lone_surrogate_in_a_rule_is_a_400_and_stores_nothing(people, api):
    """Issue 11 item 22: "\\ud800" is valid JSON but no text; it used to reach the database (500)."""
    bad = {"all": [FEMALE, {"field": "city", "op": "in", "value": ["上海", "\ud800"]}]}
    created = api.post(f"{ADM}/segments", {"name": "x", "rule": bad})
    assert created.status_code == 400
    assert created.json() == {
        "code": "invalid_rule",
        "message": "rule.all[1].value[1] holds text that is not valid Unicode (a lone surrogate).",
        "detail": {"path": "rule.all[1].value[1]", "reason": "invalid_text"},
    }
    zh = ApiClient(api.token, language="zh-hans")
    preview = zh.post(f"{ADM}/segments/preview", {"rule": {"field": "city", "op": "eq", "value": "\udfff"}})
    assert preview.status_code == 400
    assert preview.json()["message"] == "rule.value 含有无效的 Unicode 文本（单独的代理字符）。"
    keyed = api.post(f"{ADM}/segments", {"name": "y", "rule": {"\ud800": 1}})
    assert keyed.status_code == 400 and keyed.json()["detail"]["reason"] == "invalid_text"
    tag_rule = api.post(
        f"{ADM}/tag-rules",
        {"tag_id": people.tags["tea"].pk, "rule": {"field": "city", "op": "eq", "value": "\ud800"}},
    )
    assert (tag_rule.status_code, tag_rule.json()["detail"]["path"]) == (400, "rule.value")
    assert not Segment.objects.exists()
    assert not TagRule.objects.exists()
