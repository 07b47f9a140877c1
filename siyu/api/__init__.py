"""The HTTP API: ``/api/v1/shop/<merchant>/...`` for customers, ``/api/v1/admin/...`` for staff."""

from __future__ import annotations

from ninja import NinjaAPI

from siyu.api import payments
from siyu.api.admin import catalog as admin_catalog
from siyu.api.admin import orders as admin_orders
from siyu.api.admin import people as admin_people
from siyu.api.errors import install_error_handlers
from siyu.api.shop import account as shop_account
from siyu.api.shop import catalog as shop_catalog
from siyu.api.shop import orders as shop_orders

api = NinjaAPI(
    title="Siyu API",
    version="1",
    description="Private-domain commerce: the shop API for mini-programs and the admin API for staff. "
    "Money is integer fen. Errors are {code, message, detail}; send Accept-Language: en for English.",
    urls_namespace="api-v1",
)
install_error_handlers(api)

api.add_router("/shop/{merchant}/", shop_catalog.router)
api.add_router("/shop/{merchant}/", shop_account.router)
api.add_router("/shop/{merchant}/", shop_orders.router)
api.add_router("/admin/", admin_people.router)
api.add_router("/admin/", admin_catalog.router)
api.add_router("/admin/", admin_orders.router)
api.add_router("/payments/", payments.router)
