"""China's administrative divisions by GB/T 2260 code: names by code, codes by name, the tree.

The data is ``data/regions.json`` (built by ``scripts/build_regions.py`` from a pinned npm package;
its ``source`` says which). Three levels: province (``110000``), city (``110100``), district
(``110101``); a municipality has one city of its own name, and a county-level city a province
governs directly is a city with no districts. Pure Python: the pricing engine's freight step and
the build script may import it without Django.

Names are matched as people write them: ``上海``, ``上海市``, ``广西``, ``广西壮族自治区``, ``杭州``
and ``杭州市`` all resolve; a name is looked up under its parent (``朝阳区`` is in Beijing and in
Changchun).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "regions.json"
PROVINCE, CITY, DISTRICT = 1, 2, 3
# Longest first: 新疆维吾尔自治区 -> 新疆, not 新疆维吾尔.
SUFFIXES = (
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "特别行政区",
    "自治区",
    "地区",
    "省",
    "市",
    "盟",
    "区",
    "县",
)


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: int  # PROVINCE, CITY or DISTRICT
    parent: str  # the parent's code; "" for a province


class RegionMismatch(ValueError):
    """A code that is unknown, at the wrong level, or not under the code given for its parent."""

    def __init__(self, field: str, code: str) -> None:
        super().__init__(f"{field}={code!r}")
        self.field = field
        self.code = code


@dataclass(frozen=True)
class _Index:
    by_code: dict[str, Division]
    children: dict[str, tuple[str, ...]]  # "" -> the provinces
    by_name: dict[tuple[str, str], str]  # (parent code, name) -> code
    by_short: dict[tuple[str, str], str]  # (parent code, short name) -> code
    source: dict[str, str]


def short_name(name: str) -> str:
    """The name without its administrative suffix (``浙江省`` -> ``浙江``), if two characters remain."""
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


@cache
def _index() -> _Index:
    raw = json.loads(DATA.read_text(encoding="utf-8"))
    by_code: dict[str, Division] = {}
    children: dict[str, list[str]] = {"": []}
    by_name: dict[tuple[str, str], str] = {}
    by_short: dict[tuple[str, str], str] = {}

    def add(code: str, name: str, level: int, parent: str) -> None:
        by_code[code] = Division(code, name, level, parent)
        children.setdefault(parent, []).append(code)
        children.setdefault(code, [])
        by_name[(parent, name)] = code
        by_short.setdefault((parent, short_name(name)), code)

    for p_code, p_name, cities in raw["regions"]:
        add(p_code, p_name, PROVINCE, "")
        for c_code, c_name, districts in cities:
            add(c_code, c_name, CITY, p_code)
            for d_code, d_name in districts:
                add(d_code, d_name, DISTRICT, c_code)
    return _Index(by_code, {k: tuple(v) for k, v in children.items()}, by_name, by_short, raw["source"])


def source() -> dict[str, str]:
    """Where the data came from: package, registry, version, licence."""
    return dict(_index().source)


def get(code: str) -> Division | None:
    return _index().by_code.get(code)


def name_of(code: str) -> str:
    """The division's name, or ``""`` for an unknown code."""
    division = _index().by_code.get(code)
    return division.name if division else ""


def children(code: str = "") -> list[Division]:
    """The divisions directly under ``code`` (the provinces for ``""``), by code."""
    index = _index()
    return [index.by_code[c] for c in index.children.get(code, ())]


def provinces() -> list[Division]:
    return children("")


def find(name: str, parent: str = "") -> str:
    """The code of the division called ``name`` under ``parent`` (``""``: a province), or ``""``."""
    name = name.strip()
    if not name:
        return ""
    index = _index()
    return index.by_name.get((parent, name)) or index.by_short.get((parent, short_name(name)), "")


def province_of(code: str) -> str:
    """The province a division is in (itself for a province); ``""`` for an unknown code."""
    division = get(code)
    while division is not None and division.level > PROVINCE:
        division = get(division.parent)
    return division.code if division else ""


def lineage(code: str) -> tuple[str, ...]:
    """The division's code and its ancestors' codes, most specific first."""
    chain: list[str] = []
    division = get(code)
    while division is not None:
        chain.append(division.code)
        division = get(division.parent)
    return tuple(chain)


def check(province: str, city: str, district: str = "") -> tuple[str, str, str]:
    """The names of a consistent (province, city, district) of codes; ``district`` may be ``""`` only
    where the city has no districts. Raises ``RegionMismatch`` naming the first field that is wrong."""
    p, c = get(province), get(city)
    if p is None or p.level != PROVINCE:
        raise RegionMismatch("province_code", province)
    if c is None or c.level != CITY or c.parent != p.code:
        raise RegionMismatch("city_code", city)
    if not district:
        if children(c.code):
            raise RegionMismatch("district_code", district)
        return p.name, c.name, ""
    d = get(district)
    if d is None or d.level != DISTRICT or d.parent != c.code:
        raise RegionMismatch("district_code", district)
    return p.name, c.name, d.name


def codes_for(province: str, city: str, district: str = "") -> tuple[str, str, str]:
    """Best-effort codes for names (``上海``, ``上海市``, ``浦东新区``); ``""`` where a name is not found."""
    p = find(province)
    c = find(city, p) if p else ""
    d = find(district, c) if c and district else ""
    return p, c, d
