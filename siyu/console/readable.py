"""Stored values as a person reads them: labelled keys, yuan for fen, 是/否, enum labels, weekdays.

Promotion configs, activity counters and audit entries are JSON the services wrote for machines;
the console shows them through these helpers so a page never prints a raw key, a Python repr or
an amount in fen. A key or value with no label here shows as stored (the console's readable-pages
test fails on it, which is the point: add the label).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.dates import WEEKDAYS
from django.utils.translation import get_language, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _

from siyu.core.money import format_yuan
from siyu.orders.couriers import courier_label


@dataclass(frozen=True)
class Punctuation:
    colon: str
    comma: str
    semicolon: str
    enum: str  # between the items of a list (、 in Chinese)


FULL_WIDTH = Punctuation("：", "，", "；", "、")
ASCII = Punctuation(": ", ", ", "; ", ", ")


def punct() -> Punctuation:
    """Chinese text takes full-width punctuation, other languages ASCII."""
    return FULL_WIDTH if (get_language() or "").startswith("zh") else ASCII


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def weekday(day: str) -> str:
    """``mon`` -> 星期一 (Django's own translated weekday names)."""
    return str(WEEKDAYS[DAYS.index(day)]) if day in DAYS else day


# Keys whose integer values are fen.
MONEY_KEYS = {
    "amount",
    "threshold",
    "reduce",
    "price",
    "fixed_price",
    "max_discount",
    "payable",
    "paid_amount",
    "refund_amount",
    "value",
    "min_spend",
    "deposit",
    "balance",
    "shipping_fee",
    "free_shipping_threshold",
}

# Keys whose basis points are the share of the price a customer pays (a discount, 8500 = 8.5折).
RATE_KEYS = {"rate_bp", "tier_rate_bp"}

KEY_LABELS: dict[str, Any] = {
    "basis": pgettext_lazy("promotion config", "Threshold on"),
    "repeat": pgettext_lazy("promotion config", "Repeats per threshold"),
    "tiers": pgettext_lazy("promotion config", "Tiers"),
    "threshold": pgettext_lazy("promotion config", "Threshold"),
    "reduce": pgettext_lazy("promotion config", "Off"),
    "gifts": pgettext_lazy("promotion config", "Gifts"),
    "sku_id": pgettext_lazy("promotion config", "SKU"),
    "sku_ids": pgettext_lazy("promotion config", "SKUs"),
    "quantity": pgettext_lazy("promotion config", "Quantity"),
    "price": pgettext_lazy("promotion config", "Price"),
    "fixed_price": pgettext_lazy("promotion config", "Fixed price"),
    "rate_bp": pgettext_lazy("promotion config", "Discount rate"),
    "tier_rate_bp": pgettext_lazy("promotion config", "Discount rate"),
    "max_discount": pgettext_lazy("promotion config", "Most off"),
    "max_quantity": pgettext_lazy("promotion config", "Most units"),
    "nth": pgettext_lazy("promotion config", "Nth unit"),
    "buy": pgettext_lazy("promotion config", "Buy"),
    "free": pgettext_lazy("promotion config", "Free"),
    "units": pgettext_lazy("promotion config", "Units"),
    "per_sku": pgettext_lazy("promotion config", "Per SKU"),
    "components": pgettext_lazy("promotion config", "Components"),
    "amount": pgettext_lazy("promotion config", "Amount"),
    "product_ids": pgettext_lazy("promotion config", "Products"),
    "category_ids": pgettext_lazy("promotion config", "Categories"),
    "roles": pgettext_lazy("promotion config", "Product roles"),
    "exclude_product_ids": pgettext_lazy("promotion config", "Except products"),
    "exclude_sku_ids": pgettext_lazy("promotion config", "Except SKUs"),
    "exclude_roles": pgettext_lazy("promotion config", "Except product roles"),
    "segments": pgettext_lazy("promotion config", "Segments"),
    "tags": pgettext_lazy("promotion config", "Tags"),
    "new_customers_only": pgettext_lazy("promotion config", "New customers only"),
    "returning_only": pgettext_lazy("promotion config", "Returning customers only"),
    "per_customer_limit": pgettext_lazy("promotion config", "Per customer"),
}

# Stored enum values a counter or config may hold, as words.
VALUE_LABELS: dict[str, Any] = {
    "amount": pgettext_lazy("promotion basis", "Amount spent"),
    "quantity": pgettext_lazy("promotion basis", "Units bought"),
    # Presale bookings
    "deposit_pending": gettext_lazy("Deposit unpaid"),
    "deposit_paid": gettext_lazy("Deposit paid"),
    "balance_pending": gettext_lazy("Balance unpaid"),
    "completed": pgettext_lazy("activity status", "Completed"),
    "cancelled": pgettext_lazy("activity status", "Cancelled"),
    "refunded": pgettext_lazy("activity status", "Refunded"),
    "forfeited": pgettext_lazy("activity status", "Forfeited"),
    # Draws, teams, assists
    "pending": pgettext_lazy("activity status", "Pending"),
    "drawn": pgettext_lazy("activity status", "Drawn"),
    "void": pgettext_lazy("activity status", "Void"),
    "returned": pgettext_lazy("activity status", "Returned"),
    "forming": pgettext_lazy("activity status", "Forming"),
    "filled": pgettext_lazy("activity status", "Filled"),
    "expired": pgettext_lazy("activity status", "Expired"),
    "ongoing": pgettext_lazy("activity status", "Ongoing"),
    "unlocked": pgettext_lazy("activity status", "Unlocked"),
    # Rewards and prizes
    "coupon": pgettext_lazy("reward", "Coupon"),
    "points": pgettext_lazy("reward", "Points"),
    "goods": pgettext_lazy("reward", "Goods"),
    "none": pgettext_lazy("reward", "Nothing"),
}


def label(key: str) -> str:
    text = KEY_LABELS.get(key) or VALUE_LABELS.get(key)
    return str(text) if text is not None else key


Names = Mapping[str, Mapping[int, str]]


def discount_text(bp: int) -> str:
    """A share of the price paid as merchants read it: 8500 -> 8.5折 in Chinese, 85% elsewhere."""
    if (get_language() or "").startswith("zh"):
        return f"{bp / 1000:g}折"
    return f"{bp / 100:g}%"


def _id_kind(key: str) -> str:
    """``exclude_product_ids`` -> ``product_id``: which table a key's ids name."""
    key = key.removeprefix("exclude_")
    return key[:-1] if key.endswith("_ids") else key


def value_text(value: Any, key: str = "", *, money: bool = True, names: Names | None = None) -> str:
    """One stored value as text; ``key`` says what it is (fen, basis points, a SKU id...), ``names``
    gives the words for ids by kind (``{"sku_id": {12: "龙井 250g LJ-1"}}``)."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, int):
        if key in RATE_KEYS:
            return discount_text(value)
        if key.endswith("_bp"):
            return f"{value / 100:g}%"
        named = (names or {}).get(_id_kind(key), {})
        if value in named:
            return named[value]
        if key in MONEY_KEYS and (money or key != "threshold"):  # a quantity basis counts units
            return format_yuan(value)
        return str(value)
    if isinstance(value, str):
        found = VALUE_LABELS.get(value)
        return str(found) if found is not None else value
    if isinstance(value, dict):
        if key in RATE_KEYS:  # {"gold": 9000}: a rate per member tier
            return punct().comma.join(f"{k} {value_text(v, key)}" for k, v in value.items())
        return pairs_text(value, money=money, names=names)
    if isinstance(value, list | tuple):
        if all(isinstance(v, dict) for v in value):
            return punct().semicolon.join(pairs_text(v, money=money, names=names) for v in value)
        inner = key[:-1] if key.endswith("s") else key  # sku_ids -> each a sku_id
        return punct().enum.join(value_text(v, inner, money=money, names=names) for v in value)
    return str(value)


def pairs_text(data: dict[str, Any], *, money: bool = True, names: Names | None = None) -> str:
    return punct().comma.join(
        f"{label(k)} {value_text(v, k, money=money, names=names)}" for k, v in data.items()
    )


def config_rows(config: dict[str, Any], names: Names | None = None) -> list[tuple[str, str]]:
    """A promotion's config as (label, text) rows; a quantity basis makes thresholds units, not fen."""
    money = config.get("basis") != "quantity"
    return [(label(k), value_text(v, k, money=money, names=names)) for k, v in sorted(config.items())]


def counts_text(counts: dict[str, Any]) -> str:
    """A nested counter, ``{"pending": 1, "drawn": 2}`` -> 待开奖 1，已开奖 2."""
    return punct().comma.join(f"{label(k)} {v}" for k, v in counts.items())


# The audit log: "noun.verb" actions and "app.model" object types, as words.
AUDIT_NOUNS: dict[str, Any] = {
    "order": pgettext_lazy("audit object", "Order"),
    "shipmentbatch": pgettext_lazy("audit object", "Batch shipping file"),
    "product": pgettext_lazy("audit object", "Product"),
    "sku": pgettext_lazy("audit object", "SKU"),
    "aftersale": pgettext_lazy("audit object", "After-sale"),
    "category": pgettext_lazy("audit object", "Category"),
    "stock": pgettext_lazy("audit object", "Stock"),
    "stocklevel": pgettext_lazy("audit object", "Stock"),
    "coupon": pgettext_lazy("audit object", "Coupon"),
    "coupontemplate": pgettext_lazy("audit object", "Coupon"),
    "promotion": pgettext_lazy("audit object", "Promotion"),
    "pricing_policy": pgettext_lazy("audit object", "Pricing policy"),
    "tag": pgettext_lazy("audit object", "Tag"),
    "tag_group": pgettext_lazy("audit object", "Tag group"),
    "taggroup": pgettext_lazy("audit object", "Tag group"),
    "tag_rule": pgettext_lazy("audit object", "Tag rule"),
    "tagrule": pgettext_lazy("audit object", "Tag rule"),
    "segment": pgettext_lazy("audit object", "Segment"),
    "staff": pgettext_lazy("audit object", "Staff member"),
    "token": pgettext_lazy("audit object", "API token"),
    "tier": pgettext_lazy("audit object", "Member tier"),
    "membertier": pgettext_lazy("audit object", "Member tier"),
    "loyalty": pgettext_lazy("audit object", "Membership"),
    "loyaltysettings": pgettext_lazy("audit object", "Membership"),
    "points": pgettext_lazy("audit object", "Points"),
    "growth": pgettext_lazy("audit object", "Growth"),
    "customer": pgettext_lazy("audit object", "Customer"),
    "merchant": pgettext_lazy("audit object", "Merchant"),
    "outlet": pgettext_lazy("audit object", "Outlet"),
    "import": pgettext_lazy("audit object", "Import"),
    "values": pgettext_lazy("audit object", "Value model"),
    "value_settings": pgettext_lazy("audit object", "Value model"),
    "flash_sale": pgettext_lazy("audit object", "Flash sale"),
    "flashsale": pgettext_lazy("audit object", "Flash sale"),
    "group_buy": pgettext_lazy("audit object", "Group buy"),
    "groupbuy": pgettext_lazy("audit object", "Group buy"),
    "bargain": pgettext_lazy("audit object", "Bargain"),
    "presale": pgettext_lazy("audit object", "Presale"),
    "assist": pgettext_lazy("audit object", "Assist"),
    "assistcampaign": pgettext_lazy("audit object", "Assist"),
    "split": pgettext_lazy("audit object", "Split coupon"),
    "splitcampaign": pgettext_lazy("audit object", "Split coupon"),
    "pay_lottery": pgettext_lazy("audit object", "Lottery"),
    "blind_box": pgettext_lazy("audit object", "Blind box"),
    "drawcampaign": pgettext_lazy("audit object", "Lottery or blind box"),
    "freighttemplate": pgettext_lazy("audit object", "Freight template"),
}
AUDIT_VERBS: dict[str, Any] = {
    "create": pgettext_lazy("audit verb", "created"),
    "update": pgettext_lazy("audit verb", "edited"),
    "status": pgettext_lazy("audit verb", "status changed"),
    "delete": pgettext_lazy("audit verb", "deleted"),
    "ship": pgettext_lazy("audit verb", "shipped"),
    "batch_ship": pgettext_lazy("audit verb", "shipped from a file"),
    "adjust_price": pgettext_lazy("audit verb", "price changed"),
    "mark": pgettext_lazy("audit verb", "remark or flag set"),
    "verify_pickup": pgettext_lazy("audit verb", "pickup verified"),
    "approve": pgettext_lazy("audit verb", "approved"),
    "reject": pgettext_lazy("audit verb", "rejected"),
    "goods_returned": pgettext_lazy("audit verb", "goods received back"),
    "add": pgettext_lazy("audit verb", "given to customers"),
    "remove": pgettext_lazy("audit verb", "taken from customers"),
    "run": pgettext_lazy("audit verb", "run"),
    "codes": pgettext_lazy("audit verb", "codes generated"),
    "issue": pgettext_lazy("audit verb", "issued"),
    "issue_coupon": pgettext_lazy("audit verb", "coupons issued"),
    "settings": pgettext_lazy("audit verb", "settings changed"),
    "set": pgettext_lazy("audit verb", "set"),
    "merge": pgettext_lazy("audit verb", "merged"),
    "note": pgettext_lazy("audit verb", "note added"),
    "adjust": pgettext_lazy("audit verb", "adjusted"),
    "cancel": pgettext_lazy("audit verb", "cancelled"),
    "export": pgettext_lazy("audit verb", "exported"),
    "snapshot": pgettext_lazy("audit verb", "snapshot taken"),
    "password": pgettext_lazy("audit verb", "password changed"),
    "locked_out": pgettext_lazy("audit verb", "locked out"),
    "revoke": pgettext_lazy("audit verb", "revoked"),
    "recompute": pgettext_lazy("audit verb", "recomputed"),
    "prizes": pgettext_lazy("audit verb", "prizes changed"),
    "pause": pgettext_lazy("audit verb", "paused"),
    "resume": pgettext_lazy("audit verb", "resumed"),
    "end": pgettext_lazy("audit verb", "ended"),
    "add_skus": pgettext_lazy("audit verb", "SKUs added"),
    "transactions": pgettext_lazy("audit verb", "transactions imported"),
    "customers": pgettext_lazy("audit verb", "customers imported"),
    "products": pgettext_lazy("audit verb", "products imported"),
}
# The fields of an audit entry worth reading in the table; the whole entry is in the row's title.
AUDIT_FIELDS: dict[str, Any] = {
    "status": pgettext_lazy("audit field", "Status"),
    "carrier": pgettext_lazy("audit field", "Carrier"),
    "tracking_number": pgettext_lazy("audit field", "Tracking number"),
    "payable": pgettext_lazy("audit field", "Payable"),
    "reason": pgettext_lazy("audit field", "Reason"),
    "name": pgettext_lazy("audit field", "Name"),
    "title": pgettext_lazy("audit field", "Title"),
    "username": pgettext_lazy("audit field", "Username"),
    "code": pgettext_lazy("audit field", "Code"),
    "on_hand": pgettext_lazy("audit field", "On hand"),
    "amount": pgettext_lazy("audit field", "Amount"),
    "price": pgettext_lazy("audit field", "Price"),
    "quantity": pgettext_lazy("audit field", "Quantity"),
    "count": pgettext_lazy("audit field", "Count"),
    "issued": pgettext_lazy("audit field", "Issued"),
    "member_count": pgettext_lazy("audit field", "Customers"),
    "enabled": pgettext_lazy("audit field", "Enabled"),
    "is_active": pgettext_lazy("audit field", "Active"),
}


def audit_action(action: str) -> str:
    """``order.ship`` -> 订单 发货; an action with no words shows as written."""
    noun, _dot, verb = action.partition(".")
    if noun in AUDIT_NOUNS and verb in AUDIT_VERBS:
        return f"{AUDIT_NOUNS[noun]} {AUDIT_VERBS[verb]}"
    return action


def audit_object(object_type: str) -> str:
    """``orders.order`` -> 订单."""
    model = object_type.rpartition(".")[2]
    found = AUDIT_NOUNS.get(model)
    return str(found) if found is not None else object_type


def audit_changes(before: Any, after: Any, status_labels: dict[str, Any]) -> list[tuple[str, str]]:
    """The readable fields of an entry as (label, "before → after" or "after") rows, and how many
    other fields changed (their values are in the entry's title, for whoever needs the detail)."""
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    rows: list[tuple[str, str]] = []

    def text(key: str, value: Any) -> str:
        if key == "status" and isinstance(value, str):
            return str(status_labels.get(value) or VALUE_LABELS.get(value) or value)
        if key == "carrier" and isinstance(value, str):
            return courier_label(value)
        return value_text(value, key)

    for key in [k for k in AUDIT_FIELDS if k in before or k in after]:
        old, new = before.get(key), after.get(key)
        if key in before and key in after:
            rows.append((str(AUDIT_FIELDS[key]), f"{text(key, old)} → {text(key, new)}"))
        else:
            rows.append((str(AUDIT_FIELDS[key]), text(key, new if key in after else old)))
    others = len((set(before) | set(after)) - set(AUDIT_FIELDS))
    if others:
        rows.append((_("Other fields"), str(others)))
    return rows


PERM_LABELS: dict[str, Any] = {
    "catalog.view": pgettext_lazy("permission", "View products"),
    "catalog.edit": pgettext_lazy("permission", "Edit products"),
    "inventory.view": pgettext_lazy("permission", "View stock"),
    "inventory.edit": pgettext_lazy("permission", "Edit stock"),
    "orders.view": pgettext_lazy("permission", "View orders"),
    "orders.fulfil": pgettext_lazy("permission", "Ship and cancel orders"),
    "orders.verify_pickup": pgettext_lazy("permission", "Verify pickups"),
    "aftersales.handle": pgettext_lazy("permission", "Handle after-sales"),
    "customers.view": pgettext_lazy("permission", "View customers"),
    "customers.edit": pgettext_lazy("permission", "Edit customers"),
    "customers.assign_guide": pgettext_lazy("permission", "Assign customers to guides"),
    "outlets.view": pgettext_lazy("permission", "View outlets"),
    "outlets.edit": pgettext_lazy("permission", "Edit outlets"),
    "staff.manage": pgettext_lazy("permission", "Manage staff"),
    "audit.view": pgettext_lazy("permission", "View the audit log"),
    "analytics.view": pgettext_lazy("permission", "View analytics"),
    "promotions.view": pgettext_lazy("permission", "View marketing"),
    "promotions.edit": pgettext_lazy("permission", "Run marketing"),
    "merchant.edit": pgettext_lazy("permission", "Edit merchant settings"),
    "customers.view_phone": pgettext_lazy("permission", "See full phone numbers"),
    "orders.adjust_price": pgettext_lazy("permission", "Adjust prices of unpaid orders"),
    "members.edit": pgettext_lazy("permission", "Edit membership"),
    "storefront.edit": pgettext_lazy("permission", "Decorate the shop"),
    "freight.edit": pgettext_lazy("permission", "Edit freight templates"),
    "reach.view": pgettext_lazy("permission", "View reach: channels, templates, broadcasts"),
    "reach.send": pgettext_lazy("permission", "Send messages and broadcasts"),
}

GATEWAY_LABELS: dict[str, Any] = {
    "sandbox": pgettext_lazy("payment gateway", "Sandbox payment"),
    "wechat": pgettext_lazy("payment gateway", "WeChat Pay"),
    "wechatpay": pgettext_lazy("payment gateway", "WeChat Pay"),
    "alipay": pgettext_lazy("payment gateway", "Alipay"),
    "import": pgettext_lazy("payment gateway", "Imported"),
}
