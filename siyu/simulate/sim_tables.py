"""Rows of one chunk for customers, identities, consent, addresses, orders, payments and after-sales.

See ``generator``; the arrays come from the stages of ``story``.
"""

from __future__ import annotations

import json

import numpy as np

from siyu.simulate import model as m
from siyu.simulate.story import STATUS, AfterSales, Lines, Orders, Prices, SignUps, Timeline
from siyu.simulate.vocabulary import (
    BEFORE_SHIP_REASONS,
    CANCEL_REASONS,
    CARRIERS,
    COMMUNITIES,
    GIVEN,
    NICK_HEADS,
    NICK_TAILS,
    PARTIAL_REASONS,
    PHONE_PREFIXES,
    REJECT_NOTES,
    RETURN_REASONS,
    STREETS,
    SURNAMES,
)
from siyu.simulate.world import (
    ALL_SOURCES,
    DAY,
    NULL,
    S_INDEX,
    Cat,
    IdBases,
    Table,
    World,
    campaign_names,
    decimal_chars,
    draw_from,
    opaque_ids,
    scramble,
    strings_of,
)


def _phone_numbers(ids: np.ndarray, rng: np.random.Generator) -> list[str]:
    """Mobile numbers unique per customer id (a bijection of the id onto the last eight digits)."""
    prefixes = np.array(PHONE_PREFIXES, dtype=object)[rng.integers(0, len(PHONE_PREFIXES), len(ids))]
    tails = strings_of(decimal_chars(scramble(ids, 10**8, 7_919_311, 4_242), 8))
    return [a + b for a, b in zip(prefixes.tolist(), tails, strict=True)]


def customer_table(
    world: World,
    rng: np.random.Generator,
    cust_ids: np.ndarray,
    reg_t: np.ndarray,
    src: np.ndarray,
    region: np.ndarray,
    chrono: np.ndarray,
    referrer: np.ndarray,
) -> tuple[Table, list[str | None], list[str]]:
    """The chunk's customers, with the phone numbers and names their other rows reuse."""
    p = world.params
    n = len(cust_ids)
    heads = np.array(NICK_HEADS, dtype=object)[rng.integers(0, len(NICK_HEADS), n)]
    tails = np.array(NICK_TAILS, dtype=object)[rng.integers(0, len(NICK_TAILS), n)]
    single = rng.random(n) < 0.25
    nicknames = [
        t if s else h + t for h, t, s in zip(heads.tolist(), tails.tolist(), single.tolist(), strict=True)
    ]
    person = [
        SURNAMES[a] + GIVEN[b]
        for a, b in zip(
            rng.integers(0, len(SURNAMES), n).tolist(), rng.integers(0, len(GIVEN), n).tolist(), strict=True
        )
    ]
    born = rng.random(n) < 0.6
    years = 2025 - rng.integers(18, 60, n)
    birthdays = [
        f"{y:04d}-{mo:02d}-{d:02d}" if b else None
        for b, y, mo, d in zip(
            born.tolist(),
            years.tolist(),
            rng.integers(1, 13, n).tolist(),
            rng.integers(1, 29, n).tolist(),
            strict=True,
        )
    ]
    shown = (rng.random(n) < 0.9) | (src == S_INDEX[m.OUTLET])
    districts = [m.REGIONS[r][2] for r in range(len(m.REGIONS))]
    district_pick = [
        districts[r][k % len(districts[r])]
        for r, k in zip(region.tolist(), rng.integers(0, 99, n).tolist(), strict=True)
    ]
    province = [m.REGIONS[r][0] if s else "" for r, s in zip(region.tolist(), shown.tolist(), strict=True)]
    city = [m.REGIONS[r][1] if s else "" for r, s in zip(region.tolist(), shown.tolist(), strict=True)]
    district = [d if s else "" for d, s in zip(district_pick, shown.tolist(), strict=True)]
    boost = np.where(np.isin(src, [S_INDEX[m.OUTLET], S_INDEX[m.REFERRAL]]), 1.4, 1.0)
    has_phone = rng.random(n) < np.minimum(p.phone_share * boost, 0.95)
    numbers = _phone_numbers(cust_ids, rng)
    phones = [x if h else None for x, h in zip(numbers, has_phone.tolist(), strict=True)]
    chronos = list(m.CHRONOTYPE_HOURS)
    quiet = rng.random(n) < p.quiet_hours_share
    pick = rng.integers(0, 2, n)
    starts: list[str | None] = []
    ends: list[str | None] = []
    for q, c, k in zip(quiet.tolist(), chrono.tolist(), pick.tolist(), strict=True):
        if q:
            a, b = m.QUIET_HOURS[chronos[c]][k]
            starts.append(a.isoformat())
            ends.append(b.isoformat())
        else:
            starts.append(None)
            ends.append(None)
    gender = draw_from(rng, np.array([0.55, 0.35, 0.10]), n)
    table = Table(
        "members.Customer",
        n,
        {
            "id": cust_ids,
            "merchant_id": world.merchant.id,
            "nickname": nicknames,
            "avatar_url": "",
            "gender": Cat(gender, ["female", "male", "unknown"]),
            "birthday": birthdays,
            "province": province,
            "city": city,
            "district": district,
            "phone": phones,
            "first_touch_source": Cat(src, ALL_SOURCES),
            "first_touch_campaign": campaign_names(world, src, reg_t),
            "referrer_id": referrer,
            "quiet_hours_start": starts,
            "quiet_hours_end": ends,
            "registered_at": reg_t,
            "is_blocked": False,
        },
    )
    return table, phones, person


def identity_table(
    world: World,
    rng: np.random.Generator,
    ids: IdBases,
    cust_ids: np.ndarray,
    reg_t: np.ndarray,
    follows: np.ndarray,
    phones: list[str | None],
) -> Table:
    """Each customer's identities: mini-program openid, some unionids, official-account openids, phones."""
    n = len(cust_ids)
    union = rng.random(n) < world.params.unionid_share
    has_phone = np.array([x is not None for x in phones], dtype=bool)
    salt = world.seed * 7 + 1
    parts: list[tuple[np.ndarray, int, list]] = [
        (np.arange(n), 0, opaque_ids(cust_ids, salt, rng, "osim")),
        (np.flatnonzero(union), 1, opaque_ids(cust_ids[union], salt + 1, rng, "usim")),
        (np.flatnonzero(follows), 2, opaque_ids(cust_ids[follows], salt + 2, rng, "oasm")),
        (np.flatnonzero(has_phone), 3, [phones[i] for i in np.flatnonzero(has_phone).tolist()]),
    ]
    who = np.concatenate([x[0] for x in parts])
    kind = np.concatenate([np.full(len(x[0]), x[1]) for x in parts])
    values: list = [v for x in parts for v in x[2]]
    order = np.lexsort((kind, who))
    return Table(
        "members.CustomerIdentity",
        who.size,
        {
            "id": ids.identity + np.arange(who.size, dtype=np.int64),
            "merchant_id": world.merchant.id,
            "customer_id": cust_ids[who[order]],
            "kind": Cat(kind[order], ["mp_openid", "unionid", "oa_openid", "phone"]),
            "value": [values[i] for i in order.tolist()],
            "created_at": reg_t[who[order]] + kind[order],
        },
    )


def consent_table(
    world: World,
    rng: np.random.Generator,
    ids: IdBases,
    cust_ids: np.ndarray,
    reg_t: np.ndarray,
    src: np.ndarray,
    follows: np.ndarray,
    phones: list[str | None],
) -> Table:
    """Each customer's answers to the consent channels they were asked about."""
    n = len(cust_ids)
    has_phone = np.array([x is not None for x in phones], dtype=bool)
    community = src == S_INDEX[m.COMMUNITY]
    who, channel, opted = [], [], []
    for c, (name, yes, no) in enumerate(m.CONSENT):
        asked = {"official_account": follows, "sms": has_phone}.get(name, np.ones(n, bool))
        yes_p = np.full(n, yes)
        if name in ("wecom", "wecom_group"):
            yes_p = np.where(community, 0.85 if name == "wecom_group" else 0.6, yes)
        roll = rng.random(n)
        decided = asked & (roll < yes_p + no)
        who.append(np.flatnonzero(decided))
        channel.append(np.full(decided.sum(), c))
        opted.append((roll < yes_p)[decided])
    w = np.concatenate(who)
    ch = np.concatenate(channel)
    order = np.lexsort((ch, w))
    w, ch = w[order], ch[order]
    return Table(
        "members.ContactPreference",
        w.size,
        {
            "id": ids.preference + np.arange(w.size, dtype=np.int64),
            "merchant_id": world.merchant.id,
            "customer_id": cust_ids[w],
            "channel": Cat(ch, [c[0] for c in m.CONSENT]),
            "opted_in": np.concatenate(opted)[order],
            "updated_at": np.minimum(reg_t[w] + rng.integers(60, 3 * DAY, w.size), world.calendar.end - 1),
        },
    )


def address_table(
    world: World,
    rng: np.random.Generator,
    ids: IdBases,
    cust_ids: np.ndarray,
    reg_t: np.ndarray,
    region: np.ndarray,
    phones: list[str | None],
    person: list[str],
    has_address: np.ndarray,
) -> tuple[Table, list[str | None]]:
    """Addresses (one or two per customer who has any) and each customer's default as order JSON."""
    n = len(cust_ids)
    second = has_address & (rng.random(n) < world.params.second_address_share)
    who = np.concatenate([np.flatnonzero(has_address), np.flatnonzero(second)])
    default = np.concatenate([np.ones(has_address.sum(), bool), np.zeros(second.sum(), bool)])
    order = np.lexsort((~default, who))
    who, default = who[order], default[order]
    k = who.size
    spare = _phone_numbers(cust_ids[who] + 10**7, rng)
    other_person = rng.random(k) < 0.2
    names = [
        (SURNAMES[s] + GIVEN[g]) if o else person[w]
        for w, o, s, g in zip(
            who.tolist(),
            other_person.tolist(),
            rng.integers(0, len(SURNAMES), k).tolist(),
            rng.integers(0, len(GIVEN), k).tolist(),
            strict=True,
        )
    ]
    tel = [phones[w] or sp for w, sp in zip(who.tolist(), spare, strict=True)]
    regions = [m.REGIONS[r] for r in region[who].tolist()]
    districts = [r[2][x % len(r[2])] for r, x in zip(regions, rng.integers(0, 99, k).tolist(), strict=True)]
    details = [
        f"{STREETS[a]}{b}号{COMMUNITIES[c]}{d}栋{e}室"
        for a, b, c, d, e in zip(
            rng.integers(0, len(STREETS), k).tolist(),
            rng.integers(1, 999, k).tolist(),
            rng.integers(0, len(COMMUNITIES), k).tolist(),
            rng.integers(1, 30, k).tolist(),
            rng.integers(101, 2405, k).tolist(),
            strict=True,
        )
    ]
    snapshot: list[str | None] = [None] * n
    for i in np.flatnonzero(default).tolist():
        snapshot[who[i]] = json.dumps(
            {
                "recipient": names[i],
                "phone": tel[i],
                "province": regions[i][0],
                "city": regions[i][1],
                "district": districts[i],
                "detail": details[i],
            },
            ensure_ascii=False,
        )
    table = Table(
        "members.Address",
        k,
        {
            "id": ids.address + np.arange(k, dtype=np.int64),
            "merchant_id": world.merchant.id,
            "customer_id": cust_ids[who],
            "recipient": names,
            "phone": tel,
            "province": [r[0] for r in regions],
            "city": [r[1] for r in regions],
            "district": districts,
            "detail": details,
            "is_default": default,
            "created_at": reg_t[who] + np.where(default, 30, DAY),
        },
    )
    return table, snapshot


def after_sale_tables(
    world: World,
    rng: np.random.Generator,
    ids: IdBases,
    signups: SignUps,
    orders: Orders,
    lines: Lines,
    prices: Prices,
    after: AfterSales,
    *,
    payment_ids: np.ndarray,
    line_ids: np.ndarray,
) -> list[Table]:
    """After-sale requests, their lines and the refunds that paid them."""
    fate, partial_line, shipping_back = after.fate, after.partial_line, after.shipping_back
    req_at, approved_at, rejected_at = after.req_at, after.approved_at, after.rejected_at
    returned_at, refunded_at = after.returned_at, after.refunded_at
    order_ids, customer_ids = orders.ids, signups.cust_ids[orders.cust]
    l_order, qty, l_paid = lines.order, lines.qty, prices.line_paid
    l_ref_qty, l_ref_amt = after.line_refunded_qty, after.line_refunded
    mer = world.merchant.id
    rows = np.flatnonzero(fate > 0)
    k = rows.size
    as_ids = ids.after_sale + np.arange(k, dtype=np.int64)
    as_of_order = np.full(len(fate), NULL, dtype=np.int64)
    as_of_order[rows] = as_ids
    f = fate[rows]
    # Lines: every line of a whole refund, the refunded line of a partial one, the asked-about line
    # (first line, one unit) of a rejected one.
    first_line = np.concatenate([[True], l_order[1:] != l_order[:-1]]) if l_order.size else np.zeros(0, bool)
    whole = np.isin(fate[l_order], (1, 3))
    partial = np.zeros(l_order.size, bool)
    partial[partial_line[partial_line >= 0]] = True
    rejected = (fate[l_order] == 4) & first_line
    lsel = np.flatnonzero(whole | partial | rejected)
    l_qty = np.where(rejected[lsel], 1, l_ref_qty[lsel])
    asked = np.where(l_qty == qty[lsel], l_paid[lsel], l_paid[lsel] * l_qty // qty[lsel])
    l_amt = np.where(rejected[lsel], asked, l_ref_amt[lsel])
    per_order = (
        np.bincount(l_order[lsel], weights=l_amt, minlength=len(fate)).astype(np.int64) + shipping_back
    )
    amount = per_order[rows]
    reasons = [BEFORE_SHIP_REASONS, PARTIAL_REASONS, RETURN_REASONS, PARTIAL_REASONS]
    vocab = [r for group in reasons for r in group]
    offsets = np.cumsum([0, *(len(g) for g in reasons[:-1])])
    reason = offsets[f - 1] + rng.integers(0, 3, k) % np.array([len(g) for g in reasons])[f - 1]
    day_short = np.array(world.calendar.day_short, dtype=object)[world.calendar.day_of(req_at[rows])].tolist()
    numbers = strings_of(decimal_chars(scramble(as_ids, 10**10, 1_000_003, 99), 10))
    is_return = f == 3
    ret_carrier = np.where(is_return, 1 + rng.integers(0, len(CARRIERS), k), 0)
    tables = [
        Table(
            "orders.AfterSale",
            k,
            {
                "id": as_ids,
                "merchant_id": mer,
                "number": [f"SA{d}{x}" for d, x in zip(day_short, numbers, strict=True)],
                "order_id": order_ids[rows],
                "customer_id": customer_ids[rows],
                "kind": Cat(is_return.astype(np.int64), ["refund_only", "return_refund"]),
                "status": Cat((f == 4).astype(np.int64), ["refunded", "rejected"]),
                "reason": Cat(reason, vocab),
                "description": "",
                "amount": amount,
                "return_carrier": Cat(ret_carrier, ["", *(c[0] for c in CARRIERS)]),
                "return_tracking_number": [
                    f"{CARRIERS[c - 1][1]}R{i}" if c else ""
                    for c, i in zip(ret_carrier.tolist(), as_ids.tolist(), strict=True)
                ],
                "reviewed_by_id": None,
                "review_note": Cat(
                    np.where(f == 4, 1 + rng.integers(0, len(REJECT_NOTES), k), 0), ["", *REJECT_NOTES]
                ),
                "created_at": req_at[rows],
                "approved_at": approved_at[rows],
                "rejected_at": rejected_at[rows],
                "returned_at": returned_at[rows],
                "refunded_at": refunded_at[rows],
            },
        ),
        Table(
            "orders.AfterSaleLine",
            lsel.size,
            {
                "id": ids.after_sale_line + np.arange(lsel.size, dtype=np.int64),
                "merchant_id": mer,
                "after_sale_id": as_of_order[l_order[lsel]],
                "order_line_id": line_ids[lsel],
                "quantity": l_qty,
                "amount": l_amt,
            },
        ),
    ]
    paid_back = rows[f != 4]
    r = paid_back.size
    refund_ids = ids.refund + np.arange(r, dtype=np.int64)
    refund_numbers = strings_of(decimal_chars(scramble(refund_ids, 10**10, 1_000_003, 5), 10))
    day_r = np.array(world.calendar.day_short, dtype=object)[
        world.calendar.day_of(refunded_at[paid_back])
    ].tolist()
    refund_amount = per_order[paid_back]
    tables.append(
        Table(
            "orders.Refund",
            r,
            {
                "id": refund_ids,
                "merchant_id": mer,
                "payment_id": payment_ids[paid_back],
                "after_sale_id": as_of_order[paid_back],
                "number": [f"SR{d}{x}" for d, x in zip(day_r, refund_numbers, strict=True)],
                "amount": refund_amount,
                "status": "succeeded",
                "gateway_refund_id": [f"simr{i}" for i in refund_ids.tolist()],
                "created_at": refunded_at[paid_back] - rng.integers(1, 30, r),
                "succeeded_at": refunded_at[paid_back],
            },
        )
    )
    return tables


def order_table(
    world: World,
    rng: np.random.Generator,
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
) -> tuple[Table, list[str]]:
    """The chunk's orders, and their numbers (payments are numbered after them)."""
    mer = world.merchant
    n, n_orders, order_ids, o_pickup = signups.n, orders.n, orders.ids, orders.pickup
    paid, shipped_at = timeline.paid, timeline.shipped_at
    scrambled = decimal_chars(scramble(order_ids, 10**10, 1_000_003, 7_777), 10)
    day_short = np.array(world.calendar.day_short, dtype=object)[orders.day]
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
    pricing = pricing_explanations(
        prices.kind, prices.discount, prices.shipping, mer.free_shipping_threshold, o_pickup
    )
    outlet_ids = np.array(world.geography.outlets.ids or [0], dtype=np.int64)
    ship_to = Cat(np.where(o_pickup, n, orders.cust), [*address_json, None])  # a snapshot per customer
    table = Table(
        "orders.Order",
        n_orders,
        {
            "id": order_ids,
            "merchant_id": mer.id,
            "number": numbers,
            "customer_id": signups.cust_ids[orders.cust],
            "status": Cat(status, STATUS),
            "fulfilment": Cat(o_pickup.astype(np.int64), ["delivery", "pickup"]),
            "pickup_outlet_id": np.where(
                o_pickup, outlet_ids[np.maximum(signups.home[orders.cust], 0)], NULL
            ),
            "pickup_code": pickup_code,
            "shipping_address": ship_to,
            "goods_amount": lines.order_goods,
            "discount_amount": prices.discount,
            "shipping_fee": prices.shipping,
            "payable_amount": prices.payable,
            "paid_amount": np.where(paid, prices.payable, 0),
            "refunded_amount": after.refunded,
            "pricing": pricing,
            "note": "",
            "source": Cat(orders.src, ALL_SOURCES),
            "idempotency_key": None,
            "request_fingerprint": "",
            "carrier": Cat(carrier + 1, ["", *(c[0] for c in CARRIERS)]),
            "tracking_number": tracking,
            "cancel_reason": Cat(timeline.cancel_reason + 1, ["", "payment_timeout", *CANCEL_REASONS]),
            "created_at": orders.time,
            "expires_at": timeline.expires,
            "paid_at": timeline.paid_at,
            "shipped_at": shipped_at,
            "delivered_at": timeline.delivered_at,
            "completed_at": timeline.completed_at,
            "cancelled_at": np.where(timeline.cancelled, timeline.cancel_at, NULL),
            "closed_at": np.where(after.closed, after.closed_at, NULL),
        },
    )
    return table, numbers


def line_table(
    world: World, line_ids: np.ndarray, orders: Orders, lines: Lines, prices: Prices, after: AfterSales
) -> Table:
    """The chunk's order lines, with the catalogue's snapshot of what was bought."""
    listed = world.catalogue.listed
    l_product, l_sku = lines.product, lines.sku
    return Table(
        "orders.OrderLine",
        lines.order.size,
        {
            "id": line_ids,
            "merchant_id": world.merchant.id,
            "order_id": orders.ids[lines.order],
            "sku_id": np.array(listed.sku_ids, dtype=np.int64)[l_sku],
            "product_id_snapshot": np.array(listed.product_ids, dtype=np.int64)[l_product],
            "product_name": Cat(l_product, listed.product_names),
            "sku_code": Cat(l_sku, listed.sku_codes),
            "specs": Cat(l_sku, world.catalogue.sku_specs_json),
            "image": Cat(l_product, listed.product_images),
            "unit_price": lines.price,
            "quantity": lines.qty,
            "goods_amount": lines.goods,
            "discount_amount": prices.line_discount,
            "paid_amount": prices.line_paid,
            "refunded_quantity": after.line_refunded_qty,
            "refunded_amount": after.line_refunded,
        },
    )


def payment_table(
    world: World,
    rng: np.random.Generator,
    ids: IdBases,
    orders: Orders,
    prices: Prices,
    timeline: Timeline,
    numbers: list[str],
) -> tuple[Table, np.ndarray]:
    """A sandbox payment for each paid order, and each order's payment id (NULL = unpaid)."""
    paid_at = timeline.paid_at
    pay_rows = np.flatnonzero(timeline.paid)
    payment_ids = np.full(orders.n, NULL, dtype=np.int64)
    payment_ids[pay_rows] = ids.payment + np.arange(pay_rows.size)
    table = Table(
        "orders.Payment",
        pay_rows.size,
        {
            "id": payment_ids[pay_rows],
            "merchant_id": world.merchant.id,
            "order_id": orders.ids[pay_rows],
            "number": [f"SP{numbers[i][1:]}" for i in pay_rows.tolist()],
            "gateway": "sandbox",
            "amount": prices.payable[pay_rows],
            "status": "succeeded",
            "idempotency_key": None,
            "gateway_transaction_id": [f"sim{i}" for i in orders.ids[pay_rows].tolist()],
            "created_at": np.maximum(
                paid_at[pay_rows] - rng.integers(5, 60, pay_rows.size), orders.time[pay_rows]
            ),
            "succeeded_at": paid_at[pay_rows],
        },
    )
    return table, payment_ids


def pricing_explanations(
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
