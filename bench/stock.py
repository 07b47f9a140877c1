"""Stock reservation throughput and the never-oversell check, run inside one Django process.

Run as a subprocess (``python -m bench.stock``) pointed at a throwaway database by
``bench.databases.django_env``; prints one JSON object on stdout. For each thread count it creates
a fresh SKU with ``--stock`` units and makes ``--stock`` + ``--overflow`` calls of
``siyu.inventory.services.reserve`` (one unit each, each in its own ``transaction.atomic()``, as
checkout does) from that many threads. More calls than units is the point: the last calls race for
the last units, and the run checks afterwards that exactly ``stock`` calls succeeded, that the
stock row says ``reserved == on_hand`` and that the movement ledger agrees.

Every thread has its own database connection (Django's connections are per thread), so on
PostgreSQL the threads really contend on the row lock and on SQLite on the database write lock.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from dataclasses import asdict, dataclass, field

import django


@dataclass
class StockRun:
    """One measured run: how fast reservations went and whether the stock stayed exact."""

    threads: int
    stock: int
    calls_planned: int
    calls_done: int = 0
    reserved_ok: int = 0
    refused_out_of_stock: int = 0
    errors: int = 0
    first_error: str = ""
    elapsed_s: float = 0.0
    sellout_s: float = 0.0
    calls_per_s: float = 0.0
    reserves_per_s: float = 0.0
    hit_deadline: bool = False
    final_on_hand: int = 0
    final_reserved: int = 0
    ledger_reserve_rows: int = 0
    oversold: bool = False
    sold_equals_stock: bool = False
    consistent: bool = False
    notes: list[str] = field(default_factory=list)


class _Counter:
    """A shared, lock-protected call counter so threads split the calls without a precomputed plan."""

    def __init__(self, limit: int) -> None:
        self._next = 0
        self._limit = limit
        self._lock = threading.Lock()

    def take(self) -> int | None:
        with self._lock:
            if self._next >= self._limit:
                return None
            self._next += 1
            return self._next


def _make_sku(merchant_id: int, threads: int, stock: int) -> int:
    from siyu.catalog.services import SkuInput, create_product
    from siyu.tenancy.models import Merchant

    merchant = Merchant.objects.get(pk=merchant_id)
    product = create_product(
        merchant=merchant,
        name=f"Flash item for {threads} thread(s)",
        skus=[SkuInput(code=f"FLASH-T{threads}", price=990, stock=stock)],
        status="on_sale",
        acting_staff=None,
    )
    return int(product.skus.get().pk)


def measure(merchant_id: int, threads: int, stock: int, overflow: int, deadline_s: float) -> StockRun:
    """Race ``threads`` threads for ``stock`` units with ``stock + overflow`` one-unit reservations."""
    from django.db import connections, transaction

    from siyu.inventory.errors import OutOfStock
    from siyu.inventory.models import MovementKind, StockLevel, StockMovement
    from siyu.inventory.services import StockRequest, reserve

    sku_id = _make_sku(merchant_id, threads, stock)
    run = StockRun(threads=threads, stock=stock, calls_planned=stock + overflow)
    counter = _Counter(run.calls_planned)
    barrier = threading.Barrier(threads + 1)
    lock = threading.Lock()
    order_base = threads * 10_000_000
    started = 0.0
    stop_at = 0.0
    last_success = 0.0

    def worker() -> None:
        nonlocal last_success
        ok = refused = errors = 0
        first_error = ""
        mine_last = 0.0
        barrier.wait()
        try:
            while time.perf_counter() < stop_at:
                n = counter.take()
                if n is None:
                    break
                try:
                    with transaction.atomic():
                        reserve(
                            merchant_id=merchant_id,
                            requests=[StockRequest(sku_id, 1)],
                            outlet_id=None,
                            order_id=order_base + n,
                        )
                    ok += 1
                    mine_last = time.perf_counter()
                except OutOfStock:
                    refused += 1
                except Exception as exc:  # a lock timeout or a bug: count it, keep going, report it
                    errors += 1
                    first_error = first_error or f"{type(exc).__name__}: {exc}"
        finally:
            connections.close_all()
            with lock:
                run.reserved_ok += ok
                run.refused_out_of_stock += refused
                run.errors += errors
                run.first_error = run.first_error or first_error
                last_success = max(last_success, mine_last)

    pool = [threading.Thread(target=worker, name=f"reserve-{i}") for i in range(threads)]
    for t in pool:
        t.start()
    started = time.perf_counter()
    stop_at = started + deadline_s
    barrier.wait()
    for t in pool:
        t.join(timeout=deadline_s + 60)
    run.elapsed_s = time.perf_counter() - started
    run.calls_done = run.reserved_ok + run.refused_out_of_stock + run.errors
    run.hit_deadline = run.calls_done < run.calls_planned
    run.sellout_s = (last_success - started) if last_success else 0.0
    run.calls_per_s = run.calls_done / run.elapsed_s if run.elapsed_s else 0.0
    run.reserves_per_s = run.reserved_ok / run.sellout_s if run.sellout_s else 0.0

    level = StockLevel.objects.get(sku_id=sku_id, outlet=None)
    run.final_on_hand = level.on_hand
    run.final_reserved = level.reserved
    run.ledger_reserve_rows = StockMovement.objects.filter(stock=level, kind=MovementKind.RESERVE).count()
    run.oversold = level.reserved > level.on_hand or run.reserved_ok > stock
    run.sold_equals_stock = run.reserved_ok == stock == level.reserved
    run.consistent = level.reserved == run.reserved_ok == run.ledger_reserve_rows and not run.oversold
    if run.hit_deadline:
        run.notes.append(f"stopped at the {deadline_s:g}s deadline before all calls were made")
    if any(t.is_alive() for t in pool):
        run.notes.append("a worker thread did not finish")
    return run


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--stock", type=int, default=500, help="units of the SKU per run")
    parser.add_argument(
        "--overflow", type=int, default=50, help="extra calls beyond the stock, to be refused"
    )
    parser.add_argument("--deadline", type=float, default=20.0, help="seconds one run may take at most")
    args = parser.parse_args(argv)
    django.setup()

    from django.db import connection

    from siyu.tenancy.models import Merchant

    merchant = Merchant.objects.create(slug="bench-stock", name="Bench Stock")
    runs = [measure(merchant.pk, n, args.stock, args.overflow, args.deadline) for n in args.threads]
    print(json.dumps({"vendor": connection.vendor, "runs": [asdict(r) for r in runs]}))


if __name__ == "__main__":
    main()
