"""Rows of one chunk for customers, identities, consent, addresses and after-sales (see ``generator``)."""

from __future__ import annotations

import json

import numpy as np

from siyu.simulate import model as m
from siyu.simulate.vocabulary import (
    BEFORE_SHIP_REASONS,
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
    *,
    fate: np.ndarray,
    order_ids: np.ndarray,
    customer_ids: np.ndarray,
    payment_ids: np.ndarray,
    line_ids: np.ndarray,
    l_order: np.ndarray,
    qty: np.ndarray,
    l_paid: np.ndarray,
    l_ref_qty: np.ndarray,
    l_ref_amt: np.ndarray,
    partial_line: np.ndarray,
    req_at: np.ndarray,
    approved_at: np.ndarray,
    rejected_at: np.ndarray,
    returned_at: np.ndarray,
    refunded_at: np.ndarray,
    shipping_back: np.ndarray,
) -> list[Table]:
    """After-sale requests, their lines and the refunds that paid them."""
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
