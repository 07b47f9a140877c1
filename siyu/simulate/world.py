"""The simulated world every chunk shares: helpers, the catalogue as the simulation sees it, the
calendar of demand and acquisition (``build_world``). Pure numpy, no Django; see ``generator``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import cast

import numpy as np

from siyu.simulate import model as m

DAY = 86_400


HOUR = 3_600


NULL = -1


HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


@dataclass(frozen=True)
class Cat:
    """A column of strings stored as codes into a vocabulary (most columns repeat a few values)."""

    codes: np.ndarray
    vocab: list[str] | list[str | None]

    def take(self) -> list[str | None]:
        return np.asarray(self.vocab, dtype=object)[self.codes].tolist()


Column = np.ndarray | list | Cat | str | int | bool | None


@dataclass
class Table:
    """Rows of one model as columns: ``label`` is the Django model label, e.g. ``orders.Order``."""

    label: str
    size: int
    columns: dict[str, Column]


def choose_per_row(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One index per row of ``weights`` (n x k, not necessarily normalised)."""
    cum = np.cumsum(weights, axis=1)
    u = rng.random(len(weights)) * cum[:, -1]
    return np.minimum((cum < u[:, None]).sum(axis=1), weights.shape[1] - 1)


def draw_from(rng: np.random.Generator, probabilities: np.ndarray, n: int) -> np.ndarray:
    """``n`` draws from one fixed distribution."""
    cum = np.cumsum(probabilities)
    return np.minimum(np.searchsorted(cum, rng.random(n) * cum[-1], side="right"), len(cum) - 1)


def hex_chars(values: np.ndarray, width: int) -> np.ndarray:
    """Lower-case hex of unsigned ints (or rows of bytes) as a (n, width) array of code points."""
    raw = values.astype(">u8").view(np.uint8).reshape(-1, 8) if values.ndim == 1 else values
    out = np.empty((len(raw), raw.shape[1] * 2), dtype=np.uint32)
    out[:, 0::2] = HEX[raw >> 4]
    out[:, 1::2] = HEX[raw & 15]
    return out[:, -width:]


def strings_of(chars: np.ndarray) -> list[str]:
    """Rows of code points (n, w) -> list of str."""
    return np.ascontiguousarray(chars).view(f"<U{chars.shape[1]}").ravel().tolist()


def decimal_chars(values: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded decimal digits of non-negative ints as (n, width) code points."""
    out = np.empty((len(values), width), dtype=np.uint32)
    v = values.astype(np.int64).copy()
    for i in range(width - 1, -1, -1):
        out[:, i] = 48 + v % 10
        v //= 10
    return out


def scramble(ids: np.ndarray, modulus: int, multiplier: int, offset: int) -> np.ndarray:
    """A bijection of ids onto [0, modulus): distinct ids below the modulus get distinct numbers."""
    return (ids.astype(np.int64) % modulus * multiplier + offset) % modulus


def prefixed(prefix: str, chars: np.ndarray) -> list[str]:
    """Rows of code points as strings, each after ``prefix``."""
    return [prefix + s for s in strings_of(chars)]


@dataclass(frozen=True)
class CatalogueInput:
    """What the runner reads from the database: on-sale products and their active SKUs."""

    product_ids: list[int]
    product_names: list[str]
    product_keywords: list[str]
    product_images: list[str]
    product_roles: list[tuple[str, ...]]
    product_sort_orders: list[int]
    product_category_names: list[str]  # the category a product's repurchase cycle comes from
    sku_ids: list[int]
    sku_products: list[int]  # index into the product lists
    sku_prices: list[int]
    sku_codes: list[str]
    sku_specs: list[dict]


@dataclass(frozen=True)
class OutletInput:
    """What the runner reads from the database: the merchant's outlets, where they are, who picks up there."""

    ids: list[int]
    cities: list[str]
    provinces: list[str]
    districts: list[str]
    supports_pickup: list[bool]


@dataclass(frozen=True)
class MerchantInput:
    """The merchant's rules an order follows: shipping, payment timeout, receipt and after-sale windows."""

    id: int
    shipping_fee: int
    free_shipping_threshold: int
    payment_timeout_minutes: int
    auto_confirm_receipt_days: int
    after_sale_window_days: int


def category_cycle(name: str, median_price: float) -> int:
    """Repurchase cycle in days for a category: a hint in its name, else from its median price."""
    for word, days in m.CATEGORY_CYCLE_HINTS:
        if word in name:
            return days
    return int(np.clip(25 * (median_price / 5000) ** 0.5, 14, 240))


def season_curve(text: str) -> np.ndarray:
    """Monthly demand multipliers (12) of a product from words in its name and keywords."""
    curve = np.ones(12)
    for word, months in m.SEASON_HINTS:
        if word in text:
            for month, factor in months.items():
                curve[month - 1] *= factor
    return curve / curve.mean()


SOURCE_PAGES = {
    m.ADS: "activity",
    m.ARTICLE: "article",
    m.COMMUNITY: "group_deal",
    m.OUTLET: "home",
    m.LIVE: "live",
    m.REFERRAL: "invite",
    m.SEARCH: "home",
    m.MOMENTS: "product",
    m.MP_CODE: "home",
}


# Where repeat visits come from (besides the customer's own source): searches and the recently
# used list, group pushes, articles, live streams, package-card codes, Moments, retargeting ads.
REPEAT_SOURCES = {
    m.SEARCH: 0.30,
    m.COMMUNITY: 0.20,
    m.ARTICLE: 0.10,
    m.LIVE: 0.10,
    m.MP_CODE: 0.12,
    m.MOMENTS: 0.08,
    m.ADS: 0.10,
}


ALL_SOURCES = [m.ADS, m.ARTICLE, m.COMMUNITY, m.OUTLET, m.LIVE, m.REFERRAL, m.SEARCH, m.MOMENTS, m.MP_CODE]


S_INDEX = {s: i for i, s in enumerate(ALL_SOURCES)}


PAGES = ["category", "member", "activity", "coupon_center"]


@dataclass(frozen=True)
class DailyRhythm:
    """Each day of the run: its date, weekday, month, demand multiplier, discount and festival."""

    dates: list[date]
    weekday: np.ndarray
    month: np.ndarray  # 0 = January
    demand: np.ndarray  # weekday x month x festival or member-day multipliers
    discount: np.ndarray  # festival or member-day discount share, 0 on ordinary days
    festival: np.ndarray  # index into params.promotions, -1 = none (member day = -2)


def daily_rhythm(params: m.SimulationParams, first: date, days: int) -> DailyRhythm:
    """Demand and discounts of each day: weekday, month, the member day and the festivals."""
    dates = [first + timedelta(days=i) for i in range(days)]
    weekday = np.array([d.weekday() for d in dates])
    month = np.array([d.month - 1 for d in dates])
    # Month weights interpolated between month middles, so demand drifts rather than jumps.
    mw = np.array(params.month_weights)
    pos = month + (np.array([d.day for d in dates]) - 15.5) / 30.5
    month_curve = np.interp(pos, np.arange(-1, 13), np.concatenate([[mw[-1]], mw, [mw[0]]]))
    demand = np.array(params.weekday_weights)[weekday] * month_curve
    discount = np.zeros(days)
    festival = np.full(days, -1)
    index = {d: i for i, d in enumerate(dates)}
    for i, d in enumerate(dates):
        if d.day == params.member_day:
            demand[i] *= params.member_day_peak
            discount[i] = params.member_day_discount
            festival[i] = -2
    for p_index, promo in enumerate(params.promotions):
        for year in range(first.year, dates[-1].year + 1):
            peak = date(year, promo.month, promo.day)
            for back in range(promo.days_before, -1, -1):
                at = index.get(peak - timedelta(days=back))
                if at is None:
                    continue
                demand[at] *= promo.peak if back == 0 else promo.warmup
                discount[at] = max(discount[at], promo.discount)
                festival[at] = p_index
    return DailyRhythm(dates, weekday, month, demand, discount, festival)


@dataclass(frozen=True)
class Calendar:
    """The run's days and hours in the merchant's time zone, and when customers buy within them.

    Purchases run in *operational time*: the cumulative demand of a customer's chronotype, in
    "average days", at each hour boundary. A Poisson process at a constant rate there lands on
    calendar time with every rhythm of the day, the week, the month and the festivals.
    """

    t0: int  # epoch seconds of local midnight of the first day
    days: int
    utc_offset: int
    day_weekday: np.ndarray
    day_month: np.ndarray
    day_label: list[str]  # YYYYMMDD, local
    day_short: list[str]  # YYMMDD, local: the date part of order numbers
    day_discount: np.ndarray  # festival or member-day discount share, 0 on ordinary days
    day_festival: np.ndarray  # index into params.promotions, -1 = none (member day = -2)
    op_cum: np.ndarray  # (chronotypes, hours + 1) cumulative demand at hour boundaries
    chrono_probs: np.ndarray  # share of customers of each chronotype

    @property
    def hours(self) -> int:
        return self.days * 24

    @property
    def end(self) -> int:
        return self.t0 + self.days * DAY

    def day_of(self, t: np.ndarray) -> np.ndarray:
        """The day of the run (0-based) of epoch seconds, clipped to the run."""
        return np.clip((t - self.t0) // DAY, 0, self.days - 1)

    def to_op(self, t: np.ndarray, chrono: np.ndarray) -> np.ndarray:
        """Calendar time -> operational time (expected purchases of a unit-rate customer so far)."""
        h = (t - self.t0) / HOUR
        i = np.clip(np.floor(h).astype(np.int64), 0, self.hours - 1)
        lo, hi = self.op_cum[chrono, i], self.op_cum[chrono, i + 1]
        return lo + (h - i) * (hi - lo)

    def from_op(self, v: np.ndarray, chrono: np.ndarray) -> np.ndarray:
        """Operational time -> calendar time (inverse of ``to_op``)."""
        out = np.empty(len(v), dtype=np.int64)
        for k in range(self.op_cum.shape[0]):
            sel = chrono == k
            if not sel.any():
                continue
            cum = self.op_cum[k]
            i = np.clip(np.searchsorted(cum, v[sel], side="right") - 1, 0, self.hours - 1)
            width = np.maximum(cum[i + 1] - cum[i], 1e-12)
            out[sel] = self.t0 + ((i + np.clip((v[sel] - cum[i]) / width, 0, 1)) * HOUR).astype(np.int64)
        return out

    def op_end(self, chrono: np.ndarray) -> np.ndarray:
        """Operational time at the end of the run, per chronotype."""
        return self.op_cum[chrono, -1]


def build_calendar(
    params: m.SimulationParams, rhythm: DailyRhythm, *, first_day: date, utc_offset_seconds: int
) -> Calendar:
    """The run's calendar: local days and each chronotype's cumulative demand, hour by hour."""
    days = len(rhythm.dates)
    t0 = int(datetime(first_day.year, first_day.month, first_day.day, tzinfo=UTC).timestamp())
    t0 -= utc_offset_seconds
    hours = days * 24
    day = np.arange(hours) // 24
    hod = np.arange(hours) % 24
    chronos = list(m.CHRONOTYPE_HOURS)
    op_cum = np.zeros((len(chronos), hours + 1))
    for k, name in enumerate(chronos):
        profile = np.array(m.CHRONOTYPE_HOURS[name])
        # Half a personal rhythm, half everyone's (the evening peak): people shop with the crowd too.
        profile = 0.5 * profile / profile.mean() + 0.5 * np.array(m.CHRONOTYPE_HOURS["evening"]) / np.mean(
            m.CHRONOTYPE_HOURS["evening"]
        )
        intensity = rhythm.demand[day] * profile[hod] / 24
        op_cum[k, 1:] = np.cumsum(intensity)
    return Calendar(
        t0=t0,
        days=days,
        utc_offset=utc_offset_seconds,
        day_weekday=rhythm.weekday,
        day_month=rhythm.month,
        day_label=[d.strftime("%Y%m%d") for d in rhythm.dates],
        day_short=[d.strftime("%y%m%d") for d in rhythm.dates],
        day_discount=rhythm.discount,
        day_festival=rhythm.festival,
        op_cum=op_cum,
        chrono_probs=np.array([m.CHRONOTYPE_SHARES[c] for c in chronos]),
    )


@dataclass(frozen=True)
class Acquisition:
    """When customers sign up and through which source, and what each source's customers are like.

    The per-source arrays are indexed like ``ALL_SOURCES``.
    """

    signup_cum: np.ndarray  # (hours + 1,) cumulative sign-ups, normalised to 1 at the end
    source_cum: np.ndarray  # (hours, sources) cumulative source probabilities per hour
    buy_probability: np.ndarray
    rate_multiplier: np.ndarray
    dropout_mean: np.ndarray
    spend_multiplier: np.ndarray
    same_session: np.ndarray


def build_acquisition(params: m.SimulationParams, rhythm: DailyRhythm, *, has_outlets: bool) -> Acquisition:
    """Sign-ups hour by hour and source by source, and each source's quality."""
    signup_cum, source_cum = signups(params, rhythm, has_outlets=has_outlets)
    src = [params.sources.get(s) for s in ALL_SOURCES]
    moments = params.sources.get(m.REFERRAL) or next(iter(params.sources.values()))

    def per_source(attr: str) -> np.ndarray:
        return np.array([getattr(p or moments, attr) for p in src])

    return Acquisition(
        signup_cum=signup_cum,
        source_cum=source_cum,
        buy_probability=per_source("buy_probability"),
        rate_multiplier=per_source("rate_multiplier"),
        dropout_mean=per_source("dropout_mean"),
        spend_multiplier=per_source("spend_multiplier"),
        same_session=per_source("same_session_first_order"),
    )


def signups(
    params: m.SimulationParams, rhythm: DailyRhythm, *, has_outlets: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Hourly sign-up intensity per source -> (cumulative total, cumulative source shares)."""
    days = len(rhythm.dates)
    hours = days * 24
    h = np.arange(hours)
    hod, day = h % 24, h // 24
    weekday, demand = rhythm.weekday[day], rhythm.demand[day]
    festival = rhythm.festival[day]
    evening = np.array(m.CHRONOTYPE_HOURS["evening"])[hod]
    trend = 1 + params.growth * h / hours
    shape: dict[str, np.ndarray] = {}
    flight = (day // max(params.ads_flight_days, 1)) % 2 == 0
    shape[m.ADS] = evening * np.where(flight, 1.0, 0.1) * demand
    pulses = np.zeros(hours)
    tau = params.article_half_life_hours / np.log(2)
    published = np.flatnonzero(np.isin(rhythm.weekday, params.article_weekdays))
    for d in published:
        start = d * 24 + 20
        if start < hours:
            pulses[start:] += np.exp(-(h[start:] - start) / tau)
    shape[m.ARTICLE] = pulses * (0.3 + evening / evening.max())
    group_push = np.where((hod >= 19) & (hod <= 21), 2.0, 1.0)
    shape[m.COMMUNITY] = evening * group_push * demand
    open_hours = ((hod >= 10) & (hod < 22)).astype(float)
    shape[m.OUTLET] = (
        open_hours * np.where(weekday >= 5, 1.6, 1.0) * demand if has_outlets else np.zeros(hours)
    )
    live_day = np.isin(weekday, params.live_weekdays) | (festival >= 0)
    in_session = live_day & (hod >= 20) & (hod < 22)
    shape[m.LIVE] = np.where(in_session, 1.0, 0.02) * np.where(festival >= 0, 2.0, 1.0)
    shape[m.SEARCH] = evening * demand
    others = np.zeros(hours)
    for s, curve in shape.items():
        if s in params.sources:
            others += curve * params.sources[s].share
    so_far = np.cumsum(others) / max(others.sum(), 1e-12)
    # Referrals need buyers to refer: they grow with the customer base.
    shape[m.REFERRAL] = evening * demand * (0.02 + so_far)
    per_source = np.zeros((hours, len(ALL_SOURCES)))
    shares = {s: p.share for s, p in params.sources.items()}
    if not has_outlets:
        shares[m.OUTLET] = 0.0
    total_share = sum(shares.values())
    for s, share in shares.items():
        curve = shape[s] * trend
        if curve.sum() > 0 and share > 0:
            per_source[:, S_INDEX[s]] = curve / curve.sum() * share / total_share
    total = per_source.sum(axis=1)
    signup_cum = np.concatenate([[0.0], np.cumsum(total)])
    signup_cum /= signup_cum[-1]
    source_cum = np.cumsum(per_source, axis=1) / np.maximum(total, 1e-18)[:, None]
    return signup_cum, source_cum


@dataclass(frozen=True)
class Geography:
    """Where customers live (regions of ``m.REGIONS``) and the outlets they could pick up from."""

    region_probs: np.ndarray
    region_outlet: list[list[int]]  # pickup outlets (indexes) per region
    outlets: OutletInput
    outlet_region: np.ndarray  # region index of each outlet


def build_geography(outlets: OutletInput) -> Geography:
    """Regions weighted by population, outlet cities more: outlets recruit where they stand."""
    region_cities = [r[1] for r in m.REGIONS]
    region_probs = np.array([r[3] for r in m.REGIONS], dtype=float)
    outlet_region = np.array(
        [region_cities.index(c) if c in region_cities else 0 for c in outlets.cities], dtype=np.int64
    )
    region_outlet: list[list[int]] = [[] for _ in m.REGIONS]
    for i, r in enumerate(outlet_region):
        if outlets.supports_pickup[i]:
            region_outlet[r].append(i)
            region_probs[r] *= 1.5
    region_probs /= region_probs.sum()
    return Geography(
        region_probs=region_probs, region_outlet=region_outlet, outlets=outlets, outlet_region=outlet_region
    )


@dataclass(frozen=True)
class Catalogue:
    """The catalogue as the simulation chooses from it: categories, products, SKUs and their weights."""

    listed: CatalogueInput
    product_category: np.ndarray  # category index per product
    category_cycle_days: np.ndarray
    category_season: np.ndarray  # (categories, 12)
    category_share: np.ndarray
    cat_products: np.ndarray  # (categories, max products per category), -1 = padding
    product_cum: np.ndarray  # (categories, 12, 3 situations, max products) cumulative weights
    sku_cum: np.ndarray  # (products, max skus) cumulative weights
    product_skus: np.ndarray  # (products, max skus) sku index, -1 = padding
    sku_price: np.ndarray
    sku_product: np.ndarray
    basket_value: float
    median_price: float
    # precomputed JSON properties
    view_props: np.ndarray  # per product: {"product_id": ...}
    search_props: np.ndarray  # per product: {"keywords": ...}
    cart_props: np.ndarray  # (skus, 6): {"product_id", "sku_id", "quantity"}
    sku_specs_json: list[str]


def build_catalogue(
    params: m.SimulationParams, catalogue: CatalogueInput, rng: np.random.Generator
) -> Catalogue:
    """Choice tables: popularity x season x role per category, month and situation; sizes per product."""
    n_products = len(catalogue.product_ids)
    sku_price = np.array(catalogue.sku_prices, dtype=np.int64)
    sku_product = np.array(catalogue.sku_products, dtype=np.int64)
    category_names = sorted(set(catalogue.product_category_names))
    product_category = np.array([category_names.index(c) for c in catalogue.product_category_names])
    product_price = np.array([np.median(sku_price[sku_product == p]) for p in range(n_products)])
    median_price = float(np.median(product_price))
    cycles = np.array(
        [
            category_cycle(name, float(np.median(product_price[product_category == c])))
            for c, name in enumerate(category_names)
        ]
    )
    seasons = np.array(
        [
            season_curve(f"{catalogue.product_names[p]} {catalogue.product_keywords[p]}")
            for p in range(n_products)
        ]
    )
    sort_orders = np.array(catalogue.product_sort_orders, dtype=float)
    popularity = np.maximum(sort_orders / 10, 1.0) if sort_orders.max() > 0 else np.full(n_products, 3.0)
    # Cheaper things sell more units; a lognormal factor makes a few products the hits.
    popularity = popularity * (product_price / median_price) ** -0.35 * rng.lognormal(0, 0.35, n_products)
    role_w = np.ones((n_products, 3))
    for p, roles in enumerate(catalogue.product_roles):
        known = [m.ROLE_WEIGHTS[r] for r in roles if r in m.ROLE_WEIGHTS]
        if known:
            arr = np.array(known)
            role_w[p] = np.where((arr == 0).any(axis=0), 0.0, arr.mean(axis=0))
    n_cat = len(category_names)
    per_cat = [np.flatnonzero(product_category == c) for c in range(n_cat)]
    width = max(len(x) for x in per_cat)
    cat_products = np.full((n_cat, width), -1, dtype=np.int64)
    product_cum = np.zeros((n_cat, 12, 3, width))
    for c, members in enumerate(per_cat):
        cat_products[c, : len(members)] = members
        w = (
            popularity[members][None, None, :]
            * seasons[members].T[:, None, :]
            * role_w[members].T[None, :, :]
        )
        product_cum[c, :, :, : len(members)] = np.cumsum(w, axis=2)
        product_cum[c, :, :, len(members) :] = product_cum[c, :, :, len(members) - 1 : len(members)]
    cat_weight = np.array([popularity[x].sum() for x in per_cat])
    category_share = cat_weight / cat_weight.sum()
    category_season = np.array(
        [(seasons[x] * popularity[x][:, None]).sum(0) / popularity[x].sum() for x in per_cat]
    )
    per_product_skus = [np.flatnonzero(sku_product == p) for p in range(n_products)]
    sku_width = max(len(x) for x in per_product_skus)
    product_skus = np.full((n_products, sku_width), -1, dtype=np.int64)
    sku_cum = np.zeros((n_products, sku_width))
    for p, skus in enumerate(per_product_skus):
        skus = skus[np.argsort(sku_price[skus], kind="stable")]
        product_skus[p, : len(skus)] = skus
        # The smallest size sells best, the next about half as well, and so on.
        w = 0.55 ** np.arange(len(skus))
        sku_cum[p, : len(skus)] = np.cumsum(w)
        sku_cum[p, len(skus) :] = sku_cum[p, len(skus) - 1]

    pid = catalogue.product_ids
    view_props = np.array([f'{{"product_id": {p}}}' for p in pid], dtype=object)
    keywords = [
        (k.split() or [n])[0]
        for k, n in zip(catalogue.product_keywords, catalogue.product_names, strict=True)
    ]
    search_props = np.array(
        [f'{{"keywords": {json.dumps(k, ensure_ascii=False)}}}' for k in keywords], dtype=object
    )
    cart_props = np.array(
        [
            [
                f'{{"product_id": {pid[catalogue.sku_products[s]]}, "sku_id": {sid}, "quantity": {q}}}'
                for q in range(1, 7)
            ]
            for s, sid in enumerate(catalogue.sku_ids)
        ],
        dtype=object,
    )
    basket = params.basket_value_fen or int(1.6 * float(np.median(sku_price)))
    return Catalogue(
        listed=catalogue,
        product_category=product_category,
        category_cycle_days=cycles,
        category_season=category_season,
        category_share=category_share,
        cat_products=cat_products,
        product_cum=product_cum,
        sku_cum=sku_cum,
        product_skus=product_skus,
        sku_price=sku_price,
        sku_product=sku_product,
        basket_value=float(basket),
        median_price=median_price,
        view_props=view_props,
        search_props=search_props,
        cart_props=cart_props,
        sku_specs_json=[json.dumps(s, ensure_ascii=False) for s in catalogue.sku_specs],
    )


@dataclass(frozen=True)
class World:
    """What all chunks share, O(hours of the run + products), built once per run by ``build_world``."""

    params: m.SimulationParams
    seed: int
    customers: int
    merchant: MerchantInput
    calendar: Calendar
    acquisition: Acquisition
    geography: Geography
    catalogue: Catalogue


def build_world(
    *,
    params: m.SimulationParams,
    seed: int,
    customers: int,
    first_day: date,
    days: int,
    utc_offset_seconds: int,
    merchant: MerchantInput,
    catalogue: CatalogueInput,
    outlets: OutletInput,
) -> World:
    """Precompute what every chunk needs: calendar, sign-ups, geography, catalogue choice tables."""
    if days < 1 or customers < 1:
        raise ValueError("days and customers must be positive")
    if not catalogue.product_ids or not catalogue.sku_ids:
        raise ValueError("the catalogue has no product on sale")
    rng = np.random.default_rng([seed, 0xCA7])
    rhythm = daily_rhythm(params, first_day, days)
    return World(
        params=params,
        seed=seed,
        customers=customers,
        merchant=merchant,
        calendar=build_calendar(params, rhythm, first_day=first_day, utc_offset_seconds=utc_offset_seconds),
        acquisition=build_acquisition(params, rhythm, has_outlets=any(outlets.supports_pickup)),
        geography=build_geography(outlets),
        catalogue=build_catalogue(params, catalogue, rng),
    )


@dataclass
class IdBases:
    """The first id each table's rows of a chunk take (the runner reserves them)."""

    customer: int
    identity: int
    preference: int
    address: int
    order: int
    line: int
    payment: int
    after_sale: int
    after_sale_line: int
    refund: int
    event: int


def device_of(customer_ids: np.ndarray, params: m.SimulationParams) -> np.ndarray:
    """A customer's phone type, a pure function of the id so every event of theirs agrees."""
    shares = np.cumsum([s for _, s in params.device_shares])
    x = ((customer_ids.astype(np.uint64) * np.uint64(2654435761)) >> np.uint64(7)) % np.uint64(10_000)
    return np.minimum(np.searchsorted(shares * 10_000, x.astype(np.float64), side="right"), len(shares) - 1)


def opaque_ids(ids: np.ndarray, salt: int, rng: np.random.Generator, prefix: str) -> list[str]:
    """Opaque unique strings: 16 hex digits of a bijection of the id, then 8 random ones."""
    mixed = ids.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(salt)
    tail = rng.integers(0, 2**32, len(ids), dtype=np.uint64)
    return prefixed(prefix, np.concatenate([hex_chars(mixed, 16), hex_chars(tail, 8)], axis=1))


def campaign_vocab(world: World, src: np.ndarray, day: np.ndarray, content: np.ndarray) -> tuple[Cat, Cat]:
    """Campaign names, and content ids for landing visits, from the source and the local day."""
    flight_len = 2 * max(world.params.ads_flight_days, 1)
    # Keys are small integers: find the distinct ones by counting rather than sorting.
    key = np.where(src >= 0, src * world.calendar.days + np.maximum(day, 0), -1) + 1
    seen = np.bincount(key, minlength=1) > 0
    uniq = np.flatnonzero(seen) - 1
    inverse = (np.cumsum(seen) - 1)[key]
    names: list[str] = []
    contents: list[str] = []
    for k in uniq.tolist():
        s, d = (ALL_SOURCES[k // world.calendar.days], k % world.calendar.days) if k >= 0 else ("", 0)
        label = world.calendar.day_label[d]
        names.append(
            {
                m.ADS: f"广告投放-第{d // flight_len + 1}期",
                m.ARTICLE: f"推文-{label[4:]}",
                m.COMMUNITY: f"社群团购-{label[4:]}",
                m.OUTLET: "门店扫码",
                m.LIVE: f"直播-{label}",
                m.REFERRAL: "老带新-邀请有礼",
                m.MOMENTS: "朋友圈分享",
                m.MP_CODE: "包裹卡小程序码",
            }.get(s, "")
        )
        contents.append({m.ARTICLE: f"article-{label}", m.LIVE: f"live-{label}"}.get(s, ""))
    return Cat(inverse, names), Cat(np.where(content, inverse, len(contents)), [*contents, ""])


def pick_products(
    world: World, rng: np.random.Generator, cats: np.ndarray, months: np.ndarray, situation: np.ndarray
) -> np.ndarray:
    """One product per line: in its category, weighted for the month and the situation."""
    cum = world.catalogue.product_cum[cats, months, situation]
    k = np.minimum((cum < (rng.random(len(cats)) * cum[:, -1])[:, None]).sum(axis=1), cum.shape[1] - 1)
    product = world.catalogue.cat_products[cats, k]
    # A category whose products all weigh zero in this situation falls back to its first product.
    return np.where(product < 0, world.catalogue.cat_products[cats, 0], product)


def pick_skus(world: World, rng: np.random.Generator, products: np.ndarray) -> np.ndarray:
    """One SKU per product: the smallest size most often."""
    cum = world.catalogue.sku_cum[products]
    k = np.minimum((cum < (rng.random(len(products)) * cum[:, -1])[:, None]).sum(axis=1), cum.shape[1] - 1)
    return world.catalogue.product_skus[products, k]


def campaign_names(world: World, src: np.ndarray, t: np.ndarray) -> list[str]:
    """The campaign name of each (source, time), as ``campaign_vocab`` names it."""
    names, _ = campaign_vocab(world, src, world.calendar.day_of(t), np.zeros(len(src), bool))
    return cast(list[str], names.take())
