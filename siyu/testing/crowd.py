"""A crowd of buyers hitting the buy route over real HTTP, for the never-oversell test and the bench.

``seed_crowd`` makes customers with tokens and addresses in bulk; ``serve`` runs the project under
granian (WSGI) in its own process group against a given database and stops the whole group after;
``stampede`` fires purchase attempts from many customers with bounded concurrency (one keep-alive
connection per client thread) and counts the answers; ``check_sale`` reads back what was sold.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.db.models import Max
from django.utils import timezone

from siyu.core.ids import new_token, token_digest
from siyu.inventory.models import StockLevel
from siyu.members.models import Address, Customer, CustomerToken
from siyu.orders.models import Order
from siyu.promotions.flashsale.models import FlashSaleEntry, FlashSaleItem, FlashSalePurchase
from siyu.tenancy.models import Merchant

HOST = "127.0.0.1"
REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Buyer:
    token: str
    address_id: int


def seed_crowd(merchant: Merchant, n: int, *, prefix: str = "crowd") -> list[Buyer]:
    """``n`` customers of the merchant, each with a shop token and an address (bulk inserts)."""
    now = timezone.now()
    customers = Customer.objects.bulk_create(
        [Customer(merchant=merchant, nickname=f"{prefix}-{i}", registered_at=now) for i in range(n)]
    )
    tokens = [new_token("cus") for _ in customers]
    CustomerToken.objects.bulk_create(
        [
            CustomerToken(
                merchant=merchant, customer=c, digest=token_digest(t), expires_at=now + timedelta(days=1)
            )
            for c, t in zip(customers, tokens, strict=True)
        ]
    )
    addresses = Address.objects.bulk_create(
        [
            Address(
                merchant=merchant,
                customer=c,
                recipient="买家",
                phone="13800000000",
                province="上海",
                city="上海",
                district="黄浦",
                detail="人民大道1号",
                is_default=True,
            )
            for c in customers
        ]
    )
    return [Buyer(t, a.pk) for t, a in zip(tokens, addresses, strict=True)]


def free_port(start: int = 18700, tries: int = 300) -> int:
    for port in range(start, start + tries):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind((HOST, port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {start}..{start + tries - 1}")


def _get(port: int, path: str) -> int:
    conn = http.client.HTTPConnection(HOST, port, timeout=2)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


@contextlib.contextmanager
def serve(
    env: dict[str, str],
    *,
    target: str = "siyu.wsgi:application",
    interface: str = "wsgi",
    workers: int = 2,
    threads: int = 4,
    ready_path: str = "/hello",
    timeout: float = 60,
) -> Iterator[int]:
    """Run granian on a free port until the block ends; yields the port once ``ready_path`` answers."""
    port = free_port()
    argv = [sys.executable, "-m", "granian", "--interface", interface, "--workers", str(workers), "--no-ws"]
    if interface == "wsgi":
        argv += ["--blocking-threads", str(threads)]
    argv += ["--host", HOST, "--port", str(port), "--log-level", "warning", target]
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            argv,
            env=env,
            cwd=REPO_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(f"granian exited {proc.returncode}: {log.read()[-2000:]!r}")
                with contextlib.suppress(OSError, http.client.HTTPException):
                    if _get(port, ready_path) == 200:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"granian did not answer {ready_path} within {timeout:g}s")
                time.sleep(0.2)
            yield port
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=8)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)


def server_env(database_url: str, *, redis_url: str = "", redis_prefix: str = "") -> dict[str, str]:
    """The server's environment: this project's settings on ``database_url``, Redis only if given."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="siyu.settings",
        DATABASE_URL=database_url,
        SIYU_DEBUG="0",
        SIYU_LOG_LEVEL="ERROR",
        # A production-like server: it refuses the published key (siyu/core/deployment.py).
        SIYU_SECRET_KEY=secrets.token_urlsafe(50),
        PYTHONUNBUFFERED="1",
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    if redis_prefix:
        env["SIYU_FLASHSALE_REDIS_PREFIX"] = redis_prefix
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    return env


@dataclass
class Stampede:
    attempts: int
    seconds: float
    outcomes: Counter = field(default_factory=Counter)  # (status, code) -> count
    created_order_ids: list[int] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.attempts / self.seconds if self.seconds else 0.0

    def count(self, status: int, code: str = "") -> int:
        return self.outcomes[(status, code)]


def stampede(
    *,
    port: int,
    path: str,
    attempts: int,
    concurrency: int,
    request_for: object,
    timeout: float = 30,
) -> Stampede:
    """Send ``attempts`` requests over ``concurrency`` keep-alive connections.

    ``request_for(i)`` gives attempt i's (method, body bytes or None, headers). Connection errors
    are counted as status 0 (the caller asserts there are none).
    """
    make = request_for  # typed loosely: a callable (int) -> (str, bytes | None, dict[str, str])
    lock = threading.Lock()
    next_index = iter(range(attempts))
    result = Stampede(attempts=attempts, seconds=0.0)
    start = threading.Barrier(concurrency + 1)

    def client() -> None:
        outcomes: Counter = Counter()
        created: list[int] = []
        conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
        start.wait()
        while True:
            with lock:
                i = next(next_index, None)
            if i is None:
                break
            method, body, headers = make(i)  # type: ignore[operator]
            try:
                conn.request(method, path, body=body, headers=headers)
                resp = conn.getresponse()
                payload = resp.read()
                code = ""
                if resp.status >= 300:
                    with contextlib.suppress(ValueError):
                        code = json.loads(payload).get("code", "")
                elif resp.status == 201:
                    created.append(json.loads(payload)["id"])
                outcomes[(resp.status, code)] += 1
                if resp.will_close:
                    conn.close()
                    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
            except (OSError, http.client.HTTPException) as exc:
                outcomes[(0, type(exc).__name__)] += 1
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
        conn.close()
        with lock:
            result.outcomes.update(outcomes)
            result.created_order_ids.extend(created)

    pool = [threading.Thread(target=client, daemon=True) for _ in range(concurrency)]
    for t in pool:
        t.start()
    began = time.perf_counter()
    start.wait()
    for t in pool:
        t.join(timeout=timeout * attempts)
    result.seconds = time.perf_counter() - began
    return result


def buy_requests(buyers: list[Buyer], *, sku_id: int, run: str = "r"):
    """Attempt i comes from buyer ``i % len(buyers)`` with a fresh idempotency key."""

    def request_for(i: int) -> tuple[str, bytes, dict[str, str]]:
        buyer = buyers[i % len(buyers)]
        body = json.dumps({"sku_id": sku_id, "quantity": 1, "address_id": buyer.address_id}).encode()
        headers = {
            "Authorization": f"Bearer {buyer.token}",
            "Content-Type": "application/json",
            "Idempotency-Key": f"{run}-{i}",
        }
        return "POST", body, headers

    return request_for


def check_sale(item_id: int) -> dict[str, int]:
    """What the database holds after a stampede on one item."""
    item = FlashSaleItem.objects.get(pk=item_id)
    stock = StockLevel.objects.get(sku_id=item.sku_id, outlet__isnull=True)
    entries = FlashSaleEntry.objects.filter(item_id=item_id)
    return {
        "quota": item.quota,
        "reserved": item.reserved,
        "sold": item.sold,
        "orders": Order.objects.filter(merchant_id=item.merchant_id).count(),
        "entries": entries.count(),
        "entry_units": sum(entries.values_list("quantity", flat=True)),
        "buyers": entries.values("customer_id").distinct().count(),
        "max_units_per_customer": FlashSalePurchase.objects.filter(item_id=item_id).aggregate(
            m=Max("quantity")
        )["m"]
        or 0,
        "stock_reserved": stock.reserved,
    }
