"""The brand simulator: determinism, the invariants its rows keep, and the story it tells."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import DateField, DateTimeField, JSONField, Max, Min, TimeField, UUIDField

from siyu.events.models import VALUE_KINDS, Event
from siyu.members.models import Customer, Source
from siyu.orders.models import AfterSale, Order, OrderLine, Payment, Refund
from siyu.simulate import generator as g
from siyu.simulate import model as m
from siyu.simulate.runner import simulate
from siyu.simulate.writers import LABELS
from siyu.tenancy.models import Merchant

START = date(2025, 1, 1)
DAYS = 240


def _world(seed: int, customers: int = 400, params: m.SimulationParams | None = None) -> g.World:
    names = ["冷泡乌龙", "龙井礼盒", "每日坚果", "红茶口粮", "白瓷盖碗"]
    return g.build_world(
        params=params or m.SimulationParams(),
        seed=seed,
        customers=customers,
        first_day=START,
        days=DAYS,
        utc_offset_seconds=8 * 3600,
        merchant=g.MerchantInput(1, 1000, 9900, 30, 10, 7),
        catalogue=g.CatalogueInput(
            product_ids=[11, 12, 13, 14, 15],
            product_names=names,
            product_keywords=["冷泡", "礼盒", "坚果", "红茶", "茶具"],
            product_images=[""] * 5,
            product_roles=[("traffic_driver",), ("flagship", "bundle"), ("retention_staple",), (), ()],
            product_sort_orders=[90, 20, 60, 40, 10],
            product_category_names=["花草茶·冷泡", "节礼茶盒", "坚果炒货", "红茶", "杯壶"],
            sku_ids=[101, 102, 103, 104, 105, 106],
            sku_products=[0, 0, 1, 2, 3, 4],
            sku_prices=[990, 2590, 68800, 2990, 5900, 6800],
            sku_codes=["A1", "A2", "B1", "C1", "D1", "E1"],
            sku_specs=[{"规格": "10包"}, {"规格": "30包"}, {}, {}, {}, {}],
        ),
        outlets=g.OutletInput([7], ["上海市"], ["上海市"], ["静安区"], [True]),
    )


def _digest(tables: list[g.Table]) -> str:
    h = hashlib.sha256()
    for t in tables:
        h.update(t.label.encode())
        for name in sorted(t.columns):
            value = t.columns[name]
            if isinstance(value, g.Cat):
                value = value.take()
            h.update(name.encode())
            h.update(repr(value.tolist() if isinstance(value, np.ndarray) else value).encode())
    return h.hexdigest()


def _chunk(world: g.World) -> g.Chunk:
    ids = g.IdBases(*(1000 * (i + 1) for i in range(len(LABELS))))
    return g.generate_chunk(world, index=0, first=0, count=world.customers, ids=ids, pool=g.ReferrerPool())


def test_generator_is_deterministic_for_a_seed():
    first = _digest(_chunk(_world(5)).tables)
    assert _digest(_chunk(_world(5)).tables) == first
    assert _digest(_chunk(_world(6)).tables) != first


def _sizes(chunk: g.Chunk) -> dict[str, int]:
    return {t.label.split(".")[1]: t.size for t in chunk.tables}


def test_default_and_loyal_rows_for_a_fixed_seed():
    # Exact counts: a change to the model (or to the order of its random draws) shows up here.
    default, loyal = _chunk(_world(5)), _chunk(_world(5, params=m.loyal_params()))
    assert _sizes(default) == {
        "Customer": 400,
        "CustomerIdentity": 1161,
        "ContactPreference": 969,
        "Address": 364,
        "Order": 592,
        "OrderLine": 654,
        "Payment": 552,
        "AfterSale": 24,
        "AfterSaleLine": 26,
        "Refund": 18,
        "Event": 7070,
    }
    assert _sizes(loyal) == {
        "Customer": 400,
        "CustomerIdentity": 1155,
        "ContactPreference": 1031,
        "Address": 397,
        "Order": 1159,
        "OrderLine": 1305,
        "Payment": 1075,
        "AfterSale": 67,
        "AfterSaleLine": 75,
        "Refund": 61,
        "Event": 8851,
    }
    assert (default.stats["buyers"], loyal.stats["buyers"]) == (202, 260)
    # The loyal brand: more buyers, more orders each, and fewer events per order (buy again).
    assert loyal.stats["events"] / loyal.stats["orders"] < default.stats["events"] / default.stats["orders"]


def test_buy_again_orders_skip_search_and_cart():
    def kinds(chunk: g.Chunk) -> dict[str, int]:
        counts: dict[str, int] = {}
        for kind in chunk.tables[-1].columns["kind"].take():
            counts[kind] = counts.get(kind, 0) + 1
        return counts

    never = _chunk(_world(5, params=replace(m.loyal_params(), reorder_share=0.0)))
    always = _chunk(_world(5, params=replace(m.loyal_params(), reorder_share=1.0)))
    # The same orders (the choice is drawn after them), placed with fewer searches, views and carts.
    assert _digest(never.tables[4:6]) == _digest(always.tables[4:6])
    before, after = kinds(never), kinds(always)
    assert after["order_created"] == before["order_created"] == never.stats["orders"]
    for kind in ("search", "add_to_cart", "product_view"):
        assert after[kind] < before[kind], kind
    assert after["product_view"] >= always.stats["lines"]  # still a view of every product ordered


def test_presets():
    assert set(m.PRESETS) == {"default", "loyal"}
    assert m.PRESETS["default"]() == m.SimulationParams()
    loyal = m.loyal_params()
    assert abs(sum(p.share for p in loyal.sources.values()) - 1) < 1e-9
    with pytest.raises(ValueError, match="unknown preset"):
        simulate(merchant_slug="x", customers=1, days=1, seed=1, preset="nope")


def test_generator_memory_does_not_depend_on_the_run_size():
    # The world holds O(hours + products) arrays whatever the number of customers.
    small, big = _world(1, customers=100), _world(1, customers=10_000_000)
    size = lambda w: sum(v.nbytes for v in vars(w).values() if isinstance(v, np.ndarray))  # noqa: E731
    assert size(big) == size(small)


# --- one simulated merchant, shared by the tests below -------------------------------------------------

CUSTOMERS = 3000


@pytest.fixture(scope="module")
def run(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        report = simulate(
            merchant_slug="sim",
            customers=CUSTOMERS,
            days=DAYS,
            seed=3,
            start=START,
            chunk_size=1000,
            progress=False,
        )
        yield report
        transaction.set_rollback(True)


@pytest.fixture
def sim(run, db) -> Merchant:
    return Merchant.objects.get(slug="sim")


def _rows(sql: str, *params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def test_run_writes_every_kind_of_row(run, sim):
    assert run.created_merchant
    assert run.rows["members.Customer"] == Customer.objects.for_merchant(sim).count() == CUSTOMERS
    for label in LABELS:
        assert run.rows[label] > 0, label
    assert Order.objects.for_merchant(sim).count() == run.rows["orders.Order"]
    assert Event.objects.for_merchant(sim).count() == run.rows["events.Event"]
    statuses = set(Order.objects.for_merchant(sim).values_list("status", flat=True))
    assert {"completed", "cancelled", "closed", "delivered", "shipped"} <= statuses


def test_order_amounts_add_up(sim):
    bad = _rows(
        """SELECT o.id FROM orders_order o JOIN orders_orderline l ON l.order_id = o.id
        WHERE o.merchant_id = %s GROUP BY o.id, o.goods_amount, o.discount_amount, o.shipping_fee,
        o.payable_amount, o.refunded_amount, o.paid_amount
        HAVING o.payable_amount != o.goods_amount - o.discount_amount + o.shipping_fee
            OR SUM(l.goods_amount) != o.goods_amount
            OR SUM(l.paid_amount) != o.goods_amount - o.discount_amount
            OR o.refunded_amount > o.paid_amount
            OR o.refunded_amount != SUM(l.refunded_amount)
               + CASE WHEN o.status = 'closed' AND o.shipped_at IS NULL THEN o.shipping_fee ELSE 0 END""",
        sim.pk,
    )
    assert bad == []
    assert not OrderLine.objects.for_merchant(sim).exclude(
        goods_amount=models_f("unit_price") * models_f("quantity")
    )
    assert not OrderLine.objects.for_merchant(sim).exclude(
        paid_amount=models_f("goods_amount") - models_f("discount_amount")
    )
    assert not OrderLine.objects.for_merchant(sim).filter(refunded_quantity__gt=models_f("quantity"))
    assert not OrderLine.objects.for_merchant(sim).filter(refunded_amount__gt=models_f("paid_amount"))


def models_f(name: str):
    from django.db.models import F

    return F(name)


def test_order_states_match_their_times_and_money(sim):
    orders = Order.objects.for_merchant(sim)
    cancelled = orders.filter(status="cancelled")
    assert cancelled.exists()
    assert not cancelled.exclude(paid_amount=0).exists()
    assert not cancelled.filter(paid_at__isnull=False).exists()
    assert not cancelled.filter(cancelled_at__isnull=True).exists()
    paid = orders.exclude(status__in=["cancelled", "pending_payment"])
    assert not paid.exclude(paid_amount=models_f("payable_amount")).exists()
    assert not orders.filter(status="completed", completed_at__isnull=True).exists()
    closed = orders.filter(status="closed")
    assert closed.exists()
    assert (
        not OrderLine.objects.filter(order__in=closed)
        .exclude(refunded_quantity=models_f("quantity"))
        .exists()
    )
    # Refunded before dispatch: every fen back, shipping included.
    assert (
        not closed.filter(shipped_at__isnull=True).exclude(refunded_amount=models_f("paid_amount")).exists()
    )
    partly = orders.filter(status="completed", refunded_amount__gt=0)
    assert partly.exists()  # some orders keep going after a partial refund
    assert not orders.filter(status="shipped", shipped_at__isnull=True).exists()
    # Each step after the one before it, and none for orders that were never paid.
    assert not _rows(
        "SELECT id FROM orders_order WHERE merchant_id = %s AND (paid_at < created_at "
        "OR shipped_at < paid_at OR delivered_at < COALESCE(shipped_at, paid_at) "
        "OR completed_at < delivered_at "
        "OR cancelled_at < created_at OR closed_at < paid_at OR expires_at <= created_at "
        "OR (paid_at IS NULL AND COALESCE(shipped_at, delivered_at, completed_at, closed_at) IS NOT NULL))",
        sim.pk,
    )
    assert not orders.filter(fulfilment="pickup", pickup_outlet__isnull=True).exists()
    assert not orders.filter(fulfilment="pickup", shipping_fee__gt=0).exists()
    assert not orders.filter(fulfilment="delivery", shipping_address__isnull=True).exists()
    # One successful payment per paid order, for what it cost; refunds add up to what was refunded.
    assert Payment.objects.for_merchant(sim).count() == paid.count()
    assert not _rows(
        "SELECT o.id FROM orders_order o JOIN orders_payment p ON p.order_id = o.id "
        "WHERE o.merchant_id = %s AND p.amount != o.paid_amount",
        sim.pk,
    )
    refunds = _rows(
        "SELECT o.id, o.refunded_amount, COALESCE(SUM(r.amount), 0) FROM orders_order o "
        "JOIN orders_payment p ON p.order_id = o.id LEFT JOIN orders_refund r ON r.payment_id = p.id "
        "WHERE o.merchant_id = %s GROUP BY o.id, o.refunded_amount "
        "HAVING o.refunded_amount != COALESCE(SUM(r.amount), 0)",
        sim.pk,
    )
    assert refunds == []
    assert AfterSale.objects.for_merchant(sim).filter(status="rejected").exists()
    assert (
        Refund.objects.for_merchant(sim).count()
        == AfterSale.objects.for_merchant(sim).filter(status="refunded").count()
    )


def test_customers_register_before_they_order_and_referrers_before_referrals(sim):
    assert not _rows(
        "SELECT o.id FROM orders_order o JOIN members_customer c ON c.id = o.customer_id "
        "WHERE o.merchant_id = %s AND o.created_at <= c.registered_at",
        sim.pk,
    )
    referred = Customer.objects.for_merchant(sim).filter(referrer__isnull=False)
    assert referred.count() > 50
    assert not referred.filter(first_touch_source__in=[s for s in Source.values if s != "referral"]).exists()
    assert not _rows(
        "SELECT c.id FROM members_customer c JOIN members_customer r ON r.id = c.referrer_id "
        "WHERE c.merchant_id = %s AND r.registered_at >= c.registered_at",
        sim.pk,
    )
    # The referrer had bought before the referral arrived, and shared something just before.
    assert not _rows(
        "SELECT c.id FROM members_customer c WHERE c.merchant_id = %s AND c.referrer_id IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM orders_order o WHERE o.customer_id = c.referrer_id "
        "AND o.paid_at < c.registered_at)",
        sim.pk,
    )
    assert not _rows(
        "SELECT c.id FROM members_customer c WHERE c.merchant_id = %s AND c.referrer_id IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM events_event e WHERE e.merchant_id = c.merchant_id "
        "AND e.customer_id = c.referrer_id AND e.kind = 'share' AND e.occurred_at <= c.registered_at)",
        sim.pk,
    )


def test_every_order_follows_a_view_or_cart_by_its_customer(sim):
    missing = _rows(
        "SELECT o.id FROM orders_order o WHERE o.merchant_id = %s AND NOT EXISTS ("
        "SELECT 1 FROM events_event e WHERE e.merchant_id = o.merchant_id AND e.customer_id = o.customer_id "
        "AND e.kind IN ('product_view', 'add_to_cart') AND e.occurred_at <= o.created_at)",
        sim.pk,
    )
    assert missing == []
    created = Event.objects.for_merchant(sim).filter(kind="order_created").count()
    paid = Event.objects.for_merchant(sim).filter(kind="order_paid").count()
    assert created == Order.objects.for_merchant(sim).count()
    assert paid == Order.objects.for_merchant(sim).filter(paid_at__isnull=False).count()


def test_most_carts_are_abandoned(sim):
    carts = Event.objects.for_merchant(sim).filter(kind="add_to_cart").count()
    ordered = OrderLine.objects.for_merchant(sim).count()
    assert carts > 0.5 * ordered  # far more carts than the share of lines that went through one


def test_events_are_unique_and_inside_the_run(run, sim):
    events = Event.objects.for_merchant(sim)
    assert events.values("event_id").distinct().count() == events.count()
    span = events.aggregate(first=Min("occurred_at"), last=Max("occurred_at"))
    zone = ZoneInfo("Asia/Shanghai")
    assert span["first"] >= datetime(2025, 1, 1, tzinfo=zone)
    assert span["last"] < datetime(2025, 1, 1, tzinfo=zone) + timedelta(days=DAYS)
    kinds = set(events.values_list("kind", flat=True))
    # Every kind except the coupon and group-buy events, which the simulator does not model (yet).
    unmodelled = {"coupon_claimed", "coupon_used", "group_joined"}
    assert kinds == {k for k, _ in Event._meta.get_field("kind").choices} - unmodelled
    assert events.filter(customer__isnull=True).exclude(anonymous_id="").exists()


def _orders_per_customer(sim: Merchant, source: str) -> float:
    customers = Customer.objects.for_merchant(sim).filter(first_touch_source=source)
    orders = Order.objects.for_merchant(sim).filter(customer__in=customers).exclude(status="cancelled")
    return orders.count() / customers.count()


def test_source_matters(sim):
    ads = _orders_per_customer(sim, "ads")
    assert _orders_per_customer(sim, "referral") > 1.5 * ads
    assert _orders_per_customer(sim, "outlet") > 1.5 * ads


def test_semi_private_members_exist(sim):
    semi = (
        Customer.objects.for_merchant(sim)
        .filter(orders__isnull=True)
        .filter(pk__in=Event.objects.for_merchant(sim).filter(kind__in=VALUE_KINDS).values("customer_id"))
        .distinct()
        .count()
    )
    assert 0.15 * CUSTOMERS < semi < 0.6 * CUSTOMERS


def test_purchases_are_heterogeneous_like_bg_nbd(sim):
    counts = np.array(
        [
            n
            for _, n in _rows(
                "SELECT customer_id, COUNT(*) FROM orders_order WHERE merchant_id = %s "
                "AND paid_at IS NOT NULL GROUP BY customer_id",
                sim.pk,
            )
        ]
    )
    one_time = (counts == 1).mean()
    assert 0.3 < one_time < 0.75
    assert counts.max() >= 10 * np.median(counts)  # a few loyal fans buy far more than the rest


def test_rerun_with_the_same_seed_writes_the_same_rows(db):
    def digest() -> str:
        h = hashlib.sha256()
        for label in LABELS:
            from django.apps import apps

            model = apps.get_model(label)
            columns = [f.attname for f in model._meta.concrete_fields]
            for row in model.objects.filter(merchant__slug="again").order_by("id").values_list(*columns):
                h.update(repr(row).encode())
        return h.hexdigest()

    kwargs = {
        "merchant_slug": "again",
        "customers": 300,
        "days": 60,
        "seed": 9,
        "start": START,
        "progress": False,
    }
    simulate(**kwargs)
    first = digest()
    for label in reversed(LABELS):
        from django.apps import apps

        apps.get_model(label).objects.filter(merchant__slug="again").delete()
    report = simulate(**kwargs)
    assert not report.created_merchant  # the second run reuses the catalogue the first one made
    assert digest() == first


def _expected(field, value, i: int):
    """What the database should give back for row ``i`` of a generator column."""
    if isinstance(value, g.Cat):
        value = value.vocab[value.codes[i]]
    elif isinstance(value, np.ndarray):
        if value.ndim == 2:  # a UUID's bytes
            return uuid.UUID(bytes=value[i].tobytes())
        value = value[i].item()
        if isinstance(field, DateTimeField):
            return None if value < 0 else datetime.fromtimestamp(value, tz=UTC)
        if field.null and not isinstance(value, bool) and value < 0:
            return None
        return value
    elif isinstance(value, list):
        value = value[i]
    if value is None:
        return None
    if isinstance(field, JSONField):
        return json.loads(value) if isinstance(value, str) else value
    if isinstance(field, UUIDField):
        return uuid.UUID(value)
    if isinstance(field, DateField) and not isinstance(field, DateTimeField):
        return date.fromisoformat(value)
    if isinstance(field, TimeField):
        return time.fromisoformat(value)
    return value


def test_every_value_reads_back_as_generated(db, monkeypatch):
    # Whatever the backend (SQLite text or PostgreSQL binary COPY), the ORM reads what was generated.
    chunks: list[g.Chunk] = []
    real = g.generate_chunk

    def keep(*args, **kwargs):
        chunks.append(real(*args, **kwargs))
        return chunks[-1]

    monkeypatch.setattr(g, "generate_chunk", keep)
    simulate(merchant_slug="types", customers=150, days=90, seed=8, start=START, progress=False)
    from django.apps import apps

    checked = 0
    for table in chunks[0].tables:
        model = apps.get_model(table.label)
        fields = [f for f in model._meta.concrete_fields if f.attname in table.columns]
        rows = {
            r[0]: r
            for r in model.objects.filter(pk__in=table.columns["id"][:25].tolist()).values_list(
                "pk", *[f.attname for f in fields]
            )
        }
        for i, pk in enumerate(table.columns["id"][:25].tolist()):
            for f, got in zip(fields, rows[pk][1:], strict=True):
                assert got == _expected(f, table.columns[f.attname], i), (table.label, f.attname, pk)
                checked += 1
    assert checked > 1000


def test_command_reuses_a_merchant_catalogue(db, capsys):
    call_command("simulate", "--merchant", "cmd", "--customers", "200", "--days", "30", "--no-progress")
    call_command("simulate", "--merchant", "cmd", "--customers", "200", "--days", "30", "--seed", "2")
    out = capsys.readouterr()
    assert "reused catalogue" in out.out
    assert "100%" in out.err
    assert Customer.objects.filter(merchant__slug="cmd").count() == 400


def _schema(tables: list[str]) -> list[tuple]:
    return _rows(
        "SELECT c.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
        "JOIN pg_class c ON c.oid = x.indrelid WHERE c.relname = ANY(%s) "
        "UNION ALL SELECT c.relname, pg_get_constraintdef(k.oid) || k.convalidated::text "
        "FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid WHERE c.relname = ANY(%s) ORDER BY 1, 2",
        tables,
        tables,
    )


@pytest.mark.postgres
@pytest.mark.parametrize("merge_checks", [False, True])
def test_bulk_load_rebuilds_every_index_and_key(db, monkeypatch, merge_checks):
    if connection.vendor != "postgresql":
        pytest.skip("the bulk path is PostgreSQL's")
    from django.apps import apps

    from siyu.simulate import writers

    if merge_checks:  # check every key to a loaded table by merging indexes, as big loads do
        monkeypatch.setattr(writers, "MERGE_CHECK_ROWS", 0)

    tables = [apps.get_model(label)._meta.db_table for label in LABELS]
    before = _schema(tables)
    report = simulate(
        merchant_slug="bulk", customers=300, days=60, seed=4, start=START, bulk=True, progress=False
    )
    assert _schema(tables) == before
    # The sequences moved past the simulated ids: the ORM's next rows do not collide.
    merchant = Merchant.objects.get(slug="bulk")
    newcomer = Customer.objects.create(
        merchant=merchant, registered_at=datetime(2025, 3, 1, tzinfo=ZoneInfo("UTC"))
    )
    assert newcomer.pk > Customer.objects.exclude(pk=newcomer.pk).order_by("-pk").first().pk
    assert report.rows["events.Event"] == Event.objects.for_merchant(merchant).count()


def _counts() -> dict[str, int]:
    from django.apps import apps

    return {label: apps.get_model(label).objects.count() for label in LABELS}


@pytest.mark.postgres
@pytest.mark.parametrize("bulk", [False, True])
def test_a_failed_copy_rolls_everything_back(db, monkeypatch, bulk):
    if connection.vendor != "postgresql":
        pytest.skip("the COPY thread is PostgreSQL's")
    from siyu.simulate import runner

    tables = [apps_table(label) for label in LABELS]
    simulate(merchant_slug="first", customers=200, days=30, seed=1, start=START, progress=False)
    before, schema = _counts(), _schema(tables)
    # Ids that are taken: the server refuses the rows the COPY thread sends, mid-run.
    monkeypatch.setattr(runner, "max_ids", lambda: dict.fromkeys(LABELS, 0))
    with pytest.raises(RuntimeError, match="COPY thread failed"):
        simulate(
            merchant_slug="first", customers=200, days=30, seed=2, start=START, bulk=bulk, progress=False
        )
    assert _counts() == before
    assert _schema(tables) == schema  # dropped indexes came back with the rollback


@pytest.mark.postgres
def test_a_failure_while_generating_aborts_the_copy(db, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the COPY thread is PostgreSQL's")
    from siyu.simulate import runner

    simulate(merchant_slug="second", customers=100, days=30, seed=1, start=START, progress=False)
    before = _counts()
    real, calls = g.generate_chunk, []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise MemoryError("out of memory in the third chunk")
        return real(*args, **kwargs)

    monkeypatch.setattr(runner.g, "generate_chunk", flaky)
    with pytest.raises(MemoryError):
        simulate(merchant_slug="second", customers=500, days=30, seed=2, start=START, chunk_size=100)
    assert _counts() == before
    assert Customer.objects.filter(merchant__slug="second").count() == 100  # the connection still works


def apps_table(label: str) -> str:
    from django.apps import apps

    return apps.get_model(label)._meta.db_table


def test_plausibility_summary(run, sim):
    from bench.simulate_suite import summary, summary_markdown

    s = summary("sim", events=run.rows["events.Event"])
    assert (s["customers"], s["orders"], s["events"]) == (
        CUSTOMERS,
        run.rows["orders.Order"],
        run.rows["events.Event"],
    )
    assert s["buyers"] == run.buyers
    shares = s["buyers_by_paid_orders"]
    assert abs(shares["1"] + shares["2"] + shares["3"] + shares["4+"] - 1) < 0.01
    assert shares["10+"] <= shares["4+"]
    assert abs(sum(v["revenue_share"] for v in s["by_source"].values()) - 1) < 0.01
    assert s["by_source"]["outlet"]["bought"] > s["by_source"]["ads"]["bought"]
    assert s["orders_per_day"]["median"] > 0
    assert "| buyers with 4+ paid orders |" in summary_markdown({"sim": s})
