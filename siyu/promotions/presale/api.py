"""Presales: the customer routes (``shop_router``, under /api/v1/shop/{merchant}/) and the staff
routes (``admin_router``, under /api/v1/admin/)."""

from __future__ import annotations

from ninja import Router

from siyu.api.auth import CustomerBearer, staff_auth

shop_router = Router(tags=["shop: presale"], auth=CustomerBearer())
admin_router = Router(tags=["admin: presale"], auth=staff_auth)
