"""Labels for rules, coupons and refusals in Chinese and English: "满300减50", "¥50.00 off over ¥300.00".

Money people read is ``format_yuan``'s: "¥92.10", always two decimals, in labels, reasons and hints
alike. Only the bare figures of a promotion's name ("满300减50", "满99.90包邮") drop whole yuan's ".00"
(``yuan``), the way shops write those names.
"""

from __future__ import annotations

from siyu.core.money import format_yuan
from siyu.promotions.engine.types import (
    FULL_RATE,
    ActivityKind,
    ActivityPrice,
    AddOnOffer,
    Basis,
    Bundle,
    BuyNGetM,
    Coupon,
    CouponKind,
    FreeShipping,
    LimitedTimeDiscount,
    MemberPrice,
    NthItemDiscount,
    Promotion,
    Tier,
    TieredPromotion,
)

Label = tuple[str, str]  # (zh, en)


def yuan(fen: int) -> str:
    """Fen as the bare figure of a promotion's name: 30000 -> '300', 990 -> '9.90', 5 -> '0.05'."""
    return format_yuan(fen).removeprefix("¥").removesuffix(".00")


def zhe(rate_bp: int) -> str:
    """A pay rate in Chinese 折: 8500 -> '8.5折', 5000 -> '5折'."""
    whole, part = divmod(rate_bp, 1000)
    text = str(whole) if part == 0 else f"{whole}.{part:03d}".rstrip("0")
    return f"{text}折"


def percent_off(rate_bp: int) -> str:
    """A pay rate as English percent off: 8500 -> '15% off'."""
    off = FULL_RATE - rate_bp
    whole, part = divmod(off, 100)
    text = str(whole) if part == 0 else f"{whole}.{part:02d}".rstrip("0")
    return f"{text}% off"


_CN_ORDINAL = {2: "二", 3: "三", 4: "四", 5: "五"}
_EN_ORDINAL = {1: "1st", 2: "2nd", 3: "3rd"}
_ACTIVITY: dict[ActivityKind, Label] = {
    ActivityKind.FLASH_SALE: ("秒杀价", "Flash sale price"),
    ActivityKind.GROUP_BUY: ("拼团价", "Group-buy price"),
    ActivityKind.BARGAIN: ("砍价价", "Bargain price"),
    ActivityKind.BLIND_BOX: ("盲盒价", "Blind box price"),
    ActivityKind.PRESALE_DEPOSIT: ("预售定金", "Presale deposit"),
    ActivityKind.PRESALE_BALANCE: ("预售尾款", "Presale balance"),
}


def _threshold(basis: Basis, threshold: int) -> Label:
    if threshold == 0:
        return "无门槛", "on any order"
    if basis is Basis.QUANTITY:
        return f"满{threshold}件", f"{threshold}+ items"
    return f"满{yuan(threshold)}", f"over {format_yuan(threshold)}"


def tier_label(rule: TieredPromotion, tier: Tier) -> Label:
    """'满300减50', '每满300减50', '满2件8折', '满300送赠品' and their English."""
    cond_zh, cond_en = _threshold(rule.basis, tier.threshold)
    if rule.repeat and (tier.reduce or tier.gifts) and tier.threshold:
        cond_zh, cond_en = (
            "每" + cond_zh,
            ("every " + cond_en.removeprefix("over ")).replace("+ items", " items"),
        )
    zh_parts, en_parts = [], []
    if tier.rate_bp < FULL_RATE:
        # "满2件9折" reads well; "满3009折" does not: "满300打9折".
        zh_parts.append(("打" if rule.basis is Basis.AMOUNT and tier.threshold else "") + zhe(tier.rate_bp))
        en_parts.append(percent_off(tier.rate_bp))
    if tier.reduce:
        zh_parts.append(f"减{yuan(tier.reduce)}")
        en_parts.append(f"{format_yuan(tier.reduce)} off")
    if tier.gifts:
        zh_parts.append("送赠品")
        en_parts.append("free gift")
    return cond_zh + "".join(zh_parts), f"{' + '.join(en_parts) or 'reward'} {cond_en}"


_KINDS: dict[type, str] = {
    LimitedTimeDiscount: "limited_time_discount",
    MemberPrice: "member_price",
    NthItemDiscount: "nth_item_discount",
    BuyNGetM: "buy_n_get_m",
    Bundle: "bundle",
    TieredPromotion: "tiered",
    AddOnOffer: "add_on",
    FreeShipping: "free_shipping",
}


def kind_of(rule: Promotion) -> str:
    """A rule's kind as reported in ``Applied.kind`` (activities report theirs: "flash_sale"...)."""
    if isinstance(rule, ActivityPrice):
        return str(rule.kind)
    return _KINDS[type(rule)]


def rule_label(rule: Promotion) -> Label:
    """The generic label of a rule (tiered rules are labelled per tier with ``tier_label``)."""
    zh, en = _generic_label(rule)
    if rule.title:
        return f"{rule.title}: {zh}", f"{rule.title}: {en}"
    return zh, en


def _generic_label(rule: Promotion) -> Label:
    match rule:
        case ActivityPrice():
            zh, en = _ACTIVITY[rule.kind]
            return f"{zh}{format_yuan(rule.price)}", f"{en} {format_yuan(rule.price)}"
        case LimitedTimeDiscount(fixed_price=int() as price):
            return f"限时价{format_yuan(price)}", f"Limited-time price {format_yuan(price)}"
        case LimitedTimeDiscount():
            rate = rule.rate_bp if rule.rate_bp is not None else FULL_RATE
            return f"限时{zhe(rate)}", f"Limited-time {percent_off(rate)}"
        case MemberPrice():
            return "会员价", "Member price"
        case NthItemDiscount():
            return _nth_label(rule)
        case BuyNGetM():
            return f"买{rule.buy}送{rule.free}", f"Buy {rule.buy} get {rule.free} free"
        case Bundle():
            return f"套餐价{format_yuan(rule.price)}", f"Bundle price {format_yuan(rule.price)}"
        case TieredPromotion():
            return tier_label(rule, rule.tiers[0]) if rule.tiers else ("满减", "Spend and save")
        case AddOnOffer():
            name = rule.name or f"SKU {rule.sku_id}"
            return f"加{format_yuan(rule.price)}换购{name}", f"Add {name} for {format_yuan(rule.price)}"
        case FreeShipping():
            cond_zh, cond_en = _threshold(rule.basis, rule.threshold)
            return f"{cond_zh}包邮", f"Free shipping {cond_en}"
    raise TypeError(f"not a promotion: {rule!r}")


def _nth_label(rule: NthItemDiscount) -> Label:
    ordinal_en = _EN_ORDINAL.get(rule.nth, f"{rule.nth}th")
    if rule.rate_bp == FULL_RATE // 2:
        zh_reward, en_reward = "半价", "half price"
    elif rule.rate_bp == 0:
        zh_reward, en_reward = "免费", "free"
    else:
        zh_reward, en_reward = zhe(rule.rate_bp), percent_off(rule.rate_bp)
    ordinal_zh = _CN_ORDINAL.get(rule.nth, str(rule.nth))
    return f"第{ordinal_zh}件{zh_reward}", f"{ordinal_en} item {en_reward}"


def coupon_label(coupon: Coupon) -> Label:
    """'满200减20券', '8.5折券(最高减¥50.00)', '运费券' and their English."""
    cond_zh = f"满{yuan(coupon.threshold)}" if coupon.threshold else ""
    cond_en = f" over {format_yuan(coupon.threshold)}" if coupon.threshold else ""
    if coupon.kind is CouponKind.AMOUNT:
        zh = f"{cond_zh or '无门槛'}减{yuan(coupon.amount)}券"
        en = f"{format_yuan(coupon.amount)} off{cond_en} coupon"
    elif coupon.kind is CouponKind.PERCENT:
        cap_zh = f"(最高减{format_yuan(coupon.max_discount)})" if coupon.max_discount is not None else ""
        cap_en = f" (up to {format_yuan(coupon.max_discount)})" if coupon.max_discount is not None else ""
        zh = f"{cond_zh}{'打' if cond_zh else ''}{zhe(coupon.rate_bp)}券{cap_zh}"
        en = f"{percent_off(coupon.rate_bp)}{cond_en} coupon{cap_en}"
    elif coupon.amount:
        zh = f"{cond_zh}运费减{yuan(coupon.amount)}券"
        en = f"{format_yuan(coupon.amount)} off shipping{cond_en}"
    else:
        zh, en = f"{cond_zh}免运费券", f"Free shipping coupon{cond_en}"
    if coupon.title:
        return f"{coupon.title}: {zh}", f"{coupon.title}: {en}"
    return zh, en


# Reasons a rule or coupon did nothing. Format fields: gap (money as format_yuan writes it, or a number
# of items), other (a rule/coupon id).
REASONS: dict[str, Label] = {
    "not_started": ("活动未开始", "not started yet"),
    "expired": ("已过期", "expired"),
    "new_customers_only": ("仅限新客", "new customers only"),
    "returning_only": ("仅限老客", "returning customers only"),
    "tier": ("会员等级不符", "not for this member tier"),
    "segment": ("不在适用人群内", "not for this customer group"),
    "tag": ("不在适用人群内", "not for this customer group"),
    "out_of_scope": ("购物车中没有适用商品", "no goods in the cart it applies to"),
    "not_stackable": (
        "适用商品已享其他优惠, 不可叠加",
        "its goods already have a promotion it cannot stack with",
    ),
    "below_threshold": ("还差{gap}达到门槛", "{gap} short of the threshold"),
    "below_quantity": ("还差{gap}件达到门槛", "{gap} more items needed"),
    "no_shipping_fee": ("本单无运费", "this order has no shipping fee"),
    "at_floor": ("商品已是最低价, 无法再优惠", "prices are already at their minimum"),
    "no_saving": ("没有更低的价格", "does not lower the price"),
    "exclusive": ("与更优惠的{other}互斥", "exclusive with the better {other}"),
    "conflict": ("不能与已选的{other}同时使用", "cannot be combined with the chosen {other}"),
    "limit": ("每单可用券数已满", "the order's coupon limit is reached"),
    "worse": ("已为您选择更优惠的组合", "a better combination was chosen"),
    "not_selected": ("未选择", "not selected"),
    "unknown": ("不是您持有的券", "not one of your coupons"),
    "gift_out_of_stock": ("赠品已送完", "the gift is out of stock"),
    "not_chosen": ("未选择加购", "not picked"),
}


def reason(code: str, *, gap: str = "", other: str = "") -> Label:
    zh, en = REASONS[code]
    return zh.format(gap=gap, other=other), en.format(gap=gap, other=other)
