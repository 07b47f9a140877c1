"""The behaviour-event ingestion benchmark, on PostgreSQL: events per second three ways, one run.

``run(quick)`` returns, each for the same kind of rows (batches of 500, ~1% replayed ids, times
spread over the last 30 days so rows go to two monthly partitions, a third of them with a source):

- ``events_record_per_s``: through ``siyu.events.services.record_events`` in one process (parse and
  validate every event, resolve visitors, ONE key-claiming insert per batch, touch updates);
- ``events_http_per_s``: through ``POST /api/v1/shop/{merchant}/events`` on granian (2 workers,
  4 threads), 4 client connections, JSON batches of 500 (what a fleet of clients costs the server);
- ``events_copy_ceiling_per_s``: the same rows by binary COPY into an unindexed, unpartitioned copy
  of the table: what PostgreSQL takes at all on this machine, with no key, index or validation.

and the ratios of the first two to the ceiling. The measuring happens in a child process against a
scratch database this module creates and drops by its own name. Run alone with
``python -m bench.events_suite [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from bench import databases, machine

SCRATCH_DB = "siyu_bench_events"
BATCH = 500
FULL = {"record_batches": 200, "http_batches": 120, "connections": 4, "devices": 5_000, "customers": 500}
QUICK = {"record_batches": 40, "http_batches": 24, "connections": 4, "devices": 1_000, "customers": 100}
DUPLICATE_SHARE = 0.01
CHILD_TIMEOUT_S = 1_200


def _admin(admin_url: str, statement: sql.Composed) -> None:
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(statement)


def run(quick: bool) -> dict[str, Any]:
    """The three rates on a scratch PostgreSQL database, or the reason they were skipped."""
    size = QUICK if quick else FULL
    admin_url = databases.postgres_admin_url()
    reason = databases.postgres_reachable(admin_url)
    if reason:
        return {"events_skipped": reason}
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(SCRATCH_DB))
    _admin(admin_url, drop)
    _admin(admin_url, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(SCRATCH_DB)))
    try:
        with tempfile.TemporaryDirectory(prefix="siyu-events-") as tmp:
            url = f"{admin_url.rpartition('/')[0]}/{SCRATCH_DB}"
            env = databases.django_env(Path(tmp), url)
            databases.migrate(env)
            busy = machine.cpu_busy(1.0)
            out = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bench.events_suite",
                    "--child",
                    json.dumps(size | {"database_url": url}),
                ],
                env=env,
                cwd=databases.REPO_ROOT,
                capture_output=True,
                text=True,
                timeout=CHILD_TIMEOUT_S,
                check=True,
            )
            result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
            result["events_other_cpu_busy_at_start"] = busy
            return result
    finally:
        _admin(admin_url, drop)


# --- the child ------------------------------------------------------------------------------------

KINDS = ("page_view", "product_view", "search", "add_to_cart", "visit", "favourite", "share")
CHANNELS = ("moments", "promo_link", "mp_code", "h5", "article", "live", "outlet", "ads")


class Workload:
    """Deterministic batches of raw events as clients send them, ~1% replays of earlier ids."""

    def __init__(self, seed: int, devices: int, now: Any) -> None:
        import random

        self.rng = random.Random(seed)
        self.devices = devices
        self.now = now
        self.sent: list[str] = []

    def event(self) -> dict[str, Any]:
        rng = self.rng
        kind = KINDS[rng.randrange(len(KINDS))]
        at = self.now - timedelta(seconds=rng.randrange(29 * 86_400))
        event: dict[str, Any] = {
            "event_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "type": kind,
            "occurred_at": at.isoformat(),
            "anonymous_id": f"dev-{rng.randrange(self.devices)}",
            "device": "ios" if rng.random() < 0.5 else "android",
        }
        if kind == "search":
            event["properties"] = {"keywords": rng.choice(["龙井", "普洱", "礼盒", "白茶 新品"])}
        elif kind in ("product_view", "add_to_cart", "favourite"):
            event["properties"] = {"product_id": rng.randrange(1, 400), "sku_id": rng.randrange(1, 900)}
        else:
            event["properties"] = {"path": f"/p/{rng.randrange(400)}"}
        if rng.random() < 0.33:
            event["source"] = {"channel": rng.choice(CHANNELS), "campaign": f"c{rng.randrange(20)}"}
        return event

    def batch(self) -> list[dict[str, Any]]:
        events = [self.event() for _ in range(BATCH)]
        replays = int(BATCH * DUPLICATE_SHARE)
        if len(self.sent) >= replays:
            for i in range(replays):  # a client that retried: the same ids again
                events[i]["event_id"] = self.sent[self.rng.randrange(len(self.sent))]
        self.sent.extend(e["event_id"] for e in events[replays:])
        return events


def _link_devices(merchant: Any, customers: list[Any], devices: int) -> None:
    """A fifth of the devices belong to customers who logged in: their events resolve at ingestion."""
    from django.utils import timezone

    from siyu.events.models import IdentityLink

    IdentityLink.objects.bulk_create(
        [
            IdentityLink(
                merchant=merchant,
                anonymous_id=f"dev-{d}",
                customer=customers[d % len(customers)],
                via="login",
                linked_at=timezone.now(),
            )
            for d in range(0, devices, 5)
        ]
    )


def _record(spec: dict[str, Any], merchant: Any, now: Any) -> dict[str, Any]:
    from siyu.events.services import record_events

    work = Workload(1, spec["devices"], now)
    batches = [work.batch() for _ in range(spec["record_batches"])]
    record_events(merchant=merchant, events=work.batch())  # warm-up: partitions known, plans cached
    accepted = duplicates = rejected = 0
    began = time.perf_counter()
    for batch in batches:
        result = record_events(merchant=merchant, events=batch)
        accepted += result.accepted
        duplicates += result.duplicates
        rejected += len(result.rejected)
    seconds = time.perf_counter() - began
    sent = len(batches) * BATCH
    return {
        "events_record_events": sent,
        "events_record_accepted": accepted,
        "events_record_duplicates": duplicates,
        "events_record_rejected": rejected,
        "events_record_seconds": round(seconds, 2),
        "events_record_per_s": round(sent / seconds, 1),
        "_batches": batches,
    }


def _http(spec: dict[str, Any], merchant: Any, now: Any) -> dict[str, Any]:
    from siyu.testing import crowd

    work = Workload(2, spec["devices"], now)
    bodies = [json.dumps({"events": work.batch()}).encode() for _ in range(spec["http_batches"])]
    headers = {"Content-Type": "application/json"}
    env = crowd.server_env(spec["database_url"])
    with crowd.serve(env) as port:
        crowd.stampede(  # warm-up: every worker has loaded Django and opened its connection
            port=port,
            path=f"/api/v1/shop/{merchant.slug}/events",
            attempts=8,
            concurrency=spec["connections"],
            request_for=lambda i: ("POST", json.dumps({"events": work.batch()[:50]}).encode(), headers),
        )
        result = crowd.stampede(
            port=port,
            path=f"/api/v1/shop/{merchant.slug}/events",
            attempts=len(bodies),
            concurrency=spec["connections"],
            request_for=lambda i: ("POST", bodies[i], headers),
            timeout=120,
        )
    sent = len(bodies) * BATCH
    return {
        "events_http_events": sent,
        "events_http_answers": {f"{s} {c}".strip(): n for (s, c), n in result.outcomes.items()},
        "events_http_seconds": round(result.seconds, 2),
        "events_http_per_s": round(sent / result.seconds, 1) if result.count(200) == len(bodies) else 0.0,
        "events_http_connections": spec["connections"],
    }


def _copy_ceiling(batches: list[list[dict[str, Any]]], merchant_id: int) -> dict[str, Any]:
    """The same rows, already parsed, by binary COPY into an unindexed, unpartitioned copy table."""
    from datetime import datetime

    from django.db import connection

    rows = [
        (
            merchant_id,
            uuid.UUID(e["event_id"]),
            e["type"],
            e["anonymous_id"],
            datetime.fromisoformat(e["occurred_at"]),
            json.dumps(e.get("properties", {})),
            (e.get("source") or {}).get("channel", ""),
            (e.get("source") or {}).get("campaign", ""),
            "",
            e["device"],
        )
        for batch in batches
        for e in batch
    ]
    connection.ensure_connection()
    raw = connection.connection
    with raw.cursor() as cursor:
        cursor.execute(
            "CREATE UNLOGGED TABLE IF NOT EXISTS bench_events_copy (merchant_id bigint, event_id uuid, "
            "kind varchar(16), anonymous_id varchar(64), occurred_at timestamptz, properties jsonb, "
            "source varchar(16), campaign varchar(64), content_id varchar(64), device varchar(16))"
        )
        cursor.execute("ALTER TABLE bench_events_copy SET LOGGED")  # as durable as the events table
        cursor.execute("TRUNCATE bench_events_copy")
        raw.commit()
        began = time.perf_counter()
        for start in range(0, len(rows), BATCH):  # one COPY per batch, as the batches arrive
            with cursor.copy(
                "COPY bench_events_copy (merchant_id, event_id, kind, anonymous_id, occurred_at, properties, "
                "source, campaign, content_id, device) FROM STDIN (FORMAT BINARY)"
            ) as copy:
                copy.set_types(["int8", "uuid", *["varchar"] * 2, "timestamptz", "jsonb", *["varchar"] * 4])
                for row in rows[start : start + BATCH]:
                    copy.write_row(row)
            raw.commit()
        seconds = time.perf_counter() - began
        cursor.execute("DROP TABLE bench_events_copy")
        raw.commit()
    return {
        "events_copy_rows": len(rows),
        "events_copy_seconds": round(seconds, 2),
        "events_copy_ceiling_per_s": round(len(rows) / seconds, 1),
    }


def _child(spec: dict[str, Any]) -> dict[str, Any]:
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from siyu.events import partitions
    from siyu.events.models import Event
    from siyu.members.models import Customer
    from siyu.tenancy.models import Merchant

    merchant = Merchant.objects.create(slug="bench-events", name="bench events")
    customers = Customer.objects.bulk_create(
        [Customer(merchant=merchant, registered_at=timezone.now()) for _ in range(spec["customers"])]
    )
    _link_devices(merchant, customers, spec["devices"])
    now = timezone.now()
    result: dict[str, Any] = {"events_batch": BATCH, "events_duplicate_share": DUPLICATE_SHARE}
    record = _record(spec, merchant, now)
    batches = record.pop("_batches")
    result.update(record)
    result.update(_http(spec, merchant, now))
    result.update(_copy_ceiling(batches, merchant.pk))
    ceiling = result["events_copy_ceiling_per_s"]
    result["events_record_share_of_copy_ceiling"] = round(result["events_record_per_s"] / ceiling, 3)
    result["events_http_share_of_copy_ceiling"] = round(result["events_http_per_s"] / ceiling, 3)
    result["events_stored"] = Event.objects.count()
    result["events_partitions"] = {name: n for name, n in partitions.partitions() if n}
    result["events_postgres"] = connection.cursor().connection.info.server_version
    result["events_target_10k_met"] = result["events_record_per_s"] >= 10_000
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.events_suite", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 events per path instead of 100,000")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_child(json.loads(args.child))))
        return 0
    result = run(args.quick)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0 if "events_skipped" in result or result.get("events_record_per_s", 0) > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
