"""The console's left navigation: modules and their pages, each shown only with its permission.

A later issue adds a page by adding a ``Page`` here (and its URL in ``urls.py``); the marketing
module lists its pages the same way (``MARKETING_PAGES``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from siyu.console.access import can
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm


@dataclass(frozen=True)
class Page:
    url_name: str
    label: str | Promise
    perm: Perm


@dataclass(frozen=True)
class Module:
    key: str
    label: str | Promise
    icon: str  # one character drawn in the nav's icon square
    pages: tuple[Page, ...]


NAV: tuple[Module, ...] = (
    Module("overview", _("Overview"), "概", (Page("console:overview", _("Overview"), Perm.ANALYTICS_VIEW),)),
    Module(
        "products",
        _("Products"),
        "商",
        (
            Page("console:products", _("Products"), Perm.CATALOG_VIEW),
            Page("console:categories", _("Categories"), Perm.CATALOG_VIEW),
            Page("console:media", _("Image library"), Perm.CATALOG_VIEW),
            Page("console:stock", _("Stock"), Perm.INVENTORY_VIEW),
        ),
    ),
    Module(
        "orders",
        _("Orders"),
        "订",
        (
            Page("console:orders", _("Orders"), Perm.ORDERS_VIEW),
            Page("console:pickup", _("Pickup verification"), Perm.PICKUP_VERIFY),
            Page("console:after_sales", _("After-sales"), Perm.ORDERS_VIEW),
            Page("console:freight", _("Freight templates"), Perm.CATALOG_VIEW),
        ),
    ),
    Module(
        "customers",
        _("Customers"),
        "客",
        (
            Page("console:customers", _("Customers"), Perm.CUSTOMERS_VIEW),
            Page("console:customer_tags", _("Tags"), Perm.CUSTOMERS_VIEW),
            Page("console:segments", _("Segments"), Perm.CUSTOMERS_VIEW),
            Page("console:customer_values", _("Value models"), Perm.CUSTOMERS_VIEW),
        ),
    ),
    Module(
        "members",
        _("Members"),
        "会",
        (
            Page("console:members", _("Member list"), Perm.CUSTOMERS_VIEW),
            Page("console:member_tiers", _("Member tiers"), Perm.CUSTOMERS_VIEW),
            Page("console:member_settings", _("Points and growth rules"), Perm.CUSTOMERS_VIEW),
        ),
    ),
    Module(
        "marketing",
        _("Marketing"),
        "营",
        (Page("console:marketing", pgettext_lazy("marketing", "Overview"), Perm.PROMOTIONS_VIEW),),
    ),
    Module(
        "decoration",
        _("Shop decoration"),
        "装",
        (Page("console:decoration", _("Shop decoration"), Perm.CATALOG_VIEW),),
    ),
    Module(
        "wechat",
        _("WeChat"),
        "微",
        (
            Page("console:wechat_replies", _("Auto-replies"), Perm.PROMOTIONS_VIEW),
            Page("console:wechat_qrcodes", _("Channel QR codes"), Perm.PROMOTIONS_VIEW),
            Page("console:wechat_reconciliation", _("Pay reconciliation"), Perm.ORDERS_VIEW),
            Page("console:wecom_tags", _("WeCom customer tags"), Perm.CUSTOMERS_VIEW),
            Page("console:wecom_groups", _("WeCom customer groups"), Perm.CUSTOMERS_VIEW),
            Page("console:wecom_contact_ways", _("Contact ways"), Perm.PROMOTIONS_VIEW),
            Page("console:wecom_members", _("WeCom members"), Perm.STAFF_MANAGE),
            Page("console:wecom_transfers", _("Customer transfer"), Perm.CUSTOMERS_ASSIGN_GUIDE),
            Page("console:wechat_menu", _("Official account menu"), Perm.CATALOG_VIEW),
        ),
    ),
    Module(
        "reach",
        _("Reach"),
        "触",
        (
            Page("console:reach_broadcasts", _("Broadcasts"), Perm.REACH_VIEW),
            Page("console:reach_templates", _("Message templates"), Perm.REACH_VIEW),
            Page("console:reach_channels", _("Channels"), Perm.REACH_VIEW),
            Page("console:reach_in_doubt", _("Messages in doubt"), Perm.REACH_VIEW),
        ),
    ),
    Module("outlets", _("Outlets"), "店", (Page("console:outlets", _("Outlets"), Perm.OUTLETS_VIEW),)),
    Module(
        "settings",
        _("Settings"),
        "设",
        (
            Page("console:merchant", _("Merchant"), Perm.MERCHANT_EDIT),
            Page("console:staff", _("Staff and roles"), Perm.STAFF_MANAGE),
            Page("console:wechat_accounts", _("WeChat accounts"), Perm.MERCHANT_EDIT),
            Page("console:audit", _("Audit log"), Perm.AUDIT_VIEW),
        ),
    ),
)

# Pages of the marketing module (coupons, promotions, activities) as the promotions issue lands:
# each appears on the marketing page and in the nav for staff with its permission.
MARKETING_PAGES: tuple[Page, ...] = (
    Page("console:coupons", _("Coupons"), Perm.PROMOTIONS_VIEW),
    Page("console:promotions", pgettext_lazy("price rules", "Promotions"), Perm.PROMOTIONS_VIEW),
    Page("console:activities", _("Activities"), Perm.PROMOTIONS_VIEW),
    Page("console:pricing_policy", _("Pricing policy"), Perm.PROMOTIONS_VIEW),
)


@dataclass(frozen=True)
class NavLink:
    url: str
    label: str | Promise
    active: bool


@dataclass(frozen=True)
class NavModule:
    key: str
    label: str | Promise
    icon: str
    url: str
    active: bool
    links: list[NavLink]


def navigation(staff: Staff, active: str, current_url_name: str) -> list[NavModule]:
    """The modules ``staff`` may open, each with the pages it may open; no queries."""
    result = []
    for module in NAV:
        pages = [p for p in module.pages if can(staff, p.perm)]
        if module.key == "marketing":
            pages += [p for p in MARKETING_PAGES if can(staff, p.perm)]
        if not pages:
            continue
        links = [NavLink(reverse(p.url_name), p.label, p.url_name == current_url_name) for p in pages]
        result.append(
            NavModule(module.key, module.label, module.icon, links[0].url, module.key == active, links)
        )
    return result


def home_url(staff: Staff) -> str | None:
    """The first page ``staff`` may open: where the console starts for their role."""
    for module in NAV:
        for page in module.pages:
            if can(staff, page.perm):
                return reverse(page.url_name)
    return None
