"""Run the brand simulator: find or create the merchant, then generate and write chunk by chunk.

``simulate()`` is what ``siyu simulate`` and ``siyu demo`` call. It reuses a merchant's catalogue
and outlets when it already sells at least ``REUSE_MIN_PRODUCTS`` products (the curated demo
merchant), and otherwise creates a merchant with the catalogue and outlets of ``model.py``
through the catalogue services. History rows then go in through the bulk writers, never the ORM.
"""

from __future__ import annotations

import resource
import sys
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TextIO
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone

from siyu.catalog.models import Category, Product, ProductRoleAssignment, ProductStatus, Sku
from siyu.catalog.services import SkuInput, create_category, create_product
from siyu.events import partitions
from siyu.inventory.services import set_stock
from siyu.orders.models import Fulfilment, Order, OrderStatus
from siyu.simulate import generator as g
from siyu.simulate import model as m
from siyu.simulate.writers import LABELS, PostgresWriter, SqliteWriter, max_ids
from siyu.tenancy.models import Merchant, Outlet

REUSE_MIN_PRODUCTS = 10
DEFAULT_CHUNK = 5_000
# PostgreSQL loads at least this big rebuild indexes afterwards instead of maintaining them.
BULK_MIN_CUSTOMERS = 100_000


@dataclass
class SimulationReport:
    """What a run wrote and what it cost."""

    merchant_slug: str
    created_merchant: bool
    start: date
    days: int
    seed: int
    preset: str = "default"
    rows: dict[str, int] = field(default_factory=dict)
    buyers: int = 0
    seconds: float = 0.0
    index_rebuild_seconds: float = 0.0
    generate_seconds: float = 0.0  # numpy: the chunks' rows
    write_seconds: float = 0.0  # encoding and handing rows to the database (PostgreSQL: incl. waiting)
    wait_seconds: float = 0.0  # PostgreSQL: the main thread waited for the COPY thread (server-bound)
    copy_seconds: dict[str, float] = field(default_factory=dict)  # PostgreSQL: COPY time per table
    rebuild_by_table: dict[str, float] = field(default_factory=dict)  # bulk: index and key time per table
    peak_rss_mb: float = 0.0
    database: str = ""

    def describe(self) -> list[str]:
        r = self.rows
        how = "created" if self.created_merchant else "reused catalogue"
        return [
            f"Simulated merchant '{self.merchant_slug}' ({how}) from {self.start} for {self.days} days, "
            f"seed {self.seed}, preset {self.preset}, on {self.database}:",
            f"  customers {r['members.Customer']:,} ({self.buyers:,} bought), orders {r['orders.Order']:,}, "
            f"lines {r['orders.OrderLine']:,}, payments {r['orders.Payment']:,}, "
            f"after-sales {r['orders.AfterSale']:,}",
            f"  events {r['events.Event']:,}, identities {r['members.CustomerIdentity']:,}, "
            f"consents {r['members.ContactPreference']:,}, addresses {r['members.Address']:,}",
            f"  took {self.seconds:.1f} s (generating {self.generate_seconds:.1f} s, writing "
            f"{self.write_seconds:.1f} s of which waiting for the server {self.wait_seconds:.1f} s, "
            f"index rebuild {self.index_rebuild_seconds:.1f} s), peak memory {self.peak_rss_mb:.0f} MB",
        ]


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Progress:
    """A one-line progress bar on stderr; on a non-terminal, a line every tenth of the way."""

    def __init__(self, total: int, stream: TextIO | None = None, enabled: bool = True) -> None:
        self.total = total
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = self.stream.isatty()
        self.started = time.perf_counter()
        self.last_tenth = -1

    def update(self, done: int, orders: int, events: int) -> None:
        if not self.enabled:
            return
        share = done / self.total if self.total else 1.0
        elapsed = time.perf_counter() - self.started
        eta = elapsed / share - elapsed if share > 0 else 0.0
        bar = "#" * int(share * 30)
        line = (
            f"[{bar:<30}] {share:4.0%} customers {done:,}/{self.total:,} orders {orders:,} "
            f"events {events:,} {elapsed:5.0f}s elapsed, ~{eta:.0f}s left"
        )
        if self.tty:
            self.stream.write("\r" + line)
            if done >= self.total:
                self.stream.write("\n")
        elif int(share * 10) > self.last_tenth:
            self.last_tenth = int(share * 10)
            self.stream.write(line + "\n")
        self.stream.flush()

    def say(self, text: str) -> None:
        if self.enabled:
            self.stream.write(text + "\n")
            self.stream.flush()


def simulate(
    *,
    merchant_slug: str,
    customers: int,
    days: int,
    seed: int,
    start: date | None = None,
    params: m.SimulationParams | None = None,
    preset: str = "default",
    chunk_size: int = DEFAULT_CHUNK,
    bulk: bool | None = None,
    progress: bool = True,
    stream: TextIO | None = None,
) -> SimulationReport:
    """Generate ``customers`` customers' history over ``days`` days for a merchant, deterministically.

    ``params`` (else ``model.PRESETS[preset]()``) are the model's parameters. ``bulk`` (PostgreSQL
    only): rebuild indexes after the load; by default for loads of at least ``BULK_MIN_CUSTOMERS``
    customers. Returns what was written and what it cost.
    """
    if customers < 1 or days < 1 or chunk_size < 1:
        raise ValueError("customers, days and chunk size must be positive")
    if params is None and preset not in m.PRESETS:
        raise ValueError(f"unknown preset {preset!r}: one of {', '.join(m.PRESETS)}")
    params = params or m.PRESETS[preset]()
    started = time.perf_counter()
    merchant, created = _merchant(merchant_slug, seed)
    zone = ZoneInfo(merchant.timezone)
    if start is None:
        start = timezone.localdate(timezone=zone) - timedelta(days=days)
    offset = zone.utcoffset(datetime(start.year, start.month, start.day))
    world = g.build_world(
        params=params,
        seed=seed,
        customers=customers,
        first_day=start,
        days=days,
        utc_offset_seconds=int(offset.total_seconds()) if offset else 0,
        merchant=g.MerchantInput(
            id=merchant.pk,
            shipping_fee=merchant.shipping_fee,
            free_shipping_threshold=merchant.free_shipping_threshold,
            payment_timeout_minutes=merchant.payment_timeout_minutes,
            auto_confirm_receipt_days=merchant.auto_confirm_receipt_days,
            after_sale_window_days=merchant.after_sale_window_days,
        ),
        catalogue=_catalogue(merchant),
        outlets=_outlets(merchant),
    )
    taken = frozenset(
        Order.objects.for_merchant(merchant)
        .filter(status=OrderStatus.PAID, fulfilment=Fulfilment.PICKUP)
        .values_list("pickup_code", flat=True)
    )
    report = SimulationReport(
        merchant_slug=merchant.slug,
        created_merchant=created,
        start=start,
        days=days,
        seed=seed,
        preset=preset if params == m.PRESETS.get(preset, m.SimulationParams)() else "custom",
        rows=dict.fromkeys(LABELS, 0),
        database=connection.vendor,
    )
    bar = Progress(customers, stream, progress)
    postgres = connection.vendor == "postgresql"
    use_bulk = postgres and (customers >= BULK_MIN_CUSTOMERS if bulk is None else bulk)
    if use_bulk:
        bar.say(
            "Bulk load: indexes and foreign keys are rebuilt at the end (the tables are locked meanwhile)."
        )
    # Every month the history touches gets its events partition first (none may fall into DEFAULT).
    partitions.ensure_months(
        partitions.months_between(start - timedelta(days=31), start + timedelta(days=days + 62))
    )
    writer = PostgresWriter(bulk=use_bulk) if postgres else SqliteWriter()
    pool = g.ReferrerPool()
    orders = events = 0
    with writer:
        next_ids = {label: value + 1 for label, value in max_ids().items()}
        for index, first in enumerate(range(0, customers, chunk_size)):
            ids = g.IdBases(*(next_ids[label] for label in LABELS))
            began = time.perf_counter()
            chunk = g.generate_chunk(
                world,
                index=index,
                first=first,
                count=min(chunk_size, customers - first),
                ids=ids,
                pool=pool,
                taken_pickup_codes=taken,
            )
            wrote = time.perf_counter()
            writer.write(chunk.tables)
            report.generate_seconds += wrote - began
            report.write_seconds += time.perf_counter() - wrote
            for table in chunk.tables:
                next_ids[table.label] += table.size
                report.rows[table.label] += table.size
            pool, stats = chunk.pool, chunk.stats
            del chunk  # before the next one is generated: one chunk in memory at a time
            report.buyers += stats["buyers"]
            orders += stats["orders"]
            events += stats["events"]
            bar.update(first + stats["customers"], orders, events)
        if use_bulk:
            bar.say("Rebuilding indexes and foreign keys ...")
    if isinstance(writer, PostgresWriter):
        report.index_rebuild_seconds = writer.rebuild_seconds
        report.wait_seconds = writer.wait_seconds
        report.copy_seconds = writer.copy_seconds
        report.rebuild_by_table = writer.rebuild_by_table
    report.seconds = time.perf_counter() - started
    report.peak_rss_mb = peak_rss_mb()
    return report


# --- merchant, catalogue, outlets -----------------------------------------------------------------


def _merchant(slug: str, seed: int) -> tuple[Merchant, bool]:
    merchant = Merchant.objects.filter(slug=slug).first()
    if merchant is not None and _on_sale(merchant).count() >= REUSE_MIN_PRODUCTS:
        return merchant, False
    with transaction.atomic():
        if merchant is None:
            merchant = Merchant.objects.create(slug=slug, name=f"{slug} (simulated)")
        _create_outlets(merchant)
        _create_catalogue(merchant, seed)
    return merchant, True


def _on_sale(merchant: Merchant):
    return (
        Product.objects.for_merchant(merchant)
        .filter(status=ProductStatus.ON_SALE, skus__is_active=True)
        .distinct()
    )


def _create_outlets(merchant: Merchant) -> None:
    for code, name, province, city, district, lat, lon in m.NEW_OUTLETS:
        Outlet.objects.get_or_create(
            merchant=merchant,
            code=code,
            defaults={
                "name": name,
                "province": province,
                "city": city,
                "district": district,
                "latitude": lat,
                "longitude": lon,
                "supports_pickup": True,
                "opening_hours": {
                    d: [["10:00", "22:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
                },
            },
        )


def _create_catalogue(merchant: Merchant, seed: int) -> None:
    """The catalogue of ``model.NEW_CATALOGUE``, through the catalogue services, with opening stock."""
    outlets = list(Outlet.objects.for_merchant(merchant).filter(supports_pickup=True))
    number = 0
    for top_order, (top, subs) in enumerate(m.NEW_CATALOGUE.items()):
        parent = create_category(merchant=merchant, name=top, sort_order=-top_order, acting_staff=None)
        for sub_order, (sub, products) in enumerate(subs.items()):
            category = create_category(
                merchant=merchant, name=sub, parent_id=parent.pk, sort_order=-sub_order, acting_staff=None
            )
            for name, keywords, skus, cost_share, roles, popularity in products:
                number += 1
                product = create_product(
                    merchant=merchant,
                    name=name,
                    category_id=category.pk,
                    keywords=keywords,
                    roles=list(roles),
                    status=ProductStatus.ON_SALE,
                    sort_order=int(popularity * 10),
                    skus=[
                        SkuInput(
                            code=f"SIM{number:03d}-{i + 1}",
                            price=price,
                            cost=int(price * cost_share),
                            specs={"规格": spec},
                            stock=2_000,
                        )
                        for i, (spec, price) in enumerate(skus)
                    ],
                    acting_staff=None,
                )
                for sku in Sku.objects.filter(product=product):
                    for outlet in outlets:
                        set_stock(merchant=merchant, sku=sku, on_hand=200, outlet=outlet)


def _catalogue(merchant: Merchant) -> g.CatalogueInput:
    products = list(_on_sale(merchant).select_related("category").order_by("id"))
    roles: dict[int, list[str]] = {}
    for product_id, role in ProductRoleAssignment.objects.for_merchant(merchant).values_list(
        "product_id", "role"
    ):
        roles.setdefault(product_id, []).append(role)
    index = {p.pk: i for i, p in enumerate(products)}
    skus = list(
        Sku.objects.for_merchant(merchant).filter(product_id__in=index, is_active=True).order_by("id")
    )
    categories = {c.pk: c for c in Category.objects.for_merchant(merchant)}

    def category_name(p: Product) -> str:
        c = categories.get(p.category_id) if p.category_id else None
        return f"{c.name}" if c else ""

    return g.CatalogueInput(
        product_ids=[p.pk for p in products],
        product_names=[p.name for p in products],
        product_keywords=[p.keywords for p in products],
        product_images=[(p.images or [""])[0] for p in products],
        product_roles=[tuple(sorted(roles.get(p.pk, []))) for p in products],
        product_sort_orders=[p.sort_order for p in products],
        product_category_names=[category_name(p) for p in products],
        sku_ids=[s.pk for s in skus],
        sku_products=[index[s.product_id] for s in skus],
        sku_prices=[s.price for s in skus],
        sku_codes=[s.code for s in skus],
        sku_specs=[s.specs for s in skus],
    )


def _outlets(merchant: Merchant) -> g.OutletInput:
    outlets = list(Outlet.objects.for_merchant(merchant).filter(is_active=True).order_by("id"))
    return g.OutletInput(
        ids=[o.pk for o in outlets],
        cities=[o.city for o in outlets],
        provinces=[o.province for o in outlets],
        districts=[o.district for o in outlets],
        supports_pickup=[o.supports_pickup for o in outlets],
    )
