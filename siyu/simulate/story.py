"""What happens to one chunk's customers and their orders, as arrays: the stages before any row.

Pure numpy, no Django. ``generator.generate_chunk`` runs the stages in the order of this module,
each taking the chunk's one random generator and the arrays of the stages before it:

1. ``sign_up``: who registers, when, through which source, where they live;
2. ``shop``: each customer's BG/NBD story (will they buy, how often, how long, how much, what);
3. ``purchase``: the purchases that story makes, one round of the customers still alive at a time;
4. ``place_orders``: the purchases plus the unpaid attempts, in time order, with channel and fulfilment;
5. ``fill_lines``: the lines of each order (categories, products, SKUs, quantities);
6. ``price``: festival, member-day and coupon discounts, shipping by the merchant's rule;
7. ``follow_orders``: payment or cancellation, dispatch, delivery, completion;
8. ``settle_after_sales``: refunds, returns and rejected requests;
9. ``conclude``: each order's times and status as of the end of the run, after-sales included.

The stages draw from the generator one after another, so the order of the stages, and of the draws
inside each, is part of the output: same seed, same rows (``tests/test_same_seed.py`` pins them).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from siyu.simulate import model as m
from siyu.simulate.vocabulary import CANCEL_REASONS
from siyu.simulate.world import (
    DAY,
    HOUR,
    NULL,
    REPEAT_SOURCES,
    S_INDEX,
    World,
    choose_per_row,
    draw_from,
    pick_products,
    pick_skus,
)

STATUS = ["pending_payment", "paid", "shipped", "delivered", "completed", "cancelled", "closed"]


@dataclass(frozen=True)
class SignUps:
    """The chunk's customers as they register, in order of registration."""

    cust_ids: np.ndarray
    reg_t: np.ndarray  # when they register (first log in to the mini-program)
    src: np.ndarray  # sign-up source, index into ALL_SOURCES
    chrono: np.ndarray  # chronotype, index into m.CHRONOTYPE_HOURS
    region: np.ndarray  # index into m.REGIONS
    home: np.ndarray  # the pickup outlet (index) they are near, NULL = none

    @property
    def n(self) -> int:
        return len(self.reg_t)


def sign_up(world: World, rng: np.random.Generator, *, first: int, count: int, customer_base: int) -> SignUps:
    """Customers ``first`` .. ``first + count - 1`` of the run: sign-up time and source, then home."""
    n = count
    acq, cal = world.acquisition, world.calendar
    u = (first + np.arange(n) + rng.random(n)) / world.customers
    hour = np.clip(np.searchsorted(acq.signup_cum, u, side="right") - 1, 0, cal.hours - 1)
    width = np.maximum(acq.signup_cum[hour + 1] - acq.signup_cum[hour], 1e-18)
    frac = np.clip((u - acq.signup_cum[hour]) / width, 0, 0.9999)
    reg_t = cal.t0 + ((hour + frac) * HOUR).astype(np.int64)
    src = choose_per_row(
        rng, np.diff(np.concatenate([np.zeros((n, 1)), acq.source_cum[hour]], axis=1), axis=1)
    )
    chrono = draw_from(rng, cal.chrono_probs, n)
    cust_ids = customer_base + np.arange(n, dtype=np.int64)
    region, home = _homes(world, rng, src)
    return SignUps(cust_ids=cust_ids, reg_t=reg_t, src=src, chrono=chrono, region=region, home=home)


def _homes(world: World, rng: np.random.Generator, src: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Region of each customer and the outlet they would pick up from (outlet sign-ups at theirs)."""
    geo = world.geography
    n = len(src)
    region = draw_from(rng, geo.region_probs, n)
    home = np.full(n, NULL, dtype=np.int64)
    pickup_outlets = [i for i, ok in enumerate(geo.outlets.supports_pickup) if ok]
    at_outlet = np.flatnonzero(src == S_INDEX[m.OUTLET])
    if pickup_outlets and at_outlet.size:
        home[at_outlet] = np.array(pickup_outlets)[rng.integers(0, len(pickup_outlets), at_outlet.size)]
        region[at_outlet] = geo.outlet_region[home[at_outlet]]
    near_roll = rng.random(n)
    for r, local in enumerate(geo.region_outlet):
        sel = np.flatnonzero((region == r) & (home < 0) & (near_roll < world.params.near_outlet_share))
        if local and sel.size:
            home[sel] = np.array(local)[rng.integers(0, len(local), sel.size)]
    return region, home


@dataclass(frozen=True)
class Shoppers:
    """Each customer's BG/NBD parameters and first order."""

    lam: np.ndarray  # purchase rate per average day, while alive
    dropout: np.ndarray  # chance to leave for good after each purchase
    spend: np.ndarray  # mean order value, fen
    affinity: np.ndarray  # (customers, categories), rows sum to 1
    same: np.ndarray  # first order in the sign-up session
    first_t: np.ndarray  # when the first order would come
    buyer: np.ndarray  # buys at least once inside the run


def shop(world: World, rng: np.random.Generator, signups: SignUps) -> Shoppers:
    """Will they ever buy, how often, how long they stay, how much they spend, what they like."""
    p, cal, acq = world.params, world.calendar, world.acquisition
    n, src, reg_t, chrono = signups.n, signups.src, signups.reg_t, signups.chrono
    cat_n = len(world.catalogue.category_cycle_days)
    buys = rng.random(n) < acq.buy_probability[src]
    lam = rng.gamma(p.rate_shape, p.rate_mean_per_day / p.rate_shape, n) * acq.rate_multiplier[src]
    lam = np.minimum(lam, 0.25)  # nobody orders more than every four days on average
    mean_p = acq.dropout_mean[src]
    dropout = rng.beta(mean_p * p.dropout_concentration, (1 - mean_p) * p.dropout_concentration)
    spend = rng.gamma(
        p.spend_shape_customer,
        world.catalogue.basket_value * acq.spend_multiplier[src] / p.spend_shape_customer,
    )
    alpha = np.maximum(p.affinity_concentration * world.catalogue.category_share * cat_n, 0.05)
    affinity = rng.gamma(np.broadcast_to(alpha, (n, cat_n)))
    affinity /= affinity.sum(axis=1, keepdims=True)
    same = rng.random(n) < acq.same_session[src]
    later = cal.from_op(cal.to_op(reg_t, chrono) + rng.exponential(p.first_order_delay_days, n), chrono)
    first_t = np.where(same, reg_t + rng.integers(120, 1800, n), later)
    buyer = buys & (first_t < cal.end)
    return Shoppers(
        lam=lam, dropout=dropout, spend=spend, affinity=affinity, same=same, first_t=first_t, buyer=buyer
    )


@dataclass(frozen=True)
class Purchases:
    """Paid purchases, grouped by round (every buyer's first, then every survivor's second, ...)."""

    cust: np.ndarray  # index into the chunk's customers
    time: np.ndarray
    cat: np.ndarray  # category of the first line
    seq: np.ndarray  # 0 = the customer's first purchase
    more: np.ndarray  # (purchases, 3) categories for further lines


def purchase(world: World, rng: np.random.Generator, signups: SignUps, shoppers: Shoppers) -> Purchases:
    """Poisson purchases in operational time while alive; each picks the category most due."""
    cal, cat_ = world.calendar, world.catalogue
    chrono, affinity = signups.chrono, shoppers.affinity
    pc, pt, pj, pcat, pmore = [], [], [], [], []
    last = np.full((signups.n, len(cat_.category_cycle_days)), -(10**12), dtype=np.int64)
    act = np.flatnonzero(shoppers.buyer)
    t = shoppers.first_t[act]
    v = cal.to_op(t, chrono[act])
    j = 0
    while act.size:
        month = cal.day_month[cal.day_of(t)]
        since = (t[:, None] - last[act]) / DAY
        due = np.where(last[act] < -(10**11), 0.5, 1 - np.exp(-((since / cat_.category_cycle_days) ** 2)))
        weights = affinity[act] * (0.02 + due) * cat_.category_season[:, month].T
        cat = choose_per_row(rng, weights)
        last[act, cat] = t
        pc.append(act)
        pt.append(t)
        pcat.append(cat)
        # Categories for the order's other lines, should it have any: as due as the first one.
        pmore.append(np.stack([choose_per_row(rng, weights) for _ in range(3)], axis=1))
        pj.append(np.full(act.size, j))
        alive = rng.random(act.size) >= shoppers.dropout[act]
        act, v = act[alive], v[alive]
        v = v + rng.exponential(1.0, act.size) / shoppers.lam[act]
        inside = v < cal.op_end(chrono[act])
        act, v = act[inside], v[inside]
        t = cal.from_op(v, chrono[act])
        j += 1
    return Purchases(
        cust=np.concatenate(pc) if pc else np.zeros(0, dtype=np.int64),
        time=np.concatenate(pt) if pt else np.zeros(0, dtype=np.int64),
        cat=np.concatenate(pcat) if pcat else np.zeros(0, dtype=np.int64),
        seq=np.concatenate(pj) if pj else np.zeros(0, dtype=np.int64),
        more=np.concatenate(pmore) if pmore else np.zeros((0, 3), dtype=np.int64),
    )


@dataclass(frozen=True)
class Orders:
    """Every order of the chunk (paid purchases and unpaid attempts), in time order."""

    ids: np.ndarray
    cust: np.ndarray  # index into the chunk's customers
    time: np.ndarray  # created at
    cat: np.ndarray
    more: np.ndarray
    first: np.ndarray  # the customer's first purchase (or an attempt at it)
    pays: np.ndarray  # False for an attempt whose payment is abandoned
    same: np.ndarray  # the first order, in the sign-up session
    day: np.ndarray
    month: np.ndarray
    src: np.ndarray  # the channel the order came through, index into ALL_SOURCES
    pickup: np.ndarray  # picked up at the customer's home outlet rather than delivered

    @property
    def n(self) -> int:
        return len(self.time)


def place_orders(
    world: World,
    rng: np.random.Generator,
    signups: SignUps,
    shoppers: Shoppers,
    purchases: Purchases,
    *,
    order_base: int,
) -> Orders:
    """Add the unpaid attempts, sort by time, and give each order its channel and fulfilment."""
    p, cal = world.params, world.calendar
    src, home = signups.src, signups.home
    p_cust, p_time, p_cat, p_seq, p_more = (
        purchases.cust,
        purchases.time,
        purchases.cat,
        purchases.seq,
        purchases.more,
    )
    # Unpaid attempts: a customer starts an order and abandons the payment; most try again.
    extra = rng.random(p_cust.size) < p.cancel_rate / (1 - p.cancel_rate)
    c_time = np.maximum(
        p_time[extra] - rng.integers(180, 2400, extra.sum()), signups.reg_t[p_cust[extra]] + 30
    )
    o_cust = np.concatenate([p_cust, p_cust[extra]])
    o_time = np.concatenate([p_time, c_time])
    o_cat = np.concatenate([p_cat, p_cat[extra]])
    o_more = np.concatenate([p_more, p_more[extra]])
    o_first = np.concatenate([p_seq == 0, p_seq[extra] == 0])
    o_paid = np.concatenate([np.ones(p_cust.size, bool), np.zeros(extra.sum(), bool)])
    o_same = np.concatenate([(p_seq == 0) & shoppers.same[p_cust], np.zeros(extra.sum(), bool)])
    order = np.lexsort((o_cust, o_time))
    o_cust, o_time, o_cat, o_more, o_first, o_paid, o_same = (
        a[order] for a in (o_cust, o_time, o_cat, o_more, o_first, o_paid, o_same)
    )
    n_orders = o_cust.size
    o_day = cal.day_of(o_time)

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
    return Orders(
        ids=order_base + np.arange(n_orders, dtype=np.int64),
        cust=o_cust,
        time=o_time,
        cat=o_cat,
        more=o_more,
        first=o_first,
        pays=o_paid,
        same=o_same,
        day=o_day,
        month=cal.day_month[o_day],
        src=o_src,
        pickup=o_pickup,
    )


@dataclass(frozen=True)
class Lines:
    """Order lines, grouped by order; ``starts`` and ``count`` locate each order's lines."""

    order: np.ndarray  # index into the orders
    product: np.ndarray
    sku: np.ndarray
    price: np.ndarray  # unit price, fen
    qty: np.ndarray
    goods: np.ndarray  # price x quantity
    count: np.ndarray  # lines per order
    starts: np.ndarray  # first line of each order
    order_goods: np.ndarray  # goods amount per order


def fill_lines(world: World, rng: np.random.Generator, shoppers: Shoppers, orders: Orders) -> Lines:
    """A target value per order, 1-4 lines of due categories, products by situation, sizes, quantities."""
    p, cat_ = world.params, world.catalogue
    n_orders = orders.n
    target = rng.gamma(p.spend_shape_order, shoppers.spend[orders.cust] / p.spend_shape_order)
    more = rng.binomial(3, np.clip((target / cat_.median_price - 1) / 5, 0, 0.6))
    l_order = np.repeat(np.arange(n_orders), 1 + more)
    starts = np.concatenate([[0], np.cumsum(1 + more)[:-1]])
    l_pos = np.arange(l_order.size) - starts[l_order]
    l_cat = np.where(l_pos == 0, orders.cat[l_order], orders.more[l_order, np.clip(l_pos - 1, 0, 2)])
    situation = np.where(orders.first[l_order], 0, 1)
    l_product = pick_products(world, rng, l_cat, orders.month[l_order], situation)
    l_sku = pick_skus(world, rng, l_product)
    # A cart holds a SKU once: drop repeated picks within an order.
    key = l_order * len(cat_.sku_price) + l_sku
    _, keep = np.unique(key, return_index=True)
    keep = np.sort(keep)
    l_order, l_sku, l_product = l_order[keep], l_sku[keep], l_product[keep]
    n_lines = np.bincount(l_order, minlength=n_orders)
    starts = np.concatenate([[0], np.cumsum(n_lines)[:-1]])
    price = cat_.sku_price[l_sku]
    qty = np.clip(
        np.rint(target[l_order] / n_lines[l_order] / price * rng.uniform(0.7, 1.3, price.size)), 1, 6
    )
    qty = qty.astype(np.int64)
    l_goods = price * qty
    goods = np.add.reduceat(l_goods, starts) if n_orders else np.zeros(0, dtype=np.int64)
    return Lines(
        order=l_order,
        product=l_product,
        sku=l_sku,
        price=price,
        qty=qty,
        goods=l_goods,
        count=n_lines,
        starts=starts,
        order_goods=goods,
    )


@dataclass(frozen=True)
class Prices:
    """What each order costs: its discount (and which kind), shipping and payable; each line's share."""

    kind: np.ndarray  # 0 none, 1 festival, 2 member day, 3 coupon, 4 new customer
    discount: np.ndarray
    shipping: np.ndarray
    payable: np.ndarray
    line_discount: np.ndarray
    line_paid: np.ndarray


def price(world: World, rng: np.random.Generator, orders: Orders, lines: Lines) -> Prices:
    """Festival, member-day and coupon discounts; shipping by the merchant's rule; lines' shares."""
    p, cal, mer = world.params, world.calendar, world.merchant
    n_orders, goods, l_goods, l_order, starts = (
        orders.n,
        lines.order_goods,
        lines.goods,
        lines.order,
        lines.starts,
    )
    share = cal.day_discount[orders.day]
    festival = cal.day_festival[orders.day]
    roll = rng.random(n_orders)
    discount = np.zeros(n_orders, dtype=np.int64)
    d_kind = np.zeros(n_orders, dtype=np.int64)
    fest = (festival >= 0) & (roll < 0.85)
    discount[fest] = (goods[fest] * share[fest]).astype(np.int64) // 100 * 100
    d_kind[fest] = 1
    member = (festival == -2) & (roll < 0.7)
    discount[member] = (goods[member] * share[member]).astype(np.int64)
    d_kind[member] = 2
    coupon = p.first_order_coupon_fen
    newbie = (d_kind == 0) & orders.first & (rng.random(n_orders) < 0.6) & (goods >= 2 * coupon)
    discount[newbie] = coupon
    d_kind[newbie] = 4
    amount = np.array([300, 500, 1000, 2000])[rng.integers(0, 4, n_orders)]
    plain = (d_kind == 0) & (rng.random(n_orders) < p.coupon_rate) & (goods >= 3 * amount)
    discount[plain] = amount[plain]
    d_kind[plain] = 3
    discount = np.minimum(discount, goods - 1)
    d_kind[discount <= 0] = 0
    discount = np.maximum(discount, 0)
    free = goods >= mer.free_shipping_threshold  # 0 = always free, as Merchant documents
    shipping = np.where(orders.pickup | free | (mer.shipping_fee == 0), 0, mer.shipping_fee).astype(np.int64)
    payable = goods - discount + shipping
    # Each line's share of the discount, the largest line taking the rounding rest.
    l_disc = l_goods * discount[l_order] // np.maximum(goods[l_order], 1)
    rest = discount - np.add.reduceat(l_disc, starts) if n_orders else np.zeros(0, dtype=np.int64)
    biggest = np.maximum.reduceat(l_goods, starts) if n_orders else np.zeros(0, dtype=np.int64)
    big = np.flatnonzero(l_goods == biggest[l_order])
    big = big[np.unique(l_order[big], return_index=True)[1]]  # the first largest line of each order
    l_disc[big] += rest[l_order[big]]
    return Prices(
        kind=d_kind,
        discount=discount,
        shipping=shipping,
        payable=payable,
        line_discount=l_disc,
        line_paid=l_goods - l_disc,
    )


@dataclass(frozen=True)
class Timeline:
    """When each order was paid or cancelled, dispatched, delivered and completed (NULL = not)."""

    expires: np.ndarray
    paid_at: np.ndarray
    paid: np.ndarray
    cancelled: np.ndarray
    cancel_at: np.ndarray
    cancel_reason: np.ndarray  # -1 none, 0 payment timeout, 1 + index into CANCEL_REASONS
    delivery: np.ndarray  # delivered rather than picked up
    ship_delay: np.ndarray
    pickup_delay: np.ndarray
    shipped_at: np.ndarray
    arrival: np.ndarray  # parcel arrives, or the pickup is ready and collected
    delivered_at: np.ndarray
    completed_at: np.ndarray


def follow_orders(world: World, rng: np.random.Generator, orders: Orders) -> Timeline:
    """Payment or cancellation, then dispatch, delivery or pickup, and completion after the window."""
    p, mer, end = world.params, world.merchant, world.calendar.end
    n_orders, o_time = orders.n, orders.time
    timeout = mer.payment_timeout_minutes * 60
    expires = o_time + timeout
    pay_at = o_time + np.minimum(20 + rng.lognormal(4.3, 0.8, n_orders).astype(np.int64), timeout - 10)
    paid_at = np.where(orders.pays & (pay_at < end), pay_at, NULL)
    paid = paid_at >= 0
    customer_cancel = rng.random(n_orders) < p.customer_cancel_share
    cancel_at = np.where(
        customer_cancel, o_time + rng.integers(60, max(timeout - 60, 61), n_orders), expires + 30
    )
    cancelled = ~orders.pays & (cancel_at < end)
    cancel_reason = np.where(
        cancelled, np.where(customer_cancel, 1 + rng.integers(0, len(CANCEL_REASONS), n_orders), 0), -1
    )
    delivery = ~orders.pickup
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
    return Timeline(
        expires=expires,
        paid_at=paid_at,
        paid=paid,
        cancelled=cancelled,
        cancel_at=cancel_at,
        cancel_reason=cancel_reason,
        delivery=delivery,
        ship_delay=ship_delay,
        pickup_delay=pickup_delay,
        shipped_at=shipped_at,
        arrival=arrival,
        delivered_at=delivered_at,
        completed_at=completed_at,
    )


@dataclass(frozen=True)
class AfterSales:
    """Each order's after-sale, if any, and the refunds it made (per order and per line)."""

    fate: np.ndarray  # 0 none, 1 refund before dispatch, 2 partial refund, 3 return, 4 rejected request
    partial_line: np.ndarray  # the line of a partial refund, -1 = none
    req_at: np.ndarray
    approved_at: np.ndarray
    rejected_at: np.ndarray
    returned_at: np.ndarray
    refunded_at: np.ndarray
    shipping_back: np.ndarray  # the shipping fee refunded with a refund before dispatch
    refunded: np.ndarray  # per order
    line_refunded_qty: np.ndarray
    line_refunded: np.ndarray
    closed: np.ndarray  # everything refunded: the order is closed
    closed_at: np.ndarray
    settled: np.ndarray  # when the request was refunded or rejected


def settle_after_sales(
    world: World, rng: np.random.Generator, orders: Orders, lines: Lines, prices: Prices, timeline: Timeline
) -> AfterSales:
    """Which paid orders get a refund, a partial refund, a return or a rejected request, and when."""
    p, end = world.params, world.calendar.end
    n_orders, paid, paid_at, arrival = orders.n, timeline.paid, timeline.paid_at, timeline.arrival
    l_order, qty, l_paid = lines.order, lines.qty, prices.line_paid
    fate_roll = rng.random(n_orders)
    bounds = np.cumsum(
        [p.refund_before_ship_rate, p.partial_refund_rate, p.return_rate, p.rejected_after_sale_rate]
    )
    fate = np.where(paid, np.searchsorted(bounds, fate_roll, side="right") + 1, 0)
    fate[fate > 4] = 0
    gap = np.where(timeline.delivery, timeline.ship_delay, timeline.pickup_delay)
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
    partial_line[part] = lines.starts[part] + rng.integers(0, lines.count[part])
    whole = np.isin(fate, (1, 3))[l_order]
    l_ref_qty[whole] = qty[whole]
    pl = partial_line[part]
    l_ref_qty[pl] = 1 + (rng.random(pl.size) * qty[pl] * 0.5).astype(np.int64)
    l_ref_qty = np.minimum(l_ref_qty, qty)
    l_ref_amt = np.where(l_ref_qty == qty, l_paid, l_paid * l_ref_qty // qty)
    # Refunded before dispatch, the shipping fee goes back too (as the after-sale service does).
    shipping_back = np.where(fate == 1, prices.shipping, 0)
    refunded = np.bincount(l_order, weights=l_ref_amt, minlength=n_orders).astype(np.int64) + shipping_back
    everything = np.bincount(l_order, weights=(l_ref_qty == qty), minlength=n_orders) == lines.count
    closed = np.isin(fate, (1, 2, 3)) & everything
    # A rejected request refunds nothing.
    rejected = fate == 4
    return AfterSales(
        fate=fate,
        partial_line=partial_line,
        req_at=req_at,
        approved_at=approved_at,
        rejected_at=rejected_at,
        returned_at=returned_at,
        refunded_at=refunded_at,
        shipping_back=shipping_back,
        refunded=np.where(rejected, 0, refunded),
        line_refunded_qty=np.where(rejected[l_order], 0, l_ref_qty),
        line_refunded=np.where(rejected[l_order], 0, l_ref_amt),
        closed=closed,
        closed_at=np.where(closed, refunded_at, NULL),
        settled=settled,
    )


def conclude(world: World, timeline: Timeline, after: AfterSales) -> tuple[Timeline, np.ndarray]:
    """The orders as of the end of the run: times after-sales change, and each order's status."""
    end = world.calendar.end
    fate, closed = after.fate, after.closed
    # An open after-sale holds the order back from completing; a refund-only before dispatch ends it.
    completed_at = np.where(
        np.isin(fate, (2, 4)), np.maximum(timeline.completed_at, after.settled + 60), timeline.completed_at
    )
    before_ship = fate == 1
    shipped_at = np.where(before_ship, NULL, timeline.shipped_at)
    delivered_at = np.where(
        before_ship | (closed & (timeline.delivered_at >= after.closed_at)), NULL, timeline.delivered_at
    )
    completed_at = np.where(closed, NULL, completed_at)

    def happened(x: np.ndarray) -> np.ndarray:
        return np.where((x >= 0) & (x < end), x, NULL)

    final = replace(
        timeline,
        shipped_at=happened(shipped_at),
        delivered_at=happened(delivered_at),
        completed_at=happened(completed_at),
    )
    status = np.full(len(fate), STATUS.index("pending_payment"))
    status[final.paid] = STATUS.index("paid")
    status[final.shipped_at >= 0] = STATUS.index("shipped")
    status[final.delivered_at >= 0] = STATUS.index("delivered")
    status[final.completed_at >= 0] = STATUS.index("completed")
    status[closed] = STATUS.index("closed")
    status[final.cancelled] = STATUS.index("cancelled")
    return final, status
