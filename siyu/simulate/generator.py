"""Generate a simulated brand's customers, orders and behaviour, one chunk of customers at a time.

Pure numpy, no Django: ``build_world`` turns the parameters, the catalogue and the calendar into
arrays that every chunk shares (a few per hour of the run, a few per product); ``generate_chunk``
makes the rows of one chunk of customers as columns, ready for a bulk writer. Memory depends on the
chunk size, never on the number of customers.

A chunk is made in stages, data passed explicitly from one to the next: first the story of its
customers and orders as arrays (``story``: sign-ups, shoppers, purchases, orders, lines, prices,
what happened to the orders, after-sales), then the rows (``sim_tables``: customers with their
referrals, identities, consent and addresses; orders, lines, payments, after-sales; ``sim_events``:
behaviour events).

Determinism: every random draw comes from a generator seeded with (seed, chunk index, stream), and
ids come from the bases the caller passes in, so the same seed, chunk size and bases give the same
rows, byte for byte. The stages share the generator, so their order is part of the output.

Times are integer seconds since the Unix epoch (UTC). Money is integer fen. A column is a numpy
array (ints, times; -1 = NULL; or a 2-D uint8 array of each row's bytes, for UUIDs), a list of
strings (None = NULL), a ``Cat`` (codes into a vocabulary) or a Python scalar shared by every row;
the writer formats each by its model field's type.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from siyu.simulate import model as m
from siyu.simulate.sim_events import (
    Events,
    anonymous_events,
    browse_events,
    event_table,
    order_events,
    registration_events,
)
from siyu.simulate.sim_tables import (
    address_table,
    after_sale_tables,
    consent_table,
    customer_table,
    identity_table,
    line_table,
    order_table,
    payment_table,
)
from siyu.simulate.story import (
    AfterSales,
    Lines,
    Orders,
    Prices,
    Shoppers,
    SignUps,
    Timeline,
    conclude,
    fill_lines,
    follow_orders,
    place_orders,
    price,
    purchase,
    settle_after_sales,
    shop,
    sign_up,
)
from siyu.simulate.world import (
    DAY,
    NULL,
    S_INDEX,
    IdBases,
    Table,
    World,
)

# The world's types are part of this module's interface: the runner, writers and tests use them from here.
from siyu.simulate.world import (
    Cat as Cat,
)
from siyu.simulate.world import (
    CatalogueInput as CatalogueInput,
)
from siyu.simulate.world import (
    Column as Column,
)
from siyu.simulate.world import (
    MerchantInput as MerchantInput,
)
from siyu.simulate.world import (
    OutletInput as OutletInput,
)
from siyu.simulate.world import (
    build_world as build_world,
)


@dataclass
class ReferrerPool:
    """Earlier buyers who may refer new customers: id, time of first paid order, propensity.

    Bounded: past ``capacity`` a random subset is kept, so memory does not grow with the run.
    """

    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    first: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    weight: np.ndarray = field(default_factory=lambda: np.zeros(0))
    capacity: int = 200_000


@dataclass
class Chunk:
    """One chunk's rows, the referrer pool to pass to the next chunk, and counts for the report."""

    tables: list[Table]
    pool: ReferrerPool
    stats: dict[str, int]


def generate_chunk(
    world: World,
    *,
    index: int,
    first: int,
    count: int,
    ids: IdBases,
    pool: ReferrerPool,
    taken_pickup_codes: frozenset[str] = frozenset(),
) -> Chunk:
    """Rows for customers ``first`` .. ``first + count - 1`` (in order of registration) of the run.

    The story's stages first (``story``), then the rows: customers (referrals credited first), orders
    and what hangs off them, behaviour events. Every stage draws from ``rng`` in this order.
    """
    rng = np.random.default_rng([world.seed, index, 1])
    signups = sign_up(world, rng, first=first, count=count, customer_base=ids.customer)
    shoppers = shop(world, rng, signups)
    purchases = purchase(world, rng, signups, shoppers)
    orders = place_orders(world, rng, signups, shoppers, purchases, order_base=ids.order)
    lines = fill_lines(world, rng, shoppers, orders)
    prices = price(world, rng, orders, lines)
    timeline = follow_orders(world, rng, orders)
    after = settle_after_sales(world, rng, orders, lines, prices, timeline)
    timeline, status = conclude(world, timeline, after)

    n_paid = np.bincount(orders.cust[timeline.paid], minlength=signups.n)  # paid orders per customer
    referrals = refer(world, rng, pool, signups, orders, timeline, n_paid)
    customers = customer_rows(world, rng, ids, signups, shoppers, referrals, n_paid)
    tables = [
        *customers.tables,
        *order_rows(
            world,
            rng,
            ids,
            signups,
            orders,
            lines,
            prices,
            timeline,
            after,
            status,
            address_json=customers.address_json,
            taken_pickup_codes=taken_pickup_codes,
        ),
    ]
    events = behaviour_events(
        world,
        rng,
        ids,
        signups,
        shoppers,
        referrals,
        orders,
        lines,
        prices,
        timeline,
        after,
        first=first,
        follows=customers.follows,
        n_paid=n_paid,
    )
    tables.append(events)
    stats = {
        "customers": signups.n,
        "buyers": int((n_paid > 0).sum()),
        "orders": orders.n,
        "lines": int(lines.order.size),
        "events": events.size,
    }
    return Chunk(tables=tables, pool=referrals.pool, stats=stats)


@dataclass(frozen=True)
class Referrals:
    """Who referred each customer (NULL = nobody) and when they shared; the pool for the next chunk."""

    referrer: np.ndarray
    share_t: np.ndarray
    # The sign-up source as recorded: a referral nobody can be credited with is a Moments share.
    src: np.ndarray
    pool: ReferrerPool


def refer(
    world: World,
    rng: np.random.Generator,
    pool: ReferrerPool,
    signups: SignUps,
    orders: Orders,
    timeline: Timeline,
    n_paid: np.ndarray,
) -> Referrals:
    """Credit referred customers to earlier buyers, this chunk's included, and grow the pool."""
    paid = timeline.paid
    first_paid = np.full(signups.n, np.iinfo(np.int64).max)
    np.minimum.at(first_paid, orders.cust[paid], orders.time[paid])
    is_referral = signups.src == S_INDEX[m.REFERRAL]
    referrer, share_t, pool = referrers(
        world, rng, pool, signups.reg_t, is_referral, signups.cust_ids, first_paid, n_paid
    )
    src = np.where(is_referral & (referrer < 0), S_INDEX[m.MOMENTS], signups.src)
    return Referrals(referrer=referrer, share_t=share_t, src=src, pool=pool)


@dataclass(frozen=True)
class CustomerRows:
    """The customers' tables, who follows the official account, and each customer's address snapshot."""

    tables: list[Table]
    follows: np.ndarray
    address_json: list[str | None]


def customer_rows(
    world: World,
    rng: np.random.Generator,
    ids: IdBases,
    signups: SignUps,
    shoppers: Shoppers,
    referrals: Referrals,
    n_paid: np.ndarray,
) -> CustomerRows:
    """Customers, their identities, consent and addresses."""
    n, cust_ids, reg_t, src = signups.n, signups.cust_ids, signups.reg_t, referrals.src
    customers, phones, person = customer_table(
        world, rng, cust_ids, reg_t, src, signups.region, signups.chrono, referrals.referrer
    )
    follows = (src == S_INDEX[m.ARTICLE]) | (rng.random(n) < world.params.follows_account_share)
    identities = identity_table(world, rng, ids, cust_ids, reg_t, follows, phones)
    consent = consent_table(world, rng, ids, cust_ids, reg_t, src, follows, phones)
    has_address = (n_paid > 0) | shoppers.buyer | (rng.random(n) < 0.4)
    addresses, address_json = address_table(
        world, rng, ids, cust_ids, reg_t, signups.region, phones, person, has_address
    )
    return CustomerRows(
        tables=[customers, identities, consent, addresses], follows=follows, address_json=address_json
    )


def order_rows(
    world: World,
    rng: np.random.Generator,
    ids: IdBases,
    signups: SignUps,
    orders: Orders,
    lines: Lines,
    prices: Prices,
    timeline: Timeline,
    after: AfterSales,
    status: np.ndarray,
    *,
    address_json: list[str | None],
    taken_pickup_codes: frozenset[str],
) -> list[Table]:
    """Orders, their lines and payments, and the after-sales hanging off them."""
    order, numbers = order_table(
        world,
        rng,
        signups,
        orders,
        lines,
        prices,
        timeline,
        after,
        status,
        address_json=address_json,
        taken_pickup_codes=taken_pickup_codes,
    )
    line_ids = ids.line + np.arange(lines.order.size, dtype=np.int64)
    payments, payment_ids = payment_table(world, rng, ids, orders, prices, timeline, numbers)
    return [
        order,
        line_table(world, line_ids, orders, lines, prices, after),
        payments,
        *after_sale_tables(
            world, rng, ids, signups, orders, lines, prices, after, payment_ids=payment_ids, line_ids=line_ids
        ),
    ]


def behaviour_events(
    world: World,
    rng: np.random.Generator,
    ids: IdBases,
    signups: SignUps,
    shoppers: Shoppers,
    referrals: Referrals,
    orders: Orders,
    lines: Lines,
    prices: Prices,
    timeline: Timeline,
    after: AfterSales,
    *,
    first: int,
    follows: np.ndarray,
    n_paid: np.ndarray,
) -> Table:
    """Visits, views, searches, carts, follows and shares around the sign-ups and the orders."""
    n, reg_t, src, affinity = signups.n, signups.reg_t, referrals.src, shoppers.affinity
    ev = Events()
    semi = (n_paid == 0) & ~shoppers.buyer & (rng.random(n) < world.params.semi_private_share)
    registration_events(
        world, rng, ev, reg_t, src, referrals.referrer, affinity, shoppers.buyer | semi, follows
    )
    order_events(world, rng, ev, signups, shoppers, orders, lines, prices, timeline, after)
    last_order = np.full(n, NULL, dtype=np.int64)
    np.maximum.at(last_order, orders.cust, orders.time)
    browse_events(world, rng, ev, reg_t, src, n_paid, last_order, semi, affinity, signups.chrono)
    anon_ids = anonymous_events(world, rng, ev, first, n)
    referrer = referrals.referrer
    shared = np.flatnonzero(referrer >= 0)
    invite = np.full(shared.size, '{"page": "invite"}', dtype=object)
    ev.add("share", referrals.share_t[shared], invite, customer_id=referrer[shared])
    return event_table(world, rng, ids, ev, signups.cust_ids, anon_ids)


def referrers(
    world: World,
    rng: np.random.Generator,
    pool: ReferrerPool,
    reg_t: np.ndarray,
    is_referral: np.ndarray,
    cust_ids: np.ndarray,
    first_paid: np.ndarray,
    n_paid: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, ReferrerPool]:
    """Credit each referred customer to an earlier buyer (heavier buyers share more)."""
    n = len(reg_t)
    mine = np.flatnonzero(n_paid > 0)
    ids_all = np.concatenate([pool.ids, cust_ids[mine]])
    first_all = np.concatenate([pool.first, first_paid[mine]])
    weight_all = np.concatenate([pool.weight, n_paid[mine].astype(float)])
    order = np.argsort(first_all, kind="stable")
    ids_all, first_all, weight_all = ids_all[order], first_all[order], weight_all[order]
    cum = np.cumsum(weight_all)
    referrer = np.full(n, NULL, dtype=np.int64)
    share_t = np.full(n, NULL, dtype=np.int64)
    who = np.flatnonzero(is_referral)
    if who.size and ids_all.size:
        eligible = np.searchsorted(first_all, reg_t[who], side="left")
        ok = eligible > 0
        who, eligible = who[ok], eligible[ok]
        pick = np.searchsorted(cum, rng.random(who.size) * cum[eligible - 1], side="right")
        pick = np.minimum(pick, eligible - 1)
        referrer[who] = ids_all[pick]
        lead = np.minimum(rng.integers(60, 2 * DAY, who.size), (reg_t[who] - first_all[pick]) // 2)
        share_t[who] = reg_t[who] - np.maximum(lead, 1)
    if ids_all.size > pool.capacity:
        keep = np.sort(rng.choice(ids_all.size, pool.capacity, replace=False))
        ids_all, first_all, weight_all = ids_all[keep], first_all[keep], weight_all[keep]
    return referrer, share_t, ReferrerPool(ids_all, first_all, weight_all, pool.capacity)
