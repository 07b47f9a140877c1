"""Segments through the services: create/update/delete, preview, static snapshots, counts, CSV, coupons."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from siyu.audience import services as svc
from siyu.audience.errors import (
    DuplicateName,
    InvalidRule,
    SegmentEmpty,
    SegmentTooLarge,
    StaticSegmentFrozen,
)
from siyu.audience.models import Segment, SegmentMember
from siyu.audience.selectors import segment_customers
from siyu.audience.services import segments as segment_services
from siyu.core.errors import NotFound, PermissionDenied
from siyu.promotions.errors import CouponSoldOut
from siyu.promotions.models import Coupon
from siyu.tenancy.models import AuditEntry, Role
from siyu.testing import rows

pytestmark = pytest.mark.django_db
FEMALE = {"field": "gender", "op": "eq", "value": "female"}


def nicknames(segment: Segment) -> list[str]:
    return list(segment_customers(segment).values_list("nickname", flat=True))


def test_create_update_delete_are_validated_and_audited(people, owner):
    segment = svc.create_segment(staff=owner, name=" Women ", rule=FEMALE, description="all women")
    assert (segment.name, segment.kind, segment.member_count) == ("Women", "dynamic", 2)
    assert segment.computed_at is not None
    assert nicknames(segment) == ["dan", "ann"]  # newest first
    with pytest.raises(DuplicateName):
        svc.create_segment(staff=owner, name="Women", rule=FEMALE)
    with pytest.raises(InvalidRule) as caught:
        svc.update_segment(
            staff=owner, segment_id=segment.pk, rule={"all": [FEMALE, {"tag": people.tags["beta"].pk}]}
        )
    assert caught.value.detail["path"] == "rule.all[1].tag"
    segment.refresh_from_db()
    assert segment.rule == FEMALE
    updated = svc.update_segment(staff=owner, segment_id=segment.pk, rule={"not": FEMALE}, name="Not women")
    assert (updated.name, updated.member_count) == ("Not women", 2)
    svc.delete_segment(staff=owner, segment_id=segment.pk)
    assert not Segment.objects.exists()
    audit = list(
        AuditEntry.objects.filter(action__startswith="segment.").order_by("id").values_list("action", "after")
    )
    assert [a for a, _ in audit] == ["segment.create", "segment.update", "segment.delete"]
    assert audit[0][1] == {
        "name": "Women",
        "description": "all women",
        "kind": "dynamic",
        "rule": FEMALE,
        "member_count": 2,
    }


def test_refusals_leave_nothing_behind(people, owner, make_staff):
    with pytest.raises(InvalidRule):
        svc.create_segment(staff=owner, name="x", rule={"field": "gender", "op": "eq", "value": "robot"})
    with pytest.raises(PermissionDenied):
        svc.create_segment(staff=make_staff(Role.ANALYST), name="x", rule=FEMALE)
    assert not Segment.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="segment.").exists()


def test_preview_is_one_statement(people, owner):
    with CaptureQueriesContext(connection) as queries:
        result = svc.preview_rule(staff=owner, rule={"any": [FEMALE, {"semi_private": True}]})
    assert len(queries) == 1
    assert result["count"] == 2
    assert [s["nickname"] for s in result["sample"]] == ["dan", "ann"]
    assert result["sample"][1] == {
        "id": people.c["ann"].pk,
        "nickname": "ann",
        "gender": "female",
        "province": "浙江",
        "city": "杭州",
        "phone": "13800000001",
        "registered_at": people.c["ann"].registered_at,
    }
    assert svc.preview_rule(staff=owner, rule={"field": "city", "op": "eq", "value": "北京"}) == {
        "count": 0,
        "sample": [],
    }


def test_preview_count_beyond_the_sample(merchant, owner):
    for i in range(12):
        rows.customer(merchant, nickname=f"p{i}", gender="male")
    result = svc.preview_rule(staff=owner, rule={"field": "gender", "op": "eq", "value": "male"})
    assert result["count"] == 12
    assert [s["nickname"] for s in result["sample"]] == [f"p{i}" for i in range(11, 1, -1)]


def test_a_static_snapshot_stays_while_the_dynamic_segment_moves(people, owner):
    dynamic = svc.create_segment(staff=owner, name="Women", rule=FEMALE)
    frozen = svc.snapshot_segment(staff=owner, segment_id=dynamic.pk, name="Women in June")
    assert (frozen.kind, frozen.member_count, frozen.rule) == ("static", 2, FEMALE)
    assert SegmentMember.objects.filter(segment=frozen).count() == 2
    fay = rows.customer(people.merchant, nickname="fay", gender="female")
    people.c["ann"].gender = "male"
    people.c["ann"].save(update_fields=["gender"])
    assert nicknames(dynamic) == ["fay", "dan"]
    assert nicknames(frozen) == ["dan", "ann"]
    assert svc.refresh_segment_counts() == {"segments": 1}
    dynamic.refresh_from_db()
    frozen.refresh_from_db()
    assert (dynamic.member_count, frozen.member_count) == (2, 2)
    with pytest.raises(StaticSegmentFrozen):
        svc.update_segment(staff=owner, segment_id=frozen.pk, rule={"not": FEMALE})
    renamed = svc.update_segment(staff=owner, segment_id=frozen.pk, name="June women")
    assert renamed.name == "June women" and nicknames(renamed) == ["dan", "ann"]
    again = svc.snapshot_segment(staff=owner, segment_id=frozen.pk)  # a snapshot of a snapshot
    assert nicknames(again) == ["dan", "ann"] and again.name.startswith("June women @ ")
    assert fay.pk not in SegmentMember.objects.values_list("customer_id", flat=True)


def test_static_segments_freeze_on_creation(people, owner):
    with CaptureQueriesContext(connection) as queries:
        segment = svc.create_segment(
            staff=owner, name="Hangzhou", rule={"field": "city", "op": "eq", "value": "杭州"}, kind="static"
        )
    inserts = [q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "audience_segmentmember"')]
    assert len(inserts) == 1 and "SELECT" in inserts[0]
    assert nicknames(segment) == ["dan", "ann"] and segment.member_count == 2


def test_csv_export_is_exact_and_masks_phones_for_readers(people, owner, make_staff):
    segment = svc.create_segment(
        staff=owner,
        name="Hangzhou or blank",
        rule={"any": [{"field": "city", "op": "eq", "value": "杭州"}, {"field": "city", "op": "is_not_set"}]},
    )
    people.c["cat"].nickname = "=HYPERLINK(1)"
    people.c["cat"].save(update_fields=["nickname"])
    c = people.c

    def local(customer):
        return timezone.localtime(customer.registered_at).isoformat(timespec="seconds")

    header = (
        "\ufeffid,nickname,phone,gender,province,city,registered_at,lifecycle_stage,value_tier,rfm_class\r\n"
    )
    rows = [
        f"{c['ann'].pk},ann,{{phone}},female,浙江,杭州,{local(c['ann'])},growth,active,important_value\r\n",
        f"{c['cat'].pk},'=HYPERLINK(1),,unknown,,,{local(c['cat'])},introduction,newly_activated,\r\n",
        f"{c['dan'].pk},dan,,female,,杭州,{local(c['dan'])},introduction,newly_activated,\r\n",
    ]
    editor = svc.start_export(staff=owner, segment_id=segment.pk)
    assert "".join(svc.csv_lines(staff=owner, segment=editor)) == header + "".join(rows).replace(
        "{phone}", "13800000001"
    )
    reader = make_staff(Role.ANALYST)
    lines = "".join(
        svc.csv_lines(staff=reader, segment=svc.start_export(staff=reader, segment_id=segment.pk))
    )
    assert lines == header + "".join(rows).replace("{phone}", "138****0001")
    assert list(
        AuditEntry.objects.filter(action="segment.export").order_by("id").values_list("after", flat=True)
    ) == [
        {"phones": "full"},
        {"phones": "masked"},
    ]
    assert svc.mask_phone("13812345678") == "138****5678" and svc.mask_phone("12345") == "****"


def test_coupons_go_to_exactly_the_members(people, owner):
    segment = svc.create_segment(staff=owner, name="Women", rule=FEMALE)
    template = rows.template(people.merchant, per_customer_limit=3)
    result = svc.issue_coupon_to_segment(
        staff=owner, segment_id=segment.pk, template_id=template.pk, batch_key="june"
    )
    assert result == {"members": 2, "issued": 2, "replayed": 0, "skipped_customer_ids": []}
    holders = sorted(Coupon.objects.filter(template=template).values_list("customer__nickname", flat=True))
    assert holders == ["ann", "dan"]
    replay = svc.issue_coupon_to_segment(
        staff=owner, segment_id=segment.pk, template_id=template.pk, batch_key="june"
    )
    assert replay == {"members": 2, "issued": 0, "replayed": 2, "skipped_customer_ids": []}
    assert Coupon.objects.filter(template=template).count() == 2
    assert AuditEntry.objects.filter(action="segment.issue_coupon").count() == 2


def test_coupon_hand_off_is_chunked_and_all_or_nothing(people, owner, monkeypatch):
    monkeypatch.setattr(segment_services, "MAX_TARGETED", 2)
    for i in range(3):
        rows.customer(people.merchant, nickname=f"w{i}", gender="female")
    segment = svc.create_segment(staff=owner, name="Women", rule=FEMALE)  # 5 members: chunks of 2, 2, 1
    plenty = rows.template(people.merchant)
    result = svc.issue_coupon_to_segment(staff=owner, segment_id=segment.pk, template_id=plenty.pk)
    assert result == {"members": 5, "issued": 5, "replayed": 0, "skipped_customer_ids": []}
    chunks = AuditEntry.objects.filter(action="coupon.issue", object_id=str(plenty.pk)).order_by("id")
    assert [a.after["issued"] for a in chunks] == [2, 2, 1]
    scarce = rows.template(people.merchant, total_quantity=3)
    with pytest.raises(CouponSoldOut):
        svc.issue_coupon_to_segment(staff=owner, segment_id=segment.pk, template_id=scarce.pk)
    scarce.refresh_from_db()
    assert scarce.issued == 0 and not Coupon.objects.filter(template=scarce).exists()


def test_coupon_hand_off_refusals(people, owner, make_staff, monkeypatch):
    empty = svc.create_segment(
        staff=owner, name="Nobody", rule={"field": "city", "op": "eq", "value": "北京"}
    )
    template = rows.template(people.merchant)
    with pytest.raises(SegmentEmpty):
        svc.issue_coupon_to_segment(staff=owner, segment_id=empty.pk, template_id=template.pk)
    women = svc.create_segment(staff=owner, name="Women", rule=FEMALE)
    monkeypatch.setattr(segment_services, "MAX_SEGMENT_ISSUE", 1)
    with pytest.raises(SegmentTooLarge) as caught:
        svc.issue_coupon_to_segment(staff=owner, segment_id=women.pk, template_id=template.pk)
    assert caught.value.detail == {"segment_id": women.pk, "limit": 1}
    with pytest.raises(PermissionDenied):
        svc.issue_coupon_to_segment(
            staff=make_staff(Role.GUIDE), segment_id=women.pk, template_id=template.pk
        )
    other_template = rows.template(people.other)
    monkeypatch.setattr(segment_services, "MAX_SEGMENT_ISSUE", 100)
    with pytest.raises(NotFound):
        svc.issue_coupon_to_segment(staff=owner, segment_id=women.pk, template_id=other_template.pk)
    assert not Coupon.objects.filter(template__in=[template, other_template]).exists()
