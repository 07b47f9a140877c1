"""The mini-program's subscribe-message answers: ``/api/v1/shop/{merchant}/reach/subscriptions``.

After ``wx.requestSubscribeMessage({tmplIds})`` the mini-program POSTs what the customer answered,
``{"results": {tmplId: "accept" | "reject" | "ban" | "filter"}}`` (WeChat's own keys and values);
each "accept" is one more send of that template (siyu/reach/channels/subscribe.py spends them).
Which templates are long-term (常驻, any number of sends) is the merchant's setting (the
subscribe-message channel's ``config["long_term_template_ids"]``), never the client's word.
GET lists the customer's grants.
"""

from __future__ import annotations

from ninja import Field, Router, Schema

from siyu.api.auth import CustomerBearer, ShopRequest
from siyu.api.errors import ErrorOut
from siyu.api.schemas import MerchantSlug
from siyu.members.models import Channel
from siyu.reach.models import ChannelSetting, SubscriptionGrant
from siyu.reach.services import record_subscription_grants

router = Router(tags=["shop: reach"], auth=CustomerBearer())

MAX_TEMPLATES = 20


class SubscriptionsIn(Schema):
    results: dict[str, str] = Field(..., max_length=MAX_TEMPLATES)


class GrantOut(Schema):
    template_id: str
    remaining: int
    long_term: bool


class GrantsOut(Schema):
    grants: list[GrantOut]


def _grants(customer) -> dict:
    rows = SubscriptionGrant.objects.filter(merchant_id=customer.merchant_id, customer=customer).order_by(
        "template_id"
    )
    return {
        "grants": [
            {"template_id": g.template_id, "remaining": g.remaining, "long_term": g.long_term} for g in rows
        ]
    }


def _long_term_ids(merchant_id: int) -> list[str]:
    setting = ChannelSetting.objects.filter(
        merchant_id=merchant_id, channel=Channel.SUBSCRIBE_MESSAGE
    ).first()
    ids = (setting.config if setting else {}).get("long_term_template_ids") or []
    return [str(i) for i in ids] if isinstance(ids, list) else []


@router.post("/reach/subscriptions", response={200: GrantsOut, 400: ErrorOut})
def record_subscriptions(request: ShopRequest, merchant: MerchantSlug, payload: SubscriptionsIn):
    customer = request.customer
    record_subscription_grants(
        customer=customer, results=payload.results, long_term_ids=_long_term_ids(customer.merchant_id)
    )
    return _grants(customer)


@router.get("/reach/subscriptions", response=GrantsOut)
def list_subscriptions(request: ShopRequest, merchant: MerchantSlug):
    return _grants(request.customer)
