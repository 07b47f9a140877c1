"""The courier companies (快递公司) a merchant ships with, and the shape of each one's tracking numbers.

``Order.carrier`` stores a courier's ``code`` (``SF``, ``ZTO`` ...); pages show ``courier_label``,
the name in the reader's language. Shipping, one order or a file of them, calls ``check_tracking``:
an unknown courier or a number that cannot be that courier's is refused before anything changes.

The patterns are the formats the couriers print on their waybills today (checked against their
published examples); they are deliberately strict on length and prefix, the typos batch shipping
must catch (a digit short, SF and JD swapped), and say nothing about check digits, which some
couriers do not publish. Orders shipped before the list existed keep their free-text carrier:
``courier_label`` shows it as it was typed, or the name if it matches a courier's name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import get_language

from siyu.orders.errors import TrackingNumberInvalid, UnknownCourier


@dataclass(frozen=True)
class Courier:
    code: str
    name_zh: str
    name_en: str
    pattern: str  # a full match of the normalised number (upper case, no spaces)
    example: str
    aliases: tuple[str, ...] = ()  # other names people type (and older orders stored)

    @property
    def name(self) -> str:
        """The courier's name in the active language."""
        return self.name_zh if (get_language() or "zh-hans").startswith("zh") else self.name_en

    def matches(self, number: str) -> bool:
        return re.fullmatch(self.pattern, number) is not None


COURIERS: tuple[Courier, ...] = (
    Courier("SF", "顺丰速运", "SF Express", r"SF\d{13}|\d{12}", "SF1234567890123", ("顺丰", "顺丰快递")),
    Courier(
        "ZTO", "中通快递", "ZTO Express", r"(7[0-9]|6[2-8]|5[0-9])\d{10}", "781234567890", ("中通", "ZT")
    ),
    Courier("YTO", "圆通速递", "YTO Express", r"YT\d{13}", "YT1234567890123", ("圆通", "圆通快递", "YT")),
    Courier(
        "STO",
        "申通快递",
        "STO Express",
        r"77\d{13}|(268|368|468|568|668|868|888|900)\d{9}",
        "773123456789012",
        ("申通",),
    ),
    Courier(
        "YUNDA",
        "韵达快递",
        "Yunda Express",
        r"(31|43|46|10|12|13|19|59|88)\d{11}|\d{15}",
        "4312345678901",
        ("韵达", "YD"),
    ),
    Courier(
        "JD",
        "京东物流",
        "JD Logistics",
        r"JD[A-Z]{2}\d{11}(-\d{1,3}-\d{1,3}-?)?",
        "JDVA12345678901",
        ("京东", "京东快递"),
    ),
    Courier(
        "EMS",
        "EMS",
        "EMS",
        r"[A-Z]{2}\d{9}[A-Z]{2}|(10|11|50|51|95|97|98)\d{11}",
        "1012345678901",
        ("中国邮政EMS", "邮政EMS"),
    ),
    Courier(
        "YZPY",
        "中国邮政",
        "China Post",
        r"(9[0-9]|1[0-9])\d{11}|[A-Z]{2}\d{9}CN",
        "9812345678901",
        ("邮政", "邮政包裹", "邮政快递包裹"),
    ),
    Courier("JTSD", "极兔速递", "J&T Express", r"JT\d{13}", "JT1234567890123", ("极兔", "J&T", "JT")),
    Courier(
        "DBL", "德邦快递", "Deppon", r"DPK\d{12}|\d{10}", "DPK123456789012", ("德邦", "德邦物流", "DEPPON")
    ),
)
BY_CODE: dict[str, Courier] = {c.code: c for c in COURIERS}
_BY_NAME: dict[str, Courier] = {
    key.casefold(): c for c in COURIERS for key in (c.code, c.name_zh, c.name_en, *c.aliases)
}


def normalise_number(number: str) -> str:
    """A tracking number as couriers print it: upper case, no spaces or full-width characters."""
    text = "".join(number.split()).upper()
    return text.translate({code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)})  # ＳＦ１ -> SF1


def find_courier(text: str) -> Courier | None:
    """The courier a person named: by code (``SF``), Chinese or English name or a common alias."""
    return _BY_NAME.get("".join(text.split()).casefold()) or _BY_NAME.get(text.strip().casefold())


def check_tracking(courier: str, number: str) -> tuple[Courier, str]:
    """The courier and the normalised number, or the refusal a person can act on."""
    found = find_courier(courier)
    if found is None:
        raise UnknownCourier(detail={"carrier": courier[:32], "allowed": [c.code for c in COURIERS]})
    normal = normalise_number(number)
    if not found.matches(normal):
        raise TrackingNumberInvalid(
            TrackingNumberInvalid.for_courier(found),
            detail={"tracking_number": number[:64], "carrier": found.code, "example": found.example},
        )
    return found, normal


def courier_label(stored: str) -> str:
    """What a page shows for ``Order.carrier``: the courier's name, or older free text as it was."""
    found = (BY_CODE.get(stored) or find_courier(stored)) if stored else None
    return found.name if found is not None else stored


def courier_choices() -> list[tuple[str, str]]:
    """(code, name) for a form's select, in the active language."""
    return [(c.code, c.name) for c in COURIERS]
