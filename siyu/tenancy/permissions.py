"""What each staff role may do. One table, read by the API and the console alike."""

from __future__ import annotations

from enum import StrEnum

from siyu.tenancy.models import Role


class Perm(StrEnum):
    CATALOG_VIEW = "catalog.view"
    CATALOG_EDIT = "catalog.edit"
    INVENTORY_VIEW = "inventory.view"
    INVENTORY_EDIT = "inventory.edit"
    ORDERS_VIEW = "orders.view"
    ORDERS_FULFIL = "orders.fulfil"
    ORDERS_ADJUST_PRICE = "orders.adjust_price"  # 改价 before payment, within the floor
    PICKUP_VERIFY = "orders.verify_pickup"
    AFTERSALES_HANDLE = "aftersales.handle"
    CUSTOMERS_VIEW = "customers.view"
    CUSTOMERS_EDIT = "customers.edit"
    CUSTOMERS_VIEW_PHONE = "customers.view_phone"  # may reveal full phone numbers (audited); docs/guides.md
    CUSTOMERS_ASSIGN_GUIDE = "customers.assign_guide"  # bind customers to a guide (专属导购), move, unbind
    OUTLETS_VIEW = "outlets.view"
    OUTLETS_EDIT = "outlets.edit"
    STAFF_MANAGE = "staff.manage"
    AUDIT_VIEW = "audit.view"
    ANALYTICS_VIEW = "analytics.view"
    PROMOTIONS_VIEW = "promotions.view"
    PROMOTIONS_EDIT = "promotions.edit"  # coupons, promotions and activities: create, issue, pause, end
    MERCHANT_EDIT = "merchant.edit"
    MEMBERS_EDIT = "members.edit"  # membership settings, tiers, points and growth rules, adjustments
    STOREFRONT_EDIT = "storefront.edit"  # shop decoration: home and custom pages
    FREIGHT_EDIT = "freight.edit"  # freight templates
    REACH_VIEW = "reach.view"  # 触达: channels, templates, broadcasts, send reports, message history
    REACH_SEND = "reach.send"  # templates and broadcasts: create, send, pause, cancel


_VIEW_ALL = {p for p in Perm if p.value.endswith(".view")}

ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    Role.OWNER: frozenset(Perm),
    Role.OPERATOR: frozenset(
        _VIEW_ALL
        | {
            Perm.CATALOG_EDIT,
            Perm.INVENTORY_EDIT,
            Perm.ORDERS_FULFIL,
            Perm.PICKUP_VERIFY,
            Perm.AFTERSALES_HANDLE,
            Perm.CUSTOMERS_EDIT,
            Perm.OUTLETS_EDIT,
            Perm.PROMOTIONS_EDIT,
            Perm.CUSTOMERS_VIEW_PHONE,
            Perm.CUSTOMERS_ASSIGN_GUIDE,
            Perm.ORDERS_ADJUST_PRICE,
            Perm.MEMBERS_EDIT,
            Perm.STOREFRONT_EDIT,
            Perm.FREIGHT_EDIT,
            Perm.REACH_SEND,
        }
    ),
    Role.GUIDE: frozenset({Perm.CATALOG_VIEW, Perm.ORDERS_VIEW, Perm.CUSTOMERS_VIEW, Perm.CUSTOMERS_EDIT}),
    Role.SERVICE: frozenset(
        {Perm.CATALOG_VIEW, Perm.ORDERS_VIEW, Perm.AFTERSALES_HANDLE, Perm.CUSTOMERS_VIEW, Perm.OUTLETS_VIEW}
    ),
    Role.ANALYST: frozenset(_VIEW_ALL - {Perm.AUDIT_VIEW}),
    Role.OUTLET_MANAGER: frozenset(
        {
            Perm.CATALOG_VIEW,
            Perm.INVENTORY_VIEW,
            Perm.INVENTORY_EDIT,
            Perm.ORDERS_VIEW,
            Perm.PICKUP_VERIFY,
            Perm.OUTLETS_VIEW,
            # The customers bound to their outlets' guides only (siyu/members/scope.py).
            Perm.CUSTOMERS_VIEW,
        }
    ),
}


def role_has(role: str, perm: Perm) -> bool:
    return perm in ROLE_PERMISSIONS.get(role, frozenset())
