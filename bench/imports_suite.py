"""Imports: rows per second and peak memory growth of a large CSV import, against a small baseline.

``run(quick)`` returns what ``bench.run`` reports. It writes two transaction CSVs of generated rows
(a baseline of 10,000 rows and 200,000 rows; 5,000 and 50,000 with ``--quick``), migrates a scratch
SQLite database, and imports each file in a child process of its own with Django set up, reading
the file as a stream, as the API and the background job do. Each child reports its import's
seconds and its peak RSS growth (``resource.getrusage``'s ``ru_maxrss`` after the import less
after a 100-row warm-up import), so the two runs do not share a peak.

The goals are ratios against the baseline measured in the same run, so they hold on any machine:

- ``ratio_rows_per_s`` (large / baseline) at least 0.5: no worse than linear time;
- ``ratio_rss_growth_per_row`` (large / baseline, growth per row) at most 1.5, and
  ``rss_growth_mb_per_100k_rows`` reported: memory grows with the rows kept for the writing
  (a few hundred bytes each), never with the file held as text (a 700k-row, 13 MiB CSV once took
  2.1 GB). See docs/imports.md.

Run alone with ``python -m bench.imports_suite [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench import databases

DEFAULT = {"baseline": 10_000, "large": 200_000}
QUICK = {"baseline": 5_000, "large": 50_000}
GOALS = {"ratio_rows_per_s_min": 0.5, "ratio_rss_growth_per_row_max": 1.5}
TIMEOUT_S = 20 * 60


def write_csv(path: Path, rows: int, seed: int = 11) -> int:
    """A transactions file like a shop's export: customer, date, quantity, amount; its size in bytes."""
    rng = random.Random(seed)
    customers = max(1, rows // 5)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("customer_id,date,quantity,amount\n")
        for _ in range(rows):
            month, day = rng.randint(1, 12), rng.randint(1, 28)
            out.write(
                f"C{rng.randrange(customers):07d},2024-{month:02d}-{day:02d},{rng.randint(1, 3)},"
                f"{rng.randint(100, 99_999) / 100:.2f}\n"
            )
    return path.stat().st_size


def _child(env: dict[str, str], spec: dict[str, Any]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.imports_suite", "--child", json.dumps(spec)],
        env=env,
        cwd=databases.REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(quick: bool = False) -> dict[str, Any]:
    """Import the baseline and the large file; rows/s, RSS growth and their ratios."""
    sizes = QUICK if quick else DEFAULT
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="siyu-imports-") as tmp:
        env = databases.django_env(Path(tmp))
        databases.migrate(env)
        measured = {}
        for name, rows in sizes.items():
            path = Path(tmp) / f"{name}.csv"
            size = write_csv(path, rows)
            measured[name] = _child(env, {"file": str(path), "rows": rows, "slug": f"bench-{name}"})
            measured[name]["mib"] = round(size / 2**20, 1)
    for name, numbers in measured.items():
        rows = sizes[name]
        result[f"imports_{name}_rows"] = rows
        result[f"imports_{name}_file_mib"] = numbers["mib"]
        result[f"imports_{name}_seconds"] = round(numbers["seconds"], 2)
        result[f"imports_{name}_rows_per_s"] = round(rows / numbers["seconds"])
        result[f"imports_{name}_rss_growth_mb"] = round(numbers["rss_growth_kb"] / 1024, 1)
    base, large = measured["baseline"], measured["large"]
    speed = (sizes["large"] / large["seconds"]) / (sizes["baseline"] / base["seconds"])
    per_row_base = max(base["rss_growth_kb"], 1) / sizes["baseline"]
    per_row_large = large["rss_growth_kb"] / sizes["large"]
    result["imports_rss_growth_mb_per_100k_rows"] = round(per_row_large * 100_000 / 1024, 1)
    result["imports_ratio_rows_per_s"] = round(speed, 2)
    result["imports_ratio_rss_growth_per_row"] = round(per_row_large / per_row_base, 2)
    result["imports_goals"] = GOALS
    result["imports_goals_met"] = (
        speed >= GOALS["ratio_rows_per_s_min"]
        and per_row_large / per_row_base <= GOALS["ratio_rss_growth_per_row_max"]
    )
    return result


def _measure(spec: dict[str, Any]) -> dict[str, Any]:
    import io
    import resource
    import time

    import django

    django.setup()
    from siyu.imports.services import ImportOptions, import_transactions
    from siyu.tenancy.models import Merchant

    merchant = Merchant.objects.create(slug=spec["slug"], name=spec["slug"])
    warm = "customer_id,date,quantity,amount\n" + "".join(f"W{i},2024-01-01,1,1.00\n" for i in range(100))
    warm_options = ImportOptions(source="warm")
    import_transactions(merchant=merchant, data=io.BytesIO(warm.encode()), options=warm_options)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with open(spec["file"], "rb") as stream:
        report = import_transactions(merchant=merchant, data=stream, filename="bench.csv")
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if report.imported != spec["rows"]:
        raise RuntimeError(f"imported {report.imported} of {spec['rows']} rows")
    return {"seconds": seconds, "rss_growth_kb": after - before}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.imports_suite")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_measure(json.loads(args.child))))
        return
    for key, value in run(args.quick).items():
        print(f"{key} = {value}")


if __name__ == "__main__":
    main()
