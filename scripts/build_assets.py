"""Copy the front-end packages npm installed into ``siyu/static/vendor/`` (``make assets`` runs it).

The pages load these files from our own static files, never from a CDN, so the console and the
shop work offline. ``package.json`` and ``package-lock.json`` pin the versions; ``npm ci`` fetches
them into ``node_modules/``; this script picks the one file each page needs plus its licence, and
writes ``manifest.json`` (what came from which package version), which make uses as its stamp.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = ROOT / "node_modules"
VENDOR = ROOT / "siyu" / "static" / "vendor"

# (npm package, file inside it, name under siyu/static/vendor/)
FILES = [
    ("htmx.org", "dist/htmx.min.js", "htmx.min.js"),
    ("echarts", "dist/echarts.min.js", "echarts.min.js"),
]
LICENCES = ("LICENSE", "LICENSE.md", "LICENSE.txt")


def build() -> dict[str, str]:
    if not MODULES.is_dir():
        sys.exit("node_modules/ is missing: run `npm ci` first (or `make assets`).")
    VENDOR.mkdir(parents=True, exist_ok=True)
    versions: dict[str, str] = {}
    for package, source, target in FILES:
        folder = MODULES / package
        path = folder / source
        if not path.is_file():
            sys.exit(f"{path.relative_to(ROOT)} is missing: run `npm ci` again.")
        shutil.copyfile(path, VENDOR / target)
        for name in LICENCES:
            if (folder / name).is_file():
                shutil.copyfile(folder / name, VENDOR / f"{package}.LICENSE")
                break
        if (folder / "NOTICE").is_file():  # Apache-2.0 asks for the NOTICE to travel with the code
            shutil.copyfile(folder / "NOTICE", VENDOR / f"{package}.NOTICE")
        versions[package] = json.loads((folder / "package.json").read_text())["version"]
    (VENDOR / "manifest.json").write_text(
        json.dumps({"files": {t: p for p, _, t in FILES}, "versions": versions}, indent=2) + "\n"
    )
    return versions


if __name__ == "__main__":
    built = build()
    print("vendored into siyu/static/vendor/: " + ", ".join(f"{p} {v}" for p, v in built.items()))
