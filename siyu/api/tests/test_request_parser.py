"""Input every route refuses before its view runs: a date-time with an offset no time zone uses."""

from siyu.promotions.models import CouponTemplate


def _template(valid_until: str) -> dict:
    return {
        "title": "满100减10",
        "kind": "amount",
        "amount": 1000,
        "threshold": 10000,
        "valid_until": valid_until,
    }


def test_impossible_utc_offset_is_refused_and_changes_nothing(staff_api):
    r = staff_api.post("/api/v1/admin/coupon-templates", _template("2027-12-06T02:58:30-16:49"))
    assert r.status_code == 400
    assert CouponTemplate.objects.count() == 0


def test_real_offsets_are_accepted(staff_api):
    r = staff_api.post("/api/v1/admin/coupon-templates", _template("2027-12-06T02:58:30+14:00"))
    assert r.status_code == 201, r.json()
    assert CouponTemplate.objects.count() == 1
