"""The courier list: every courier's own example passes, near misses are refused, names resolve."""

from __future__ import annotations

import pytest

from siyu.orders.couriers import COURIERS, check_tracking, courier_label, find_courier, normalise_number
from siyu.orders.errors import TrackingNumberInvalid, UnknownCourier


@pytest.mark.parametrize("courier", COURIERS, ids=lambda c: c.code)
def test_each_couriers_example_is_valid_and_a_digit_short_is_not(courier):
    assert check_tracking(courier.code, courier.example) == (courier, courier.example)
    with pytest.raises(TrackingNumberInvalid) as refused:
        check_tracking(courier.code, courier.example[:-1])
    assert refused.value.detail == {
        "tracking_number": courier.example[:-1],
        "carrier": courier.code,
        "example": courier.example,
    }


@pytest.mark.parametrize(
    ("carrier", "number"),
    [
        ("SF", "JDVA12345678901"),  # a JD number under SF
        ("JD", "SF1234567890123"),
        ("YTO", "YT123456789012"),  # 12 digits after YT
        ("ZTO", "1234567890123"),
        ("JTSD", "JT12345678901234"),
        ("EMS", "AB123456789"),
        ("DBL", "DPK1234"),
    ],
)
def test_numbers_of_the_wrong_shape_are_refused(carrier, number):
    with pytest.raises(TrackingNumberInvalid):
        check_tracking(carrier, number)


def test_couriers_are_found_by_code_name_or_alias_and_numbers_are_normalised():
    assert [find_courier(t).code for t in ("sf", "顺丰速运", "顺丰", "SF Express", " 中通 ", "J&T")] == [  # type: ignore[union-attr]
        "SF",
        "SF",
        "SF",
        "SF",
        "ZTO",
        "JTSD",
    ]
    assert find_courier("UPS") is None
    assert normalise_number(" sf 1234 5678 90123 ") == "SF1234567890123"
    assert normalise_number("ＳＦ１２３") == "SF123"  # full-width, as a Chinese keyboard types it
    assert check_tracking("顺丰", "sf1234567890123")[1] == "SF1234567890123"
    with pytest.raises(UnknownCourier):
        check_tracking("UPS", "1Z999AA10123456784")


def test_the_label_is_the_name_in_the_active_language_and_old_free_text_stays(settings):
    from django.utils import translation

    with translation.override("zh-hans"):
        assert (courier_label("SF"), courier_label("圆通速递"), courier_label("某某物流")) == (
            "顺丰速运",
            "圆通速递",
            "某某物流",
        )
    with translation.override("en"):
        assert (courier_label("SF"), courier_label("京东物流"), courier_label("")) == (
            "SF Express",
            "JD Logistics",
            "",
        )
