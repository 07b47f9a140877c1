"""Generate a simulated brand's customers, orders and behaviour, one chunk of customers at a time.

Pure numpy, no Django: ``build_world`` turns the parameters, the catalogue and the calendar into
arrays that every chunk shares (a few per hour of the run, a few per product); ``generate_chunk``
makes the rows of one chunk of customers as columns, ready for a bulk writer. Memory depends on the
chunk size, never on the number of customers.

Determinism: every random draw comes from a generator seeded with (seed, chunk index, stream), and
ids come from the bases the caller passes in, so the same seed, chunk size and bases give the same
rows, byte for byte.

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
)
from siyu.simulate.vocabulary import CANCEL_REASONS, CARRIERS
from siyu.simulate.world import (
    ALL_SOURCES,
    DAY,
    HOUR,
    NULL,
    REPEAT_SOURCES,
    S_INDEX,
    Cat,
    IdBases,
    Table,
    World,
    choose_per_row,
    decimal_chars,
    draw_from,
    pick_products,
    pick_skus,
    scramble,
    strings_of,
)

# The world's types are part of this module's interface: the runner, writers and tests use them from here.
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
    """Rows for customers ``first`` .. ``first + count - 1`` (in order of registration) of the run."""
    p = world.params
    rng = np.random.default_rng([world.seed, index, 1])
    n = count
    end = world.calendar.end
    cat_n = len(world.catalogue.category_cycle_days)

    # --- who registers, when, through which source -------------------------------------------------
    u = (first + np.arange(n) + rng.random(n)) / world.customers
    hour = np.clip(
        np.searchsorted(world.acquisition.signup_cum, u, side="right") - 1, 0, world.calendar.hours - 1
    )
    width = np.maximum(world.acquisition.signup_cum[hour + 1] - world.acquisition.signup_cum[hour], 1e-18)
    frac = np.clip((u - world.acquisition.signup_cum[hour]) / width, 0, 0.9999)
    reg_t = world.calendar.t0 + ((hour + frac) * HOUR).astype(np.int64)
    src = choose_per_row(
        rng,
        np.diff(np.concatenate([np.zeros((n, 1)), world.acquisition.source_cum[hour]], axis=1), axis=1),
    )
    chrono = draw_from(rng, world.calendar.chrono_probs, n)
    cust_ids = ids.customer + np.arange(n, dtype=np.int64)

    # Geography and the outlet a customer would pick up from.
    region = draw_from(rng, world.geography.region_probs, n)
    home = np.full(n, NULL, dtype=np.int64)
    pickup_outlets = [i for i, ok in enumerate(world.geography.outlets.supports_pickup) if ok]
    at_outlet = np.flatnonzero(src == S_INDEX[m.OUTLET])
    if pickup_outlets and at_outlet.size:
        home[at_outlet] = np.array(pickup_outlets)[rng.integers(0, len(pickup_outlets), at_outlet.size)]
        region[at_outlet] = world.geography.outlet_region[home[at_outlet]]
    near_roll = rng.random(n)
    for r, local in enumerate(world.geography.region_outlet):
        sel = np.flatnonzero((region == r) & (home < 0) & (near_roll < p.near_outlet_share))
        if local and sel.size:
            home[sel] = np.array(local)[rng.integers(0, len(local), sel.size)]

    # --- the BG/NBD story ----------------------------------------------------------------------------
    buys = rng.random(n) < world.acquisition.buy_probability[src]
    lam = (
        rng.gamma(p.rate_shape, p.rate_mean_per_day / p.rate_shape, n)
        * world.acquisition.rate_multiplier[src]
    )
    lam = np.minimum(lam, 0.25)  # nobody orders more than every four days on average
    mean_p = world.acquisition.dropout_mean[src]
    dropout = rng.beta(mean_p * p.dropout_concentration, (1 - mean_p) * p.dropout_concentration)
    spend = rng.gamma(
        p.spend_shape_customer,
        world.catalogue.basket_value * world.acquisition.spend_multiplier[src] / p.spend_shape_customer,
    )
    alpha = np.maximum(p.affinity_concentration * world.catalogue.category_share * cat_n, 0.05)
    affinity = rng.gamma(np.broadcast_to(alpha, (n, cat_n)))
    affinity /= affinity.sum(axis=1, keepdims=True)
    same = rng.random(n) < world.acquisition.same_session[src]
    later = world.calendar.from_op(
        world.calendar.to_op(reg_t, chrono) + rng.exponential(p.first_order_delay_days, n), chrono
    )
    first_t = np.where(same, reg_t + rng.integers(120, 1800, n), later)
    buyer = buys & (first_t < end)

    pc, pt, pj, pcat, pmore = [], [], [], [], []
    last = np.full((n, cat_n), -(10**12), dtype=np.int64)
    act = np.flatnonzero(buyer)
    t = first_t[act]
    v = world.calendar.to_op(t, chrono[act])
    j = 0
    while act.size:
        month = world.calendar.day_month[world.calendar.day_of(t)]
        since = (t[:, None] - last[act]) / DAY
        due = np.where(
            last[act] < -(10**11), 0.5, 1 - np.exp(-((since / world.catalogue.category_cycle_days) ** 2))
        )
        weights = affinity[act] * (0.02 + due) * world.catalogue.category_season[:, month].T
        cat = choose_per_row(rng, weights)
        last[act, cat] = t
        pc.append(act)
        pt.append(t)
        pcat.append(cat)
        # Categories for the order's other lines, should it have any: as due as the first one.
        pmore.append(np.stack([choose_per_row(rng, weights) for _ in range(3)], axis=1))
        pj.append(np.full(act.size, j))
        alive = rng.random(act.size) >= dropout[act]
        act, v = act[alive], v[alive]
        v = v + rng.exponential(1.0, act.size) / lam[act]
        inside = v < world.calendar.op_end(chrono[act])
        act, v = act[inside], v[inside]
        t = world.calendar.from_op(v, chrono[act])
        j += 1
    p_cust = np.concatenate(pc) if pc else np.zeros(0, dtype=np.int64)
    p_time = np.concatenate(pt) if pt else np.zeros(0, dtype=np.int64)
    p_cat = np.concatenate(pcat) if pcat else np.zeros(0, dtype=np.int64)
    p_seq = np.concatenate(pj) if pj else np.zeros(0, dtype=np.int64)
    p_more = np.concatenate(pmore) if pmore else np.zeros((0, 3), dtype=np.int64)

    # Unpaid attempts: a customer starts an order and abandons the payment; most try again.
    extra = rng.random(p_cust.size) < p.cancel_rate / (1 - p.cancel_rate)
    c_time = np.maximum(p_time[extra] - rng.integers(180, 2400, extra.sum()), reg_t[p_cust[extra]] + 30)
    o_cust = np.concatenate([p_cust, p_cust[extra]])
    o_time = np.concatenate([p_time, c_time])
    o_cat = np.concatenate([p_cat, p_cat[extra]])
    o_more = np.concatenate([p_more, p_more[extra]])
    o_first = np.concatenate([p_seq == 0, p_seq[extra] == 0])
    o_paid = np.concatenate([np.ones(p_cust.size, bool), np.zeros(extra.sum(), bool)])
    o_same = np.concatenate([(p_seq == 0) & same[p_cust], np.zeros(extra.sum(), bool)])
    order = np.lexsort((o_cust, o_time))
    o_cust, o_time, o_cat, o_more, o_first, o_paid, o_same = (
        a[order] for a in (o_cust, o_time, o_cat, o_more, o_first, o_paid, o_same)
    )
    n_orders = o_cust.size
    order_ids = ids.order + np.arange(n_orders, dtype=np.int64)
    o_day = world.calendar.day_of(o_time)
    o_month = world.calendar.day_month[o_day]

    # Channel of each order: the first in the sign-up session keeps the sign-up source; later ones
    # come back through the customer's own channel or through the repeat channels.
    own = np.where(src == S_INDEX[m.REFERRAL], S_INDEX[m.SEARCH], src)
    repeat_names = list(REPEAT_SOURCES)
    repeat_probs = np.array([REPEAT_SOURCES[s] for s in repeat_names])
    mixed = np.array([S_INDEX[s] for s in repeat_names])[draw_from(rng, repeat_probs, n_orders)]
    o_src = np.where(rng.random(n_orders) < p.repeat_channel_mix, mixed, own[o_cust])
    o_src = np.where(o_same, src[o_cust], o_src)
    pickup_chance = np.where(src[o_cust] == S_INDEX[m.OUTLET], 0.7, p.pickup_share)
    o_pickup = (home[o_cust] >= 0) & (rng.random(n_orders) < pickup_chance)

    # --- lines ----------------------------------------------------------------------------------------
    target = rng.gamma(p.spend_shape_order, spend[o_cust] / p.spend_shape_order)
    more = rng.binomial(3, np.clip((target / world.catalogue.median_price - 1) / 5, 0, 0.6))
    l_order = np.repeat(np.arange(n_orders), 1 + more)
    starts = np.concatenate([[0], np.cumsum(1 + more)[:-1]])
    l_pos = np.arange(l_order.size) - starts[l_order]
    l_cat = np.where(l_pos == 0, o_cat[l_order], o_more[l_order, np.clip(l_pos - 1, 0, 2)])
    situation = np.where(o_first[l_order], 0, 1)
    l_product = pick_products(world, rng, l_cat, o_month[l_order], situation)
    l_sku = pick_skus(world, rng, l_product)
    # A cart holds a SKU once: drop repeated picks within an order.
    key = l_order * len(world.catalogue.sku_price) + l_sku
    _, keep = np.unique(key, return_index=True)
    keep = np.sort(keep)
    l_order, l_sku, l_product = l_order[keep], l_sku[keep], l_product[keep]
    n_lines = np.bincount(l_order, minlength=n_orders)
    starts = np.concatenate([[0], np.cumsum(n_lines)[:-1]])
    l_pos = np.arange(l_order.size) - starts[l_order]
    price = world.catalogue.sku_price[l_sku]
    qty = np.clip(
        np.rint(target[l_order] / n_lines[l_order] / price * rng.uniform(0.7, 1.3, price.size)), 1, 6
    )
    qty = qty.astype(np.int64)
    l_goods = price * qty
    goods = np.add.reduceat(l_goods, starts) if n_orders else np.zeros(0, dtype=np.int64)

    # --- price: festival, member day, coupons; shipping by the merchant's rule --------------------------
    share = world.calendar.day_discount[o_day]
    festival = world.calendar.day_festival[o_day]
    roll = rng.random(n_orders)
    discount = np.zeros(n_orders, dtype=np.int64)
    d_kind = np.zeros(n_orders, dtype=np.int64)  # 0 none, 1 festival, 2 member day, 3 coupon, 4 new customer
    fest = (festival >= 0) & (roll < 0.85)
    discount[fest] = (goods[fest] * share[fest]).astype(np.int64) // 100 * 100
    d_kind[fest] = 1
    member = (festival == -2) & (roll < 0.7)
    discount[member] = (goods[member] * share[member]).astype(np.int64)
    d_kind[member] = 2
    coupon = p.first_order_coupon_fen
    newbie = (d_kind == 0) & o_first & (rng.random(n_orders) < 0.6) & (goods >= 2 * coupon)
    discount[newbie] = coupon
    d_kind[newbie] = 4
    amount = np.array([300, 500, 1000, 2000])[rng.integers(0, 4, n_orders)]
    plain = (d_kind == 0) & (rng.random(n_orders) < p.coupon_rate) & (goods >= 3 * amount)
    discount[plain] = amount[plain]
    d_kind[plain] = 3
    discount = np.minimum(discount, goods - 1)
    d_kind[discount <= 0] = 0
    discount = np.maximum(discount, 0)
    mer = world.merchant
    free = goods >= mer.free_shipping_threshold  # 0 = always free, as Merchant documents
    shipping = np.where(o_pickup | free | (mer.shipping_fee == 0), 0, mer.shipping_fee).astype(np.int64)
    payable = goods - discount + shipping
    # Each line's share of the discount, the largest line taking the rounding rest.
    l_disc = l_goods * discount[l_order] // np.maximum(goods[l_order], 1)
    rest = discount - np.add.reduceat(l_disc, starts) if n_orders else np.zeros(0, dtype=np.int64)
    biggest = np.maximum.reduceat(l_goods, starts) if n_orders else np.zeros(0, dtype=np.int64)
    big = np.flatnonzero(l_goods == biggest[l_order])
    big = big[np.unique(l_order[big], return_index=True)[1]]  # the first largest line of each order
    l_disc[big] += rest[l_order[big]]
    l_paid = l_goods - l_disc

    # --- what happened to each order, as of the end of the run ---------------------------------------------
    timeout = mer.payment_timeout_minutes * 60
    expires = o_time + timeout
    pay_at = o_time + np.minimum(20 + rng.lognormal(4.3, 0.8, n_orders).astype(np.int64), timeout - 10)
    paid_at = np.where(o_paid & (pay_at < end), pay_at, NULL)
    paid = paid_at >= 0
    customer_cancel = rng.random(n_orders) < p.customer_cancel_share
    cancel_at = np.where(
        customer_cancel, o_time + rng.integers(60, max(timeout - 60, 61), n_orders), expires + 30
    )
    cancelled = ~o_paid & (cancel_at < end)
    cancel_reason = np.where(
        cancelled, np.where(customer_cancel, 1 + rng.integers(0, len(CANCEL_REASONS), n_orders), 0), -1
    )
    delivery = ~o_pickup
    ship_delay = (2 * HOUR + rng.gamma(2.0, 8 * HOUR, n_orders)).astype(np.int64)
    transit = (rng.gamma(3.0, 0.7 * DAY, n_orders) + 12 * HOUR).astype(np.int64)
    pickup_delay = (HOUR + rng.lognormal(9.5, 1.0, n_orders)).astype(np.int64)
    shipped_at = np.where(delivery, paid_at + ship_delay, NULL)
    arrival = np.where(delivery, shipped_at + transit, paid_at + pickup_delay)
    confirms = rng.random(n_orders) < p.customer_confirms_receipt
    auto = shipped_at + mer.auto_confirm_receipt_days * DAY
    delivered_at = np.where(
        delivery,
        np.where(confirms, np.minimum(arrival + rng.integers(600, 2 * DAY, n_orders), auto), auto),
        arrival,
    )
    window = mer.after_sale_window_days * DAY
    completed_at = delivered_at + window + rng.integers(0, 600, n_orders)
    shipped_at, arrival, delivered_at, completed_at = (
        np.where(paid, x, NULL) for x in (shipped_at, arrival, delivered_at, completed_at)
    )

    fate_roll = rng.random(n_orders)
    bounds = np.cumsum(
        [p.refund_before_ship_rate, p.partial_refund_rate, p.return_rate, p.rejected_after_sale_rate]
    )
    fate = np.where(paid, np.searchsorted(bounds, fate_roll, side="right") + 1, 0)
    fate[fate > 4] = 0  # 1 refund before dispatch, 2 partial refund, 3 return, 4 rejected request
    gap = np.where(delivery, ship_delay, pickup_delay)
    a, b = rng.uniform(0.05, 0.6, n_orders), rng.uniform(0.1, 0.9, n_orders)
    req_at = np.select(
        [fate == 1, fate == 2, fate == 3, fate == 4],
        [
            paid_at + (a * gap).astype(np.int64),
            arrival + rng.integers(HOUR, 3 * DAY, n_orders),
            arrival + rng.integers(DAY // 2, 6 * DAY, n_orders),
            arrival + rng.integers(DAY // 5, 5 * DAY, n_orders),
        ],
        NULL,
    )
    approved_at = np.select(
        [fate == 1, fate >= 2],
        [req_at + ((1 - a) * b * gap).astype(np.int64), req_at + rng.integers(HOUR, DAY, n_orders)],
        NULL,
    )
    approved_at = np.where(fate == 4, NULL, approved_at)
    rejected_at = np.where(fate == 4, req_at + rng.integers(2 * HOUR, 30 * HOUR, n_orders), NULL)
    returned_at = np.where(fate == 3, approved_at + rng.integers(2 * DAY, 5 * DAY, n_orders), NULL)
    refunded_at = np.select(
        [fate == 1, fate == 2, fate == 3],
        [
            approved_at,
            approved_at + rng.integers(60, 600, n_orders),
            returned_at + rng.integers(2 * HOUR, 36 * HOUR, n_orders),
        ],
        NULL,
    )
    settled = np.where(fate == 4, rejected_at, refunded_at)
    fate[(fate > 0) & (settled >= end)] = 0  # not finished by the end of the run: leave it out

    # Partial refunds: some units of one line. Everything else refunded is the whole order.
    l_ref_qty = np.zeros(l_order.size, dtype=np.int64)
    partial_line = np.zeros(n_orders, dtype=np.int64) - 1
    part = np.flatnonzero(fate == 2)
    partial_line[part] = starts[part] + rng.integers(0, n_lines[part])
    whole = np.isin(fate, (1, 3))[l_order]
    l_ref_qty[whole] = qty[whole]
    pl = partial_line[part]
    l_ref_qty[pl] = 1 + (rng.random(pl.size) * qty[pl] * 0.5).astype(np.int64)
    l_ref_qty = np.minimum(l_ref_qty, qty)
    l_ref_amt = np.where(l_ref_qty == qty, l_paid, l_paid * l_ref_qty // qty)
    # Refunded before dispatch, the shipping fee goes back too (as the after-sale service does).
    shipping_back = np.where(fate == 1, shipping, 0)
    refunded = np.bincount(l_order, weights=l_ref_amt, minlength=n_orders).astype(np.int64) + shipping_back
    everything = np.bincount(l_order, weights=(l_ref_qty == qty), minlength=n_orders) == n_lines
    closed = np.isin(fate, (1, 2, 3)) & everything
    closed_at = np.where(closed, refunded_at, NULL)
    # An open after-sale holds the order back from completing; a refund-only before dispatch ends it.
    completed_at = np.where(np.isin(fate, (2, 4)), np.maximum(completed_at, settled + 60), completed_at)
    before_ship = fate == 1
    shipped_at = np.where(before_ship, NULL, shipped_at)
    delivered_at = np.where(before_ship | (closed & (delivered_at >= closed_at)), NULL, delivered_at)
    completed_at = np.where(closed, NULL, completed_at)

    def happened(x: np.ndarray) -> np.ndarray:
        return np.where((x >= 0) & (x < end), x, NULL)

    shipped_at, delivered_at, completed_at = (
        happened(shipped_at),
        happened(delivered_at),
        happened(completed_at),
    )
    status = np.full(n_orders, STATUS.index("pending_payment"))
    status[paid] = STATUS.index("paid")
    status[shipped_at >= 0] = STATUS.index("shipped")
    status[delivered_at >= 0] = STATUS.index("delivered")
    status[completed_at >= 0] = STATUS.index("completed")
    status[closed] = STATUS.index("closed")
    status[cancelled] = STATUS.index("cancelled")
    refunded = np.where(fate == 4, 0, refunded)
    l_ref_qty = np.where((fate == 4)[l_order], 0, l_ref_qty)
    l_ref_amt = np.where((fate == 4)[l_order], 0, l_ref_amt)
    paid_amount = np.where(paid, payable, 0)

    # --- customers' strings, identities, consent, addresses ----------------------------------------------
    n_paid = np.bincount(o_cust[paid], minlength=n)
    first_paid = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first_paid, o_cust[paid], o_time[paid])
    is_referral = src == S_INDEX[m.REFERRAL]
    referrer, share_t, pool = _referrers(world, rng, pool, reg_t, is_referral, cust_ids, first_paid, n_paid)
    src = np.where(is_referral & (referrer < 0), S_INDEX[m.MOMENTS], src)

    tables: list[Table] = []
    customers, phones, person = customer_table(world, rng, cust_ids, reg_t, src, region, chrono, referrer)
    tables.append(customers)
    follows = (src == S_INDEX[m.ARTICLE]) | (rng.random(n) < p.follows_account_share)
    tables.append(identity_table(world, rng, ids, cust_ids, reg_t, follows, phones))
    tables.append(consent_table(world, rng, ids, cust_ids, reg_t, src, follows, phones))
    has_address = (n_paid > 0) | buyer | (rng.random(n) < 0.4)
    addresses, address_json = address_table(
        world, rng, ids, cust_ids, reg_t, region, phones, person, has_address
    )
    tables.append(addresses)

    # --- orders and everything hanging off them ----------------------------------------------------------
    scrambled = decimal_chars(scramble(order_ids, 10**10, 1_000_003, 7_777), 10)
    day_short = np.array(world.calendar.day_short, dtype=object)[o_day]
    numbers = [f"S{d}{s}" for d, s in zip(day_short.tolist(), strings_of(scrambled), strict=True)]
    codes = strings_of(decimal_chars(scramble(order_ids, 10**8, 48_271, 12_345), 8))
    open_pickup = o_pickup & (status == STATUS.index("paid"))
    if taken_pickup_codes:
        for i in np.flatnonzero(open_pickup).tolist():
            while codes[i] in taken_pickup_codes:
                codes[i] = f"{(int(codes[i]) + 1) % 10**8:08d}"
    pickup_code = [
        c if pk and pd else "" for c, pk, pd in zip(codes, o_pickup.tolist(), paid.tolist(), strict=True)
    ]
    carrier = np.where(shipped_at >= 0, rng.integers(0, len(CARRIERS), n_orders), -1)
    tracking = [
        "" if c < 0 else f"{CARRIERS[c][1]}{t}"
        for c, t in zip(
            carrier.tolist(),
            strings_of(decimal_chars(scramble(order_ids, 10**12, 7_919, 31), 12)),
            strict=True,
        )
    ]
    pricing = _pricing(d_kind, discount, shipping, mer.free_shipping_threshold, o_pickup)
    outlet_ids = np.array(world.geography.outlets.ids or [0], dtype=np.int64)
    ship_to = Cat(np.where(o_pickup, n, o_cust), [*address_json, None])  # a snapshot per customer
    tables.append(
        Table(
            "orders.Order",
            n_orders,
            {
                "id": order_ids,
                "merchant_id": mer.id,
                "number": numbers,
                "customer_id": cust_ids[o_cust],
                "status": Cat(status, STATUS),
                "fulfilment": Cat(o_pickup.astype(np.int64), ["delivery", "pickup"]),
                "pickup_outlet_id": np.where(o_pickup, outlet_ids[np.maximum(home[o_cust], 0)], NULL),
                "pickup_code": pickup_code,
                "shipping_address": ship_to,
                "goods_amount": goods,
                "discount_amount": discount,
                "shipping_fee": shipping,
                "payable_amount": payable,
                "paid_amount": paid_amount,
                "refunded_amount": refunded,
                "pricing": pricing,
                "note": "",
                "source": Cat(o_src, ALL_SOURCES),
                "idempotency_key": None,
                "request_fingerprint": "",
                "carrier": Cat(carrier + 1, ["", *(c[0] for c in CARRIERS)]),
                "tracking_number": tracking,
                "cancel_reason": Cat(cancel_reason + 1, ["", "payment_timeout", *CANCEL_REASONS]),
                "created_at": o_time,
                "expires_at": expires,
                "paid_at": paid_at,
                "shipped_at": shipped_at,
                "delivered_at": delivered_at,
                "completed_at": completed_at,
                "cancelled_at": np.where(cancelled, cancel_at, NULL),
                "closed_at": np.where(closed, closed_at, NULL),
            },
        )
    )
    line_ids = ids.line + np.arange(l_order.size, dtype=np.int64)
    cat_ = world.catalogue.listed
    tables.append(
        Table(
            "orders.OrderLine",
            l_order.size,
            {
                "id": line_ids,
                "merchant_id": mer.id,
                "order_id": order_ids[l_order],
                "sku_id": np.array(cat_.sku_ids, dtype=np.int64)[l_sku],
                "product_id_snapshot": np.array(cat_.product_ids, dtype=np.int64)[l_product],
                "product_name": Cat(l_product, cat_.product_names),
                "sku_code": Cat(l_sku, cat_.sku_codes),
                "specs": Cat(l_sku, world.catalogue.sku_specs_json),
                "image": Cat(l_product, cat_.product_images),
                "unit_price": price,
                "quantity": qty,
                "goods_amount": l_goods,
                "discount_amount": l_disc,
                "paid_amount": l_paid,
                "refunded_quantity": l_ref_qty,
                "refunded_amount": l_ref_amt,
            },
        )
    )
    pay_rows = np.flatnonzero(paid)
    payment_ids = np.full(n_orders, NULL, dtype=np.int64)
    payment_ids[pay_rows] = ids.payment + np.arange(pay_rows.size)
    tables.append(
        Table(
            "orders.Payment",
            pay_rows.size,
            {
                "id": payment_ids[pay_rows],
                "merchant_id": mer.id,
                "order_id": order_ids[pay_rows],
                "number": [f"SP{numbers[i][1:]}" for i in pay_rows.tolist()],
                "gateway": "sandbox",
                "amount": payable[pay_rows],
                "status": "succeeded",
                "idempotency_key": None,
                "gateway_transaction_id": [f"sim{i}" for i in order_ids[pay_rows].tolist()],
                "created_at": np.maximum(
                    paid_at[pay_rows] - rng.integers(5, 60, pay_rows.size), o_time[pay_rows]
                ),
                "succeeded_at": paid_at[pay_rows],
            },
        )
    )
    tables.extend(
        after_sale_tables(
            world,
            rng,
            ids,
            fate=fate,
            order_ids=order_ids,
            customer_ids=cust_ids[o_cust],
            payment_ids=payment_ids,
            line_ids=line_ids,
            l_order=l_order,
            qty=qty,
            l_paid=l_paid,
            l_ref_qty=l_ref_qty,
            l_ref_amt=l_ref_amt,
            partial_line=partial_line,
            req_at=req_at,
            approved_at=approved_at,
            rejected_at=rejected_at,
            returned_at=returned_at,
            refunded_at=refunded_at,
            shipping_back=shipping_back,
        )
    )

    # --- behaviour events ---------------------------------------------------------------------------------
    ev = Events()
    semi = (n_paid == 0) & ~buyer & (rng.random(n) < p.semi_private_share)
    registration_events(world, rng, ev, reg_t, src, referrer, affinity, buyer | semi, follows)
    order_events(
        world,
        rng,
        ev,
        o_cust=o_cust,
        o_time=o_time,
        o_src=o_src,
        o_same=o_same,
        o_first=o_first,
        reg_t=reg_t,
        order_ids=order_ids,
        payable=payable,
        paid_at=paid_at,
        fate=fate,
        refunded=refunded,
        refunded_at=refunded_at,
        l_order=l_order,
        l_product=l_product,
        l_sku=l_sku,
        qty=qty,
        affinity=affinity,
    )
    last_order = np.full(n, NULL, dtype=np.int64)
    np.maximum.at(last_order, o_cust, o_time)
    browse_events(world, rng, ev, reg_t, src, n_paid, last_order, semi, affinity, chrono)
    anon_ids = anonymous_events(world, rng, ev, first, n)
    shared = np.flatnonzero(referrer >= 0)
    invite = np.full(shared.size, '{"page": "invite"}', dtype=object)
    ev.add("share", share_t[shared], invite, customer_id=referrer[shared])
    tables.append(event_table(world, rng, ids, ev, cust_ids, anon_ids))
    stats = {
        "customers": n,
        "buyers": int((n_paid > 0).sum()),
        "orders": n_orders,
        "lines": int(l_order.size),
        "events": tables[-1].size,
    }
    return Chunk(tables=tables, pool=pool, stats=stats)


STATUS = ["pending_payment", "paid", "shipped", "delivered", "completed", "cancelled", "closed"]


def _pricing(
    kind: np.ndarray, discount: np.ndarray, shipping: np.ndarray, threshold: int, pickup: np.ndarray
) -> Cat:
    """The pricing explanation checkout stores, in the same shape (``adjustments``).

    Orders share far fewer explanations than there are orders: each distinct one is formatted once.
    """
    key = np.stack([kind, discount, shipping, (shipping == 0) & pickup], axis=1).astype(np.int64)
    distinct, codes = np.unique(key, axis=0, return_inverse=True)
    labels = {
        1: ("promotion", "大促优惠", "Festival discount"),
        2: ("member_day", "会员日折扣", "Member-day discount"),
        3: ("coupon", "优惠券", "Coupon"),
        4: ("new_customer_coupon", "新人券", "New-customer coupon"),
    }
    yuan = threshold // 100
    free = (
        f'{{"kind": "free_shipping", "amount": 0, "label_zh": "满{yuan}元包邮", '
        f'"label_en": "Free shipping over ¥{yuan}"}}'
    )
    out = []
    for k, d, s, pk in distinct.tolist():
        parts = []
        if k:
            name, zh, en = labels[k]
            parts.append(f'{{"kind": "{name}", "amount": {d}, "label_zh": "{zh}", "label_en": "{en}"}}')
        if s:
            parts.append(f'{{"kind": "shipping", "amount": {s}, "label_zh": "运费", "label_en": "Shipping"}}')
        elif not pk and threshold:
            parts.append(free)
        out.append('{"adjustments": [' + ", ".join(parts) + "]}")
    return Cat(codes.reshape(-1), out)


def _referrers(
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
