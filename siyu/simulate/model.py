"""The brand simulator's model: every parameter, its default, and why it has that value.

Pure data, no Django: ``generator.py`` turns these numbers into rows; ``docs/simulator.md`` explains
the story they tell. The defaults describe a growing tea-and-snacks brand that sells through a
WeChat mini-program, a few outlets, community groups, an official account and live streams: a
high-frequency, low-price business (DOMAIN.md's "food, fresh" archetype) where repurchase carries
the revenue. Shares and rates are chosen to land where private-domain operators report their
numbers (see the doc for each); every one can be changed in a ``SimulationParams``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time

# Acquisition sources, as values of siyu.members.models.Source (kept as strings: no Django here).
ADS = "ads"
ARTICLE = "article"
COMMUNITY = "community"
OUTLET = "outlet"
LIVE = "live"
REFERRAL = "referral"
SEARCH = "search"
MOMENTS = "moments"
MP_CODE = "mp_code"


@dataclass(frozen=True)
class SourceProfile:
    """How many customers a source brings and how good they are.

    ``buy_probability``: chance a registered customer ever orders. ``rate_multiplier`` scales the
    customer's purchase rate, ``dropout_mean`` is the mean of the Beta distribution of the chance
    of churning after each purchase, ``spend_multiplier`` scales the customer's mean order value.
    """

    share: float
    buy_probability: float
    rate_multiplier: float
    dropout_mean: float
    spend_multiplier: float
    # Chance that the first order comes in the very session the customer registered in.
    same_session_first_order: float


def _default_sources() -> dict[str, SourceProfile]:
    # Paid ads bring the most people and the worst ones (bought clicks, coupon hunters); outlet
    # and referred customers already know the brand or someone who vouches for it, so they buy
    # more, more often, and stay longer. Live-stream buyers buy big baskets once and fade.
    return {
        ADS: SourceProfile(0.27, 0.38, 0.75, 0.38, 0.90, 0.30),
        ARTICLE: SourceProfile(0.12, 0.42, 0.90, 0.26, 1.00, 0.20),
        COMMUNITY: SourceProfile(0.15, 0.60, 1.25, 0.16, 0.85, 0.45),
        OUTLET: SourceProfile(0.14, 0.78, 1.35, 0.12, 1.10, 0.35),
        LIVE: SourceProfile(0.12, 0.55, 0.95, 0.30, 1.30, 0.65),
        REFERRAL: SourceProfile(0.13, 0.66, 1.25, 0.13, 1.00, 0.40),
        SEARCH: SourceProfile(0.07, 0.48, 1.00, 0.24, 1.00, 0.30),
    }


@dataclass(frozen=True)
class Promotion:
    """A yearly sales festival: demand is multiplied by ``peak`` on the day itself and by ``warmup``
    on the ``days_before`` days leading up to it; orders get ``discount`` off (a share of goods)."""

    name: str
    month: int
    day: int
    peak: float
    warmup: float = 1.0
    days_before: int = 0
    discount: float = 0.12


# The festivals Chinese e-commerce runs on. 618 and Double 11 dwarf the rest; the brand's own
# monthly member day (the 18th) is a smaller, regular spike.
DEFAULT_PROMOTIONS: tuple[Promotion, ...] = (
    Promotion("年货节", 1, 18, 1.6, 1.25, 10, 0.10),
    Promotion("女神节", 3, 8, 1.8, 1.1, 2, 0.10),
    Promotion("春茶节", 4, 5, 1.6, 1.2, 5, 0.08),
    Promotion("520", 5, 20, 1.5, 1.0, 0, 0.08),
    Promotion("618", 6, 18, 3.2, 1.35, 17, 0.15),
    Promotion("99划算节", 9, 9, 1.8, 1.1, 2, 0.10),
    Promotion("中秋礼遇", 9, 20, 1.4, 1.2, 12, 0.10),
    Promotion("双11", 11, 11, 4.5, 1.4, 10, 0.18),
    Promotion("双12", 12, 12, 2.0, 1.1, 2, 0.12),
)

# Relative demand by local hour of day for four kinds of people; each customer is one of them.
# The evening profile (the most common) is the shape WeChat mall operators report: a lunch bump,
# then the main peak after dinner until about 22:00.
# fmt: off
CHRONOTYPE_HOURS: dict[str, tuple[float, ...]] = {
    "morning": (0.2, 0.1, 0.1, 0.1, 0.2, 0.6, 2.0, 4.0, 5.0, 4.0, 3.0, 3.0,
                4.0, 3.5, 2.5, 2.0, 2.0, 2.0, 2.5, 3.0, 3.0, 2.0, 1.0, 0.4),
    "lunch": (0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.6, 1.5, 2.5, 3.0, 3.5, 5.0,
              8.0, 7.0, 3.5, 2.5, 2.5, 3.0, 3.5, 4.0, 4.0, 3.0, 1.5, 0.6),
    "evening": (1.0, 0.5, 0.3, 0.2, 0.2, 0.3, 0.8, 1.5, 2.5, 3.0, 3.0, 3.5,
                5.0, 5.0, 3.5, 3.0, 3.0, 3.5, 4.0, 5.0, 7.0, 8.0, 6.0, 3.0),
    "night": (5.0, 4.0, 2.5, 1.2, 0.5, 0.3, 0.3, 0.6, 1.0, 1.5, 2.0, 2.5,
              3.5, 3.5, 2.5, 2.5, 2.5, 3.0, 3.5, 4.5, 6.0, 7.5, 8.0, 7.0),
}
# fmt: on
CHRONOTYPE_SHARES: dict[str, float] = {"morning": 0.15, "lunch": 0.20, "evening": 0.45, "night": 0.20}

# Do-not-disturb windows customers set, by chronotype (start, end; wraps midnight when start > end).
QUIET_HOURS: dict[str, tuple[tuple[time, time], ...]] = {
    "morning": ((time(21, 30), time(6, 30)), (time(22), time(7))),
    "lunch": ((time(22), time(8)), (time(12), time(13, 30))),
    "evening": ((time(23), time(8)), (time(22, 30), time(7, 30))),
    "night": ((time(2), time(10)), (time(1), time(9, 30))),
}

# Monday .. Sunday: weekends a little busier, Monday the quietest.
WEEKDAY_WEIGHTS = (0.92, 0.95, 0.97, 0.98, 1.03, 1.08, 1.07)
# January .. December, smoothed between month middles: New-Year gifting, spring tea, the 618
# season, a summer lull, Mid-Autumn gifting, Double 11.
MONTH_WEIGHTS = (1.15, 0.90, 1.05, 1.10, 1.00, 1.05, 0.85, 0.85, 1.05, 0.95, 1.15, 1.05)

# (channel, chance of opting in, chance of opting out); the rest never decided. Values are
# siyu.members.models.Channel. The official account is only asked of followers, SMS only of
# customers with a phone, and community-group customers say yes to group messages.
CONSENT: tuple[tuple[str, float, float], ...] = (
    ("subscribe_message", 0.60, 0.12),
    ("official_account", 0.75, 0.10),
    ("wecom", 0.35, 0.10),
    ("wecom_group", 0.28, 0.15),
    ("sms", 0.40, 0.25),
)

# Mainland regions customers live in: (province, city, districts, weight). Outlet cities are
# weighted up at run time, because outlets recruit locally.
REGIONS: tuple[tuple[str, str, tuple[str, ...], float], ...] = (
    ("上海市", "上海市", ("黄浦区", "徐汇区", "静安区", "浦东新区", "长宁区", "闵行区", "杨浦区"), 22),
    ("浙江省", "杭州市", ("西湖区", "上城区", "拱墅区", "滨江区", "余杭区"), 14),
    ("江苏省", "苏州市", ("姑苏区", "吴中区", "苏州工业园区"), 7),
    ("江苏省", "南京市", ("鼓楼区", "建邺区", "秦淮区"), 6),
    ("北京市", "北京市", ("朝阳区", "海淀区", "东城区", "西城区"), 10),
    ("广东省", "深圳市", ("南山区", "福田区", "宝安区"), 8),
    ("广东省", "广州市", ("天河区", "越秀区", "海珠区"), 6),
    ("四川省", "成都市", ("锦江区", "武侯区", "高新区"), 6),
    ("浙江省", "宁波市", ("鄞州区", "海曙区"), 4),
    ("湖北省", "武汉市", ("武昌区", "江汉区"), 4),
    ("福建省", "厦门市", ("思明区", "湖里区"), 3),
    ("陕西省", "西安市", ("雁塔区", "碑林区"), 3),
    ("山东省", "青岛市", ("市南区", "崂山区"), 3),
    ("重庆市", "重庆市", ("渝中区", "江北区"), 3),
)


@dataclass(frozen=True)
class SimulationParams:
    """Every knob of the simulation. Rates are per customer per day unless the name says otherwise."""

    sources: dict[str, SourceProfile] = field(default_factory=_default_sources)

    # --- acquisition ---
    # New-customer volume at the end of the run relative to its start (the brand is growing).
    growth: float = 1.0
    # Paid ads run in flights: ``ads_flight_days`` on, then the same again off at a tenth of the volume.
    ads_flight_days: int = 14
    # Official-account articles go out on these weekdays (0 = Monday) at 20:00; sign-ups decay
    # with this half-life after each one.
    article_weekdays: tuple[int, ...] = (1, 4)
    article_half_life_hours: float = 18.0
    # Live streams: weekly on these weekdays, 20:00-22:00, plus every festival day.
    live_weekdays: tuple[int, ...] = (4,)

    # --- purchasing: the BG/NBD story ---
    # While "alive", a customer buys as a Poisson process with rate lambda ~ Gamma(shape, mean);
    # a shape below 1 means most customers buy rarely and a few very often.
    rate_shape: float = 0.6
    rate_mean_per_day: float = 1 / 30
    # After each purchase the customer drops out with probability p ~ Beta with the source's mean;
    # the concentration a + b sets how much customers of one source differ from each other.
    dropout_concentration: float = 3.0
    # A first order outside the registration session comes after an exponential delay (days).
    first_order_delay_days: float = 9.0
    # Spend: each customer's mean order value ~ Gamma(customer_shape) around basket_value x the
    # source's multiplier; each order's value ~ Gamma(order_shape) around the customer's mean.
    basket_value_fen: int = 0  # 0 = 1.6 x the catalogue's median SKU price
    spend_shape_customer: float = 3.0
    spend_shape_order: float = 5.0
    # Category affinity: Dirichlet concentration per category (lower = more focused customers).
    affinity_concentration: float = 0.8
    # Share of orders from channels other than the customer's own source (reminders, groups, live).
    repeat_channel_mix: float = 0.6

    # --- orders ---
    cancel_rate: float = 0.07  # orders never paid (timeout or changed mind), as a share of all orders
    customer_cancel_share: float = 0.4  # of those, cancelled by the customer rather than by timeout
    refund_before_ship_rate: float = 0.015  # paid orders refunded in full before dispatch
    partial_refund_rate: float = 0.02  # some units of one line refunded after arrival
    return_rate: float = 0.012  # goods returned and the whole order refunded
    rejected_after_sale_rate: float = 0.008  # after-sale requests the merchant turned down
    first_order_coupon_fen: int = 1000  # new-customer coupon, on orders of at least twice that
    coupon_rate: float = 0.22  # ordinary days: share of orders using a coupon
    member_day: int = 18  # day of month of the brand's member day
    member_day_peak: float = 1.35
    member_day_discount: float = 0.08
    # Self-pickup: customers living in an outlet city are "near" an outlet with this chance
    # (outlet-acquired customers always are); near customers pick up this share of their orders.
    near_outlet_share: float = 0.45
    pickup_share: float = 0.55
    customer_confirms_receipt: float = 0.35  # the rest are confirmed automatically after N days

    # --- behaviour events ---
    # Sessions without an order per order (they carry the abandoned carts and most searches).
    browse_sessions_per_order: float = 0.6
    browse_cart_rate: float = 0.75  # browse sessions that end with an abandoned cart
    purchase_via_cart: float = 0.3  # orders placed through the cart (the rest: "buy now")
    # Repeat orders placed with "buy again" (再来一单) from the order list or a reminder's link:
    # straight to the product, no search, no looking around, no cart.
    reorder_share: float = 0.0
    # Registered customers who never buy: share who still show value behaviour (semi-private).
    semi_private_share: float = 0.75
    # Anonymous visitors (never log in) per registered customer, each with one or two sessions.
    anonymous_per_customer: float = 0.4

    # --- identities and consent ---
    unionid_share: float = 0.85
    follows_account_share: float = 0.40  # article readers always follow
    phone_share: float = 0.55  # outlet and referred customers more (x 1.4, capped)
    quiet_hours_share: float = 0.35
    second_address_share: float = 0.25
    device_shares: tuple[tuple[str, float], ...] = (("ios", 0.47), ("android", 0.51), ("pc", 0.02))

    promotions: tuple[Promotion, ...] = DEFAULT_PROMOTIONS
    weekday_weights: tuple[float, ...] = WEEKDAY_WEIGHTS
    month_weights: tuple[float, ...] = MONTH_WEIGHTS

    def __post_init__(self) -> None:
        total = sum(p.share for p in self.sources.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"source shares must add up to 1, not {total}")
        for name, p in self.sources.items():
            if not 0 < p.dropout_mean < 1 or not 0 <= p.buy_probability <= 1:
                raise ValueError(f"source {name}: probabilities must lie in (0, 1)")


# --- presets ----------------------------------------------------------------------------------------


def _loyal_sources() -> dict[str, SourceProfile]:
    # The same sources, weighted to where a membership brand recruits (its outlets, its groups and
    # its members' friends) rather than to bought clicks; every source converts and stays better,
    # because the programme (points, member day, 再来一单, group deals) gives people reasons to.
    return {
        ADS: SourceProfile(0.12, 0.45, 0.80, 0.19, 0.90, 0.30),
        ARTICLE: SourceProfile(0.10, 0.50, 0.90, 0.13, 1.00, 0.20),
        COMMUNITY: SourceProfile(0.22, 0.72, 1.25, 0.08, 0.85, 0.45),
        OUTLET: SourceProfile(0.22, 0.88, 1.35, 0.06, 1.10, 0.35),
        LIVE: SourceProfile(0.08, 0.62, 0.95, 0.15, 1.30, 0.65),
        REFERRAL: SourceProfile(0.18, 0.78, 1.25, 0.065, 1.00, 0.40),
        SEARCH: SourceProfile(0.08, 0.55, 1.00, 0.12, 1.00, 0.30),
    }


def loyal_params() -> SimulationParams:
    """A mature brand with a strong membership programme: most members come from its outlets,
    groups and referrals, buy again, and stay (``docs/simulator.md``, "Presets")."""
    return SimulationParams(
        sources=_loyal_sources(),
        growth=0.5,  # a mature brand: sign-ups still grow, more slowly
        first_order_delay_days=5.0,  # the new-member coupon expires within the week
        browse_sessions_per_order=0.25,  # reach is targeted: a visit from a reminder usually buys
        reorder_share=0.5,  # half the repeat orders are "buy again" of a staple
        anonymous_per_customer=0.25,  # less public traffic that never logs in
    )


PRESETS = {"default": SimulationParams, "loyal": loyal_params}


# --- catalogue roles and hints --------------------------------------------------------------------

# How strongly each product role pulls a choice, by situation: a first order, a repeat order, a
# browse session (what people look at without buying). Traffic drivers and trial packs convert
# (first orders love them, browsers barely linger); flagships are admired more than bought.
ROLE_WEIGHTS: dict[str, tuple[float, float, float]] = {
    "traffic_driver": (4.0, 1.0, 0.5),
    "new_customer_trial": (6.0, 0.0, 0.3),
    "flagship": (0.6, 1.3, 2.0),
    "hot_item": (2.0, 1.5, 1.5),
    "retention_staple": (1.0, 2.0, 0.8),
    "member_welfare": (0.5, 1.4, 1.0),
    "clearance": (0.8, 0.8, 0.8),
    "flash_sale": (1.2, 1.0, 1.2),
    "bundle": (0.4, 0.9, 1.2),
}

# Repurchase cycle (days) of a category, from words in its name; the first hint that matches wins.
# A category without a hint gets a cycle from its median price (cheap things run out sooner).
CATEGORY_CYCLE_HINTS: tuple[tuple[str, int], ...] = (
    ("礼", 150),
    ("器", 240),
    ("壶", 240),
    ("杯", 240),
    ("具", 240),
    ("冷泡", 21),
    ("花草", 28),
    ("茶", 35),
    ("坚果", 24),
    ("零食", 20),
    ("糕点", 18),
    ("果干", 24),
    ("蜜饯", 24),
    ("咖啡", 21),
)

# Seasonality of a product, from words in its name or keywords: month (1-12) -> demand multiplier.
SEASON_HINTS: tuple[tuple[str, dict[int, float]], ...] = (
    ("冷泡", {5: 1.6, 6: 2.4, 7: 2.8, 8: 2.6, 9: 1.4, 11: 0.5, 12: 0.4, 1: 0.4, 2: 0.5}),
    ("桂花", {9: 3.0, 10: 2.6, 11: 1.3}),
    ("中秋", {8: 2.0, 9: 4.5, 10: 0.4}),
    ("年货", {12: 2.0, 1: 4.0, 2: 1.5}),
    ("礼盒", {1: 2.2, 2: 1.3, 9: 2.2, 12: 1.4, 7: 0.6}),
    ("明前", {3: 3.0, 4: 2.6, 5: 1.3}),
    ("春茶", {3: 2.6, 4: 2.4, 5: 1.3}),
    ("红茶", {11: 1.3, 12: 1.4, 1: 1.4, 2: 1.3, 7: 0.8, 8: 0.8}),
    ("绿茶", {3: 1.5, 4: 1.6, 5: 1.4, 6: 1.2}),
    ("山核桃", {10: 1.6, 11: 1.8, 12: 1.6, 1: 1.8}),
)

# The catalogue a brand-new simulated merchant gets: {category: {subcategory: [product, ...]}}.
# Roles follow the product matrix: cheap traffic drivers with thin margins, high-margin flagships,
# low-price retention staples, seasonal items named so that SEASON_HINTS find them.
# fmt: off
# (name, keywords, [(spec, price in fen)], cost share of price, roles, popularity)
NewProduct = tuple[str, str, list[tuple[str, int]], float, tuple[str, ...], float]
NEW_CATALOGUE: dict[str, dict[str, list[NewProduct]]] = {
    "茶叶": {
        "绿茶": [
            ("明前西湖龙井", "龙井 明前 绿茶", [("50g", 12800), ("100g", 23800)], 0.40, ("flagship",), 5),
            ("安吉白茶", "白茶 绿茶", [("50g", 9800)], 0.45, (), 3),
            ("黄山毛峰 口粮装", "毛峰 口粮 绿茶", [("100g", 6800), ("250g", 15800)], 0.52,
             ("retention_staple",), 4),
            ("春茶尝鲜装", "春茶 新茶", [("3罐", 3900)], 0.70, ("traffic_driver",), 3),
        ],
        "红茶": [
            ("正山小种", "红茶 武夷", [("100g", 7800), ("250g", 17800)], 0.48, ("retention_staple",), 4),
            ("金骏眉", "红茶 高端", [("50g", 16800)], 0.38, ("flagship",), 3),
            ("滇红 口粮茶", "红茶 口粮", [("250g", 5900), ("500g", 10800)], 0.55,
             ("retention_staple", "hot_item"), 6),
        ],
        "乌龙茶": [
            ("铁观音 清香型", "乌龙 铁观音", [("125g", 7800)], 0.48, (), 3),
            ("武夷大红袍", "岩茶 乌龙", [("100g", 12800), ("200g", 23800)], 0.40, ("flagship",), 3),
            ("凤凰单丛 蜜兰香", "单丛 乌龙", [("100g", 9800)], 0.46, (), 2),
        ],
        "冷泡茶": [
            ("冷泡乌龙 三角包", "冷泡 三角包", [("10包", 990), ("30包", 2590)], 0.88,
             ("traffic_driver", "retention_staple"), 9),
            ("白桃乌龙 冷泡", "冷泡 白桃", [("10包", 1990)], 0.60, ("hot_item", "flash_sale"), 6),
            ("桂花乌龙 三角包", "桂花 乌龙", [("10包", 2290)], 0.58, (), 3),
            ("新人试饮装", "试饮 新人", [("6泡", 990)], 0.95, ("new_customer_trial", "traffic_driver"), 5),
        ],
    },
    "零食": {
        "坚果": [
            ("临安山核桃", "山核桃 坚果", [("250g", 3990), ("500g", 6990)], 0.58, ("hot_item",), 6),
            ("每日坚果", "每日坚果", [("7袋", 2990), ("30袋", 9900)], 0.62, ("retention_staple",), 6),
            ("茶香瓜子", "瓜子", [("500g", 1590)], 0.78, ("traffic_driver",), 5),
        ],
        "糕点": [
            ("龙井茶酥", "茶酥 糕点", [("8枚", 2890)], 0.55, (), 4),
            ("苏式桃酥", "桃酥 糕点", [("400g", 1990)], 0.58, ("retention_staple",), 3),
            ("桂花糕", "桂花 糕点", [("10枚", 1990)], 0.57, (), 2),
        ],
        "果干蜜饯": [
            ("芒果干", "芒果干 果干", [("250g", 1890), ("500g", 3490)], 0.60, ("flash_sale",), 4),
            ("九制话梅", "话梅 蜜饯", [("200g", 1290)], 0.62, ("retention_staple",), 3),
            ("十年陈皮", "陈皮 新会", [("100g", 8800)], 0.48, ("member_welfare",), 2),
        ],
    },
    "茶器": {
        "杯壶": [
            ("白瓷盖碗", "盖碗 茶具", [("150ml", 6800)], 0.40, (), 2),
            ("玻璃公道杯", "公道杯 茶具", [("300ml", 2980)], 0.45, (), 2),
            ("便携旅行茶具", "旅行 茶具", [("1壶2杯", 12800), ("1壶4杯", 16800)], 0.42, (), 2),
        ],
    },
    "礼盒": {
        "节礼": [
            ("西湖龙井礼盒", "龙井 礼盒", [("250g", 68800)], 0.45, ("bundle", "flagship"), 2),
            ("四季茶礼礼盒", "茶礼 礼盒", [("4罐", 29800)], 0.48, ("bundle",), 2),
            ("年货坚果礼盒", "年货 坚果 礼盒", [("1.6kg", 16800)], 0.60, ("bundle",), 2),
            ("中秋茶礼", "中秋 礼盒", [("2罐", 25800)], 0.47, ("bundle",), 2),
        ],
    },
}
# fmt: on

# Outlets a brand-new simulated merchant opens: (code, name, province, city, district, lat, lon).
NEW_OUTLETS: tuple[tuple[str, str, str, str, str, str, str], ...] = (
    ("SH-JA", "静安寺店", "上海市", "上海市", "静安区", "31.223490", "121.445810"),
    ("SH-XH", "徐家汇店", "上海市", "上海市", "徐汇区", "31.195370", "121.437050"),
    ("HZ-WL", "武林店", "浙江省", "杭州市", "拱墅区", "30.274080", "120.163230"),
    ("SZ-GS", "观前街店", "江苏省", "苏州市", "姑苏区", "31.311430", "120.621590"),
)
