"""Rewards the playbooks owe: the customer's own, and the staff list (pending ones need issuing)."""

from __future__ import annotations

from ninja import Query, Router

from siyu.api.auth import CustomerBearer, ShopRequest, StaffRequest, staff_auth
from siyu.api.errors import ErrorOut
from siyu.api.pagination import Page, PageParams, paginate
from siyu.api.promotions.campaigns.schemas import CampaignRewardFilter, CampaignRewardOut
from siyu.api.schemas import MerchantSlug
from siyu.promotions.campaigns.models import CampaignReward
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import require

shop_router = Router(tags=["shop: campaigns"], auth=CustomerBearer())
admin_router = Router(tags=["admin: campaigns"], auth=staff_auth)


@admin_router.get("/campaigns/rewards", response={200: Page[CampaignRewardOut], 403: ErrorOut})
def list_rewards(request: StaffRequest, filters: Query[CampaignRewardFilter], page: Query[PageParams]):
    require(request.staff, Perm.PROMOTIONS_VIEW)
    qs = CampaignReward.objects.for_merchant(request.staff.merchant_id)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return paginate(qs, page)


@shop_router.get("/campaigns/rewards", response=Page[CampaignRewardOut])
def my_rewards(
    request: ShopRequest,
    merchant: MerchantSlug,
    filters: Query[CampaignRewardFilter],
    page: Query[PageParams],
):
    qs = CampaignReward.objects.for_merchant(request.customer.merchant_id).filter(customer=request.customer)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return paginate(qs, page)
