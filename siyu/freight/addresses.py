"""An address's region: names and GB/T 2260 codes that agree (the shop's forms and API save through it)."""

from __future__ import annotations

from siyu.freight import regions
from siyu.freight.errors import RegionInvalid


def address_region(
    *,
    province_code: str = "",
    city_code: str = "",
    district_code: str = "",
    province: str = "",
    city: str = "",
    district: str = "",
) -> dict[str, str]:
    """An address's region, names and codes agreeing. With codes: they are checked (each under the
    one before; a district is needed where the city has districts) and the names come from them.
    Without: the names are kept and their codes looked up (``上海``/``上海市`` alike), ``""`` where a
    name is not a known division. Raises ``RegionInvalid`` naming the field that is wrong."""
    if province_code or city_code or district_code:
        try:
            names = regions.check(province_code, city_code, district_code)
        except regions.RegionMismatch as exc:
            raise RegionInvalid(detail={exc.field: exc.code}) from exc
        return dict(
            zip(
                ("province", "city", "district", "province_code", "city_code", "district_code"),
                (*names, province_code, city_code, district_code),
                strict=True,
            )
        )
    codes = regions.codes_for(province, city, district)
    return {
        "province": province,
        "city": city,
        "district": district,
        "province_code": codes[0],
        "city_code": codes[1],
        "district_code": codes[2],
    }
