"""Customer login, profile, consent and addresses."""

from __future__ import annotations

from ninja import Field, Router, Schema

from siyu.api.auth import CustomerBearer, ShopRequest, ShopVisitor
from siyu.api.errors import ErrorOut
from siyu.api.schemas import AddressIn, AddressOut, CustomerOut, MerchantSlug, ObjectId, OkOut, ProfileIn
from siyu.api.serializers import customer_dict
from siyu.members import services
from siyu.members.models import Address, Channel
from siyu.tenancy import throttle

router = Router(tags=["shop: account"])


class LoginIn(Schema):
    code: str = Field(..., min_length=1, max_length=128, description="The code from wx.login()")
    source: str = Field("unknown", max_length=16)
    campaign: str = Field("", max_length=64)
    referrer_id: int | None = Field(None, ge=1, le=2**62)
    # Not "..._id": it names a device, not a row (the tenant-isolation test reads *_id as row ids).
    visitor: str = Field(
        "", max_length=64, description="The anonymous_id events were sent under before login: attaches them"
    )


class LoginOut(Schema):
    token: str
    customer_id: int
    is_new: bool


@router.post(
    "/auth/login",
    response={200: LoginOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 429: ErrorOut, 503: ErrorOut},
    auth=ShopVisitor(),
)
@throttle.guard(throttle.CUSTOMER_LOGIN)
def login(request: ShopRequest, merchant: MerchantSlug, payload: LoginIn):
    """Exchange a mini-program login code for a Siyu customer token (registers on first login)."""
    result = services.login_with_code(
        merchant=request.merchant,
        code=payload.code,
        source=payload.source,
        campaign=payload.campaign,
        referrer_id=payload.referrer_id,
        anonymous_id=payload.visitor,
    )
    return {"token": result.token, "customer_id": result.customer.pk, "is_new": result.created}


def _me(request: ShopRequest):
    return customer_dict(request.customer)


@router.get("/me", response=CustomerOut, auth=CustomerBearer())
def get_me(request: ShopRequest, merchant: MerchantSlug):
    return _me(request)


@router.patch("/me", response={200: CustomerOut, 400: ErrorOut}, auth=CustomerBearer())
def update_me(request: ShopRequest, merchant: MerchantSlug, payload: ProfileIn):
    services.update_profile(customer=request.customer, **payload.dict(exclude_unset=True))
    return _me(request)


class PhoneIn(Schema):
    phone: str = Field(..., min_length=6, max_length=20, pattern=r"^\d+$")
    visitor: str = Field("", max_length=64, description="The anonymous_id to attach, as at login")


@router.post("/me/phone", response={200: CustomerOut, 400: ErrorOut, 409: ErrorOut}, auth=CustomerBearer())
def bind_phone(request: ShopRequest, merchant: MerchantSlug, payload: PhoneIn):
    services.bind_phone(customer=request.customer, phone=payload.phone, anonymous_id=payload.visitor)
    return _me(request)


class PreferenceIn(Schema):
    opted_in: bool


@router.put(
    "/me/contact-preferences/{channel}", response={200: CustomerOut, 400: ErrorOut}, auth=CustomerBearer()
)
def set_contact_preference(
    request: ShopRequest, merchant: MerchantSlug, channel: Channel, payload: PreferenceIn
):
    services.set_contact_preference(customer=request.customer, channel=channel, opted_in=payload.opted_in)
    return _me(request)


@router.get("/addresses", response=list[AddressOut], auth=CustomerBearer())
def list_addresses(request: ShopRequest, merchant: MerchantSlug):
    return list(Address.objects.filter(customer=request.customer))


@router.post("/addresses", response={201: AddressOut, 400: ErrorOut}, auth=CustomerBearer())
def create_address(request: ShopRequest, merchant: MerchantSlug, payload: AddressIn):
    return 201, services.save_address(customer=request.customer, **payload.dict())


@router.put(
    "/addresses/{address_id}", response={200: AddressOut, 400: ErrorOut, 404: ErrorOut}, auth=CustomerBearer()
)
def update_address(request: ShopRequest, merchant: MerchantSlug, address_id: ObjectId, payload: AddressIn):
    return services.save_address(customer=request.customer, address_id=address_id, **payload.dict())


@router.delete("/addresses/{address_id}", response={200: OkOut, 404: ErrorOut}, auth=CustomerBearer())
def delete_address(request: ShopRequest, merchant: MerchantSlug, address_id: ObjectId):
    services.delete_address(customer=request.customer, address_id=address_id)
    return {"ok": True}
