"""The flash sale benchmark: a crowd of purchase attempts for a few units, through the real HTTP API
on PostgreSQL, on the Redis path and on the database path, next to a bare-ASGI "hello" ceiling
measured in the same run with the same client.

``run(quick)`` returns, per path, purchase attempts per second, units sold against the quota, orders,
and whether anything was oversold; plus the requests per second of a bare ASGI app (no Django) and
of Django's ``/hello``, both on granian with the same workers, so the attempt rate can be read as a
share of what the server allows at all. The measuring happens in a child process (Django reads its
database settings once) against a scratch PostgreSQL database this module creates and drops by its
own name; every server runs in its own process group and is stopped whatever happens.

Run alone with ``python -m bench.flashsale_suite [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from bench import databases, machine

SCRATCH_DB = "siyu_bench_flash"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
FULL = {"attempts": 10_000, "units": 100, "customers": 1_000, "concurrency": 32, "hello_requests": 10_000}
QUICK = {"attempts": 2_000, "units": 50, "customers": 400, "concurrency": 32, "hello_requests": 3_000}
CHILD_TIMEOUT_S = 1_800
HELLO_BODY = b'{"hello":"siyu"}'


async def hello_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """A bare ASGI app answering every request with the same JSON as Django's ``/hello``."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(HELLO_BODY)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": HELLO_BODY})


def _admin(admin_url: str, statement: sql.Composed) -> None:
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(statement)


def _redis_url() -> str | None:
    """The Redis the Redis path uses (``SIYU_BENCH_REDIS_URL``, else ``REDIS_URL``, else the local one)
    if it answers; its keys go under a prefix of the run's own and are deleted afterwards."""
    url = os.environ.get("SIYU_BENCH_REDIS_URL") or os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception:
        return None
    return url


def run(quick: bool) -> dict[str, Any]:
    """Both paths on a scratch PostgreSQL database, or the reason they were skipped."""
    size = QUICK if quick else FULL
    admin_url = databases.postgres_admin_url()
    reason = databases.postgres_reachable(admin_url)
    if reason:
        return {"flashsale_skipped": reason}
    redis_url = _redis_url()
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(SCRATCH_DB))
    _admin(admin_url, drop)
    _admin(admin_url, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(SCRATCH_DB)))
    try:
        with tempfile.TemporaryDirectory(prefix="siyu-flash-") as tmp:
            url = f"{admin_url.rpartition('/')[0]}/{SCRATCH_DB}"
            env = databases.django_env(Path(tmp), url)
            databases.migrate(env)
            spec = {**size, "database_url": url, "redis_url": redis_url or ""}
            busy = machine.cpu_busy(1.0)
            out = subprocess.run(
                [sys.executable, "-m", "bench.flashsale_suite", "--child", json.dumps(spec)],
                env=env,
                cwd=databases.REPO_ROOT,
                capture_output=True,
                text=True,
                timeout=CHILD_TIMEOUT_S,
                check=True,
            )
            result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
            result["flashsale_other_cpu_busy_at_start"] = busy
            if not redis_url:
                result["flashsale_redis_skipped"] = "Redis not reachable (set SIYU_BENCH_REDIS_URL)"
            return result
    finally:
        _admin(admin_url, drop)


# --- the child: seed, serve, stampede, check ---------------------------------------------------------


def _seed_sale(slug: str, units: int, customers: int) -> tuple[Any, Any, Any, list[Any]]:
    from datetime import timedelta

    from django.utils import timezone

    from siyu.catalog.services import SkuInput, create_product
    from siyu.promotions.flashsale.services import manage
    from siyu.tenancy.models import Merchant, Role
    from siyu.tenancy.services import create_staff
    from siyu.testing import crowd

    merchant = Merchant.objects.create(slug=slug, name=slug, shipping_fee=1000, free_shipping_threshold=9900)
    owner = create_staff(
        merchant=merchant,
        username=f"{slug}-owner",
        password="bench-pass-1",
        role=Role.OWNER,
        display_name="bench",
    )
    product = create_product(
        merchant=merchant,
        name="秒杀茶",
        skus=[SkuInput(code=f"{slug}-1", price=5000, cost=2500, stock=units * 10)],
        status="on_sale",
        acting_staff=None,
    )
    sku = product.skus.get()
    now = timezone.now()
    sale = manage.create_flash_sale(
        staff=owner,
        title="bench",
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(hours=2),
        items=[manage.ItemInput(sku.pk, 990, units)],
    )
    return merchant, sale, sku, crowd.seed_crowd(merchant, customers)


def _hello(env: dict[str, str], spec: dict[str, Any], *, bare: bool) -> float:
    from siyu.testing import crowd

    serve = (
        crowd.serve(env, target="bench.flashsale_suite:hello_app", interface="asgi")
        if bare
        else crowd.serve(env)
    )
    with serve as port:
        result = crowd.stampede(
            port=port,
            path="/hello",
            attempts=spec["hello_requests"],
            concurrency=spec["concurrency"],
            request_for=lambda i: ("GET", None, {}),
        )
    if result.count(200) != spec["hello_requests"]:
        raise RuntimeError(f"hello answered {dict(result.outcomes)}")
    return round(result.per_second, 1)


def _path(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    from django.conf import settings

    from siyu.promotions.flashsale import redis_gate as gate
    from siyu.promotions.flashsale.models import FlashSaleItem
    from siyu.testing import crowd

    redis_url = spec["redis_url"] if name == "redis" else ""
    prefix = f"siyu-bench:{uuid.uuid4().hex[:8]}:flash:" if redis_url else ""
    # Seeding in this process loads the gate as a staff member's creation would (Redis path only).
    settings.REDIS_URL, settings.SIYU_FLASHSALE_REDIS_PREFIX = redis_url, prefix or gate.DEFAULT_PREFIX
    try:
        merchant, sale, sku, buyers = _seed_sale(f"flash-{name}", spec["units"], spec["customers"])
        item = FlashSaleItem.objects.get(flash_sale=sale)
        env = crowd.server_env(spec["database_url"], redis_url=redis_url, redis_prefix=prefix)
        with crowd.serve(env) as port:
            result = crowd.stampede(
                port=port,
                path=f"/api/v1/shop/{merchant.slug}/flash-sales/{sale.pk}/orders",
                attempts=spec["attempts"],
                concurrency=spec["concurrency"],
                request_for=crowd.buy_requests(buyers, sku_id=sku.pk, run=name),
            )
        held = crowd.check_sale(item.pk)
        gate_left = None
        if redis_url:
            gate_left = int(gate.read(gate.Item(merchant.pk, sale.pk, sku.pk))[0].get("left", -1))
    finally:
        if prefix:
            client = gate._client()[0]
            keys = list(client.scan_iter(match=f"{prefix}*"))
            if keys:
                client.delete(*keys)
        # This process seeds the next path's sale: it must not write to this path's gate.
        settings.REDIS_URL, settings.SIYU_FLASHSALE_REDIS_PREFIX = "", gate.DEFAULT_PREFIX
    created = result.count(201)
    refused = sum(n for (status, _code), n in result.outcomes.items() if status == 409)
    units_taken = held["reserved"] + held["sold"]
    exact = (
        created == held["orders"] == held["entries"] == units_taken == spec["units"]
        and held["stock_reserved"] == units_taken
        and held["max_units_per_customer"] <= 1
        and created + refused == spec["attempts"]
        and gate_left in (None, 0)
    )
    return {
        f"flashsale_{name}_attempts_per_s": round(result.per_second, 1),
        f"flashsale_{name}_seconds": round(result.seconds, 1),
        f"flashsale_{name}_units_sold": units_taken,
        f"flashsale_{name}_quota": held["quota"],
        f"flashsale_{name}_orders": held["orders"],
        f"flashsale_{name}_refused": refused,
        f"flashsale_{name}_other_answers": spec["attempts"] - created - refused,
        f"flashsale_{name}_answers": {
            f"{status} {code}".strip(): n for (status, code), n in result.outcomes.items()
        },
        f"flashsale_{name}_oversold": units_taken > held["quota"],
        f"flashsale_{name}_exact": exact,
    }


def _child(spec: dict[str, Any]) -> dict[str, Any]:
    import django

    django.setup()
    from siyu.testing import crowd

    result: dict[str, Any] = {
        "flashsale_attempts": spec["attempts"],
        "flashsale_customers": spec["customers"],
        "flashsale_concurrency": spec["concurrency"],
        "flashsale_server": "granian WSGI, 2 workers x 4 blocking threads",
    }
    env = crowd.server_env(spec["database_url"])
    result["flashsale_hello_bare_asgi_rps"] = _hello(env, spec, bare=True)
    result["flashsale_hello_django_wsgi_rps"] = _hello(env, spec, bare=False)
    paths = ["redis", "db"] if spec["redis_url"] else ["db"]
    for name in paths:
        result.update(_path(name, spec))
        rate = result[f"flashsale_{name}_attempts_per_s"]
        result[f"flashsale_{name}_share_of_bare_asgi_ceiling"] = round(
            rate / result["flashsale_hello_bare_asgi_rps"], 3
        )
    result["flashsale_exact"] = all(result[f"flashsale_{name}_exact"] for name in paths)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.flashsale_suite", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="2,000 attempts for 50 units")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_child(json.loads(args.child))))
        return 0
    result = run(args.quick)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0 if result.get("flashsale_exact", "flashsale_skipped" in result) else 1


if __name__ == "__main__":
    sys.exit(main())
