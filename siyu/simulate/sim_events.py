"""Behaviour events of one chunk, consistent with its orders (see ``generator``)."""

from __future__ import annotations

import numpy as np

from siyu.simulate import model as m
from siyu.simulate.story import AfterSales, Lines, Orders, Prices, Shoppers, SignUps, Timeline
from siyu.simulate.world import (
    ALL_SOURCES,
    DAY,
    HOUR,
    NULL,
    PAGES,
    REPEAT_SOURCES,
    S_INDEX,
    SOURCE_PAGES,
    Cat,
    IdBases,
    Table,
    World,
    campaign_vocab,
    choose_per_row,
    device_of,
    draw_from,
    hex_chars,
    pick_products,
    pick_skus,
    prefixed,
)


class Events:
    """Accumulates events of a chunk as parallel arrays; ``table`` sorts them by time."""

    def __init__(self) -> None:
        self.parts: list[dict[str, np.ndarray]] = []

    def add(
        self,
        kind: str,
        t: np.ndarray,
        props: np.ndarray,
        *,
        cust: np.ndarray | None = None,
        anon: np.ndarray | None = None,
        customer_id: np.ndarray | None = None,
        src: np.ndarray | None = None,
        day: np.ndarray | None = None,
        content: bool = False,
        sharer: np.ndarray | None = None,
    ) -> None:
        n = len(t)
        if n == 0:
            return
        minus = np.full(n, NULL, dtype=np.int64)
        self.parts.append(
            {
                "kind": np.full(n, KINDS.index(kind), dtype=np.int8),
                "t": t.astype(np.int64),
                "props": props,
                "cust": minus if cust is None else cust,
                "anon": minus if anon is None else anon,
                "customer_id": minus if customer_id is None else customer_id,
                "src": minus if src is None else src,
                "day": minus if day is None else day,
                "content": np.full(n, content),
                "sharer": minus if sharer is None else sharer,
            }
        )

    def merged(self) -> dict[str, np.ndarray]:
        keys = self.parts[0].keys()
        out = {k: np.concatenate([p[k] for p in self.parts]) for k in keys}
        order = np.argsort(out["t"], kind="stable")
        return {k: v[order] for k, v in out.items()}


KINDS = [
    "visit",
    "page_view",
    "product_view",
    "search",
    "favourite",
    "add_to_cart",
    "follow",
    "share",
    "order_created",
    "order_paid",
    "refund",
]


def _browse_products(
    world: World, rng: np.random.Generator, cust: np.ndarray, t: np.ndarray, affinity: np.ndarray | None
) -> np.ndarray:
    """Products people look at: their favourite categories, in season, flagships more than cheap hooks."""
    month = world.calendar.day_month[world.calendar.day_of(t)]
    season = world.catalogue.category_season[:, month].T
    weights = season * (affinity[cust] if affinity is not None else world.catalogue.category_share[None, :])
    return pick_products(world, rng, choose_per_row(rng, weights), month, np.full(len(t), 2))


def _visit_props(src: np.ndarray) -> np.ndarray:
    pages = np.array([f'{{"page": "{SOURCE_PAGES[s]}"}}' for s in ALL_SOURCES], dtype=object)
    return pages[src]


def registration_events(
    world: World,
    rng: np.random.Generator,
    ev: Events,
    reg_t: np.ndarray,
    src: np.ndarray,
    referrer: np.ndarray,
    affinity: np.ndarray,
    engaged: np.ndarray,
    follows: np.ndarray,
) -> None:
    """The sign-up visit (with its source, campaign and sharer); engaged people look at products."""
    n = len(reg_t)
    cust = np.arange(n)
    day = world.calendar.day_of(reg_t)
    ev.add("visit", reg_t, _visit_props(src), cust=cust, src=src, day=day, content=True, sharer=referrer)
    who = np.flatnonzero(engaged)
    views = 1 + rng.poisson(0.5, who.size)
    vc = np.repeat(who, views)
    step = np.concatenate([np.arange(k) for k in views.tolist()]) if who.size else np.zeros(0, np.int64)
    vt = reg_t[vc] + 20 + step * 40 + rng.integers(0, 30, vc.size)
    products = _browse_products(world, rng, vc, vt, affinity)
    ev.add("product_view", vt, world.catalogue.view_props[products], cust=vc, src=src[vc], day=day[vc])
    # Article readers follow the account as they arrive; other followers at some later visit.
    reader = follows & (src == S_INDEX[m.ARTICLE])
    later = follows & ~reader
    ft = np.where(reader, reg_t + 10, reg_t + (rng.exponential(10 * DAY, n)).astype(np.int64))
    ft = np.where(later & (ft >= world.calendar.end), reg_t + 60, ft)
    f = np.flatnonzero(follows)
    props = np.full(f.size, '{"account": "official_account"}', dtype=object)
    ev.add("follow", ft[f], props, cust=f, src=np.where(reader[f], src[f], NULL), day=day[f])


def order_events(
    world: World,
    rng: np.random.Generator,
    ev: Events,
    signups: SignUps,
    shoppers: Shoppers,
    orders: Orders,
    lines: Lines,
    prices: Prices,
    timeline: Timeline,
    after: AfterSales,
) -> None:
    """The session around each order: visit, search, product views, cart, order created/paid, refund."""
    o_cust, o_time, o_src, o_same, o_first = orders.cust, orders.time, orders.src, orders.same, orders.first
    reg_t, order_ids, payable, paid_at = signups.reg_t, orders.ids, prices.payable, timeline.paid_at
    fate, refunded, refunded_at = after.fate, after.refunded, after.refunded_at
    l_order, l_product, l_sku, qty = lines.order, lines.product, lines.sku, lines.qty
    affinity = shoppers.affinity
    p = world.params
    k = o_time.size
    # "Buy again" from the order list or a reminder's link: straight to the product, no search,
    # no looking around, no cart. (Drawn only when used, so other parameter sets keep their rows.)
    again = ~o_first & (rng.random(k) < p.reorder_share) if p.reorder_share else np.zeros(k, bool)
    start = np.where(o_same, reg_t[o_cust] + 60, o_time - rng.integers(120, 900, k))
    start = np.minimum(start, o_time - 30)
    span = o_time - start
    day = world.calendar.day_of(o_time)
    new = ~o_same
    ev.add(
        "visit",
        start[new],
        _visit_props(o_src[new]),
        cust=o_cust[new],
        src=o_src[new],
        day=day[new],
        content=True,
    )
    searched = np.flatnonzero((rng.random(k) < 0.15) & ~again)
    first_line = (
        np.concatenate([[0], np.flatnonzero(l_order[1:] != l_order[:-1]) + 1]) if l_order.size else l_order
    )
    ev.add(
        "search",
        start[searched] + span[searched] // 10,
        world.catalogue.search_props[l_product[first_line[searched]]],
        cust=o_cust[searched],
        src=o_src[searched],
        day=day[searched],
    )
    n_lines = np.bincount(l_order, minlength=k)
    pos = np.arange(l_order.size) - first_line[l_order]
    lo = l_order
    vt = start[lo] + span[lo] * (2 + 5 * pos // np.maximum(n_lines[lo], 1)) // 10
    ev.add(
        "product_view", vt, world.catalogue.view_props[l_product], cust=o_cust[lo], src=o_src[lo], day=day[lo]
    )
    extra = np.flatnonzero((rng.random(k) < 0.35) & ~again)
    et = start[extra] + span[extra] * 7 // 10
    ev.add(
        "product_view",
        et,
        world.catalogue.view_props[_browse_products(world, rng, o_cust[extra], et, affinity)],
        cust=o_cust[extra],
        src=o_src[extra],
        day=day[extra],
    )
    via_cart = ((rng.random(k) < p.purchase_via_cart) & ~again)[lo]
    cl = np.flatnonzero(via_cart)
    ct = o_time[lo[cl]] - span[lo[cl]] // 10 + pos[cl]
    ev.add(
        "add_to_cart",
        ct,
        world.catalogue.cart_props[l_sku[cl], np.minimum(qty[cl], 6) - 1],
        cust=o_cust[lo[cl]],
        src=o_src[lo[cl]],
        day=day[lo[cl]],
    )
    ids = order_ids.tolist()
    ev.add(
        "order_created",
        o_time,
        np.array(
            [f'{{"order_id": {i}, "amount": {a}}}' for i, a in zip(ids, payable.tolist(), strict=True)],
            dtype=object,
        ),
        cust=o_cust,
        src=o_src,
        day=day,
    )
    paid = np.flatnonzero(paid_at >= 0)
    ev.add(
        "order_paid",
        paid_at[paid],
        np.array([f'{{"order_id": {ids[i]}, "amount": {payable[i]}}}' for i in paid.tolist()], dtype=object),
        cust=o_cust[paid],
        src=o_src[paid],
        day=day[paid],
    )
    back = np.flatnonzero(np.isin(fate, (1, 2, 3)))
    ev.add(
        "refund",
        refunded_at[back],
        np.array([f'{{"order_id": {ids[i]}, "amount": {refunded[i]}}}' for i in back.tolist()], dtype=object),
        cust=o_cust[back],
    )


def _sessions(
    world: World,
    rng: np.random.Generator,
    ev: Events,
    cust: np.ndarray,
    t: np.ndarray,
    src: np.ndarray,
    cart_rate: float,
    affinity: np.ndarray | None,
    anon: np.ndarray | None = None,
) -> None:
    """Sessions without an order: a visit, maybe a search, product views, maybe a cart left behind.

    ``anon`` given: the sessions are anonymous visitors' (only visits, views and searches).
    """
    k = t.size
    if k == 0:
        return
    day = world.calendar.day_of(t)

    def add(kind: str, when: np.ndarray, props: np.ndarray, sel: np.ndarray, content: bool = False) -> None:
        who = {"cust": cust[sel]} if anon is None else {"anon": anon[sel]}
        ev.add(kind, when, props, src=src[sel], day=day[sel], content=content, **who)

    add("visit", t, _visit_props(src), np.arange(k), content=True)
    views = 1 + rng.poisson(0.6, k)
    vs = np.repeat(np.arange(k), views)
    step = np.arange(vs.size) - np.repeat(np.cumsum(views) - views, views)
    vt = t[vs] + 40 + step * 45 + rng.integers(0, 40, vs.size)
    products = _browse_products(world, rng, cust[vs], vt, affinity)
    add("product_view", vt, world.catalogue.view_props[products], vs)
    last = np.cumsum(views) - 1  # each session's last product view

    def some(rate: float) -> np.ndarray:
        return np.flatnonzero(rng.random(k) < rate)

    s = some(0.3 if anon is None else 0.2)
    add("search", t[s] + 15, world.catalogue.search_props[products[last[s]]], s)
    if anon is not None:
        return
    s = some(0.25)
    pages = np.array([f'{{"page": "{x}"}}' for x in PAGES], dtype=object)
    add("page_view", t[s] + 20, pages[rng.integers(0, len(PAGES), s.size)], s)
    s = some(0.1)
    add("favourite", vt[last[s]] + 5, world.catalogue.view_props[products[last[s]]], s)
    s = some(cart_rate)
    add(
        "add_to_cart",
        vt[last[s]] + 20,
        world.catalogue.cart_props[pick_skus(world, rng, products[last[s]]), 0],
        s,
    )
    s = some(0.04)
    add("share", vt[last[s]] + 30, world.catalogue.view_props[products[last[s]]], s)


def _repeat_sources(rng: np.random.Generator, own: np.ndarray, mix: float) -> np.ndarray:
    names = list(REPEAT_SOURCES)
    probs = np.array([REPEAT_SOURCES[s] for s in names])
    mixed = np.array([S_INDEX[s] for s in names])[draw_from(rng, probs, len(own))]
    own = np.where(own == S_INDEX[m.REFERRAL], S_INDEX[m.SEARCH], own)
    return np.where(rng.random(len(own)) < mix, mixed, own)


def browse_events(
    world: World,
    rng: np.random.Generator,
    ev: Events,
    reg_t: np.ndarray,
    src: np.ndarray,
    n_orders: np.ndarray,
    last_order: np.ndarray,
    semi: np.ndarray,
    affinity: np.ndarray,
    chrono: np.ndarray,
) -> None:
    """Visits without an order: buyers between sign-up and a while after their last order;
    semi-private members in the weeks after signing up."""
    p = world.params
    buyers = n_orders > 0
    count = np.where(buyers, rng.poisson(p.browse_sessions_per_order * n_orders), 0)
    count = count + np.where(semi, 1 + rng.poisson(1.2, len(reg_t)), 0)
    cust = np.repeat(np.arange(len(reg_t)), count)
    horizon = np.where(buyers, last_order + 45 * DAY, reg_t + 60 * DAY)
    lo = world.calendar.to_op(reg_t[cust], chrono[cust])
    hi = world.calendar.to_op(np.minimum(horizon[cust], world.calendar.end - 1), chrono[cust])
    t = world.calendar.from_op(lo + rng.random(cust.size) * np.maximum(hi - lo, 0), chrono[cust])
    t = np.maximum(t, reg_t[cust] + 300)
    inside = t < world.calendar.end
    cust, t = cust[inside], t[inside]
    s = _repeat_sources(rng, src[cust], p.repeat_channel_mix)
    rate = np.where(semi[cust], p.browse_cart_rate * 0.6, p.browse_cart_rate)
    for r in np.unique(rate).tolist():
        sel = rate == r
        _sessions(world, rng, ev, cust[sel], t[sel], s[sel], r, affinity)


def anonymous_events(world: World, rng: np.random.Generator, ev: Events, first: int, n: int) -> list[str]:
    """Visitors who never log in: one or two short sessions each, spread like sign-ups."""
    expected = world.params.anonymous_per_customer * n
    k = int(expected) + int(rng.random() < expected - int(expected))
    if k == 0:
        return []
    u = (first + rng.random(k) * n) / world.customers
    hour = np.clip(
        np.searchsorted(world.acquisition.signup_cum, u, side="right") - 1, 0, world.calendar.hours - 1
    )
    t = world.calendar.t0 + hour * HOUR + rng.integers(0, HOUR, k)
    src = choose_per_row(
        rng,
        np.diff(np.concatenate([np.zeros((k, 1)), world.acquisition.source_cum[hour]], axis=1), axis=1),
    )
    src = np.where(src == S_INDEX[m.REFERRAL], S_INDEX[m.MOMENTS], src)
    again = np.flatnonzero(rng.random(k) < 0.3)
    t2 = t[again] + rng.integers(HOUR, 14 * DAY, again.size)
    who = np.concatenate([np.arange(k), again])
    when = np.concatenate([t, t2])
    keep = when < world.calendar.end
    who, when = who[keep], when[keep]
    _sessions(world, rng, ev, np.zeros(who.size, np.int64), when, src[who], 0.0, None, anon=who)
    return prefixed("anon-", hex_chars(rng.integers(0, 2**63, k, dtype=np.uint64), 16))


def event_table(
    world: World,
    rng: np.random.Generator,
    ids: IdBases,
    ev: Events,
    cust_ids: np.ndarray,
    anon_ids: list[str],
) -> Table:
    """The chunk's events as rows, in time order, with their ids, devices and campaigns."""
    e = ev.merged()
    k = e["t"].size
    # Event ids are UUIDv8 (RFC 9562's custom layout): the row id in the leading 64 bits, random after.
    # Unique by construction, never equal to a client's v4/v7 id, and in row order, so the
    # (merchant, event_id) index is built from presorted input.
    row = (ids.event + np.arange(k, dtype=np.int64)).astype(np.uint64)
    raw = rng.integers(0, 256, (k, 16), dtype=np.uint8)
    raw[:, :6] = (row >> np.uint64(16)).astype(">u8").view(np.uint8).reshape(k, 8)[:, 2:]
    raw[:, 6] = 0x80 | ((row >> np.uint64(12)) & np.uint64(0xF)).astype(np.uint8)
    raw[:, 7] = ((row >> np.uint64(4)) & np.uint64(0xFF)).astype(np.uint8)
    raw[:, 8] = 0x80 | (((row & np.uint64(0xF)) << np.uint64(2)).astype(np.uint8)) | (raw[:, 8] & 0x3)
    customer = np.where(e["cust"] >= 0, cust_ids[np.maximum(e["cust"], 0)], e["customer_id"])
    anonymous = customer < 0
    device = np.where(
        anonymous, device_of(e["anon"] + 10**9, world.params), device_of(customer, world.params)
    )
    campaign, content = campaign_vocab(world, e["src"], e["day"], e["content"])
    return Table(
        "events.Event",
        k,
        {
            "id": ids.event + np.arange(k, dtype=np.int64),
            "merchant_id": world.merchant.id,
            "event_id": raw,  # the UUIDs' 16 bytes a row
            "kind": Cat(e["kind"].astype(np.int64), KINDS),
            "customer_id": customer,
            "anonymous_id": Cat(np.where(anonymous, e["anon"] + 1, 0), ["", *anon_ids]),
            "occurred_at": e["t"],
            "properties": e["props"].tolist(),
            "source": Cat(e["src"] + 1, ["", *ALL_SOURCES]),
            "campaign": campaign,
            "content_id": content,
            "sharer_id": e["sharer"],
            "device": Cat(device, [d for d, _ in world.params.device_shares]),
        },
    )
