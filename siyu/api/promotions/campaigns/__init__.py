"""Assists, splits, lotteries and blind boxes: the customer routes (``shop_router``, under
/api/v1/shop/{merchant}/) and the staff routes (``admin_router``, under /api/v1/admin/)."""

from __future__ import annotations

from ninja import Router

from siyu.api.auth import CustomerBearer, staff_auth
from siyu.api.promotions.campaigns import assist, draws, rewards, split

shop_router = Router(tags=["shop: campaigns"], auth=CustomerBearer())
admin_router = Router(tags=["admin: campaigns"], auth=staff_auth)

for _module in (assist, split, draws, rewards):
    shop_router.add_router("", _module.shop_router)
    admin_router.add_router("", _module.admin_router)
