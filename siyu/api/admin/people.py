"""Staff API for customers, outlets, staff and the audit log."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q
from ninja import Field, Query, Router, Schema

from siyu.api.auth import StaffRequest, staff_auth
from siyu.api.errors import ErrorOut
from siyu.api.pagination import Page, PageParams, paginate
from siyu.api.schemas import CustomerOut, ObjectId, OutletOut, ProfileIn
from siyu.api.serializers import customer_dict
from siyu.core.ids import token_digest
from siyu.members.models import Customer
from siyu.members.privacy import mask_phone, reveal_customer_phone
from siyu.members.scope import customers_visible_to, visible_customer
from siyu.members.services import MAX_BULK_BIND, bind_guide, bind_guides, update_profile
from siyu.tenancy import services as tenancy
from siyu.tenancy import throttle
from siyu.tenancy.errors import NotAuthenticated
from siyu.tenancy.models import AuditEntry, Outlet, Role, Staff, StaffToken
from siyu.tenancy.permissions import ROLE_PERMISSIONS, Perm
from siyu.tenancy.services import create_staff, require

router = Router(tags=["admin: people"], auth=staff_auth)
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class MeOut(Schema):
    staff_id: int
    display_name: str
    role: str
    merchant: str
    merchant_name: str
    permissions: list[str]
    outlet_ids: list[int]


@router.get("/me", response=MeOut)
def me(request: StaffRequest):
    staff = request.staff
    return {
        "staff_id": staff.pk,
        "display_name": staff.display_name,
        "role": staff.role,
        "merchant": staff.merchant.slug,
        "merchant_name": staff.merchant.name,
        "permissions": sorted(p.value for p in ROLE_PERMISSIONS[staff.role]),
        "outlet_ids": sorted(staff.outlets.values_list("id", flat=True)),
    }


def _customers(request: StaffRequest):
    """The customers the caller may see (a guide: their own; ``siyu/members/scope.py``)."""
    return customers_visible_to(request.staff).prefetch_related("contact_preferences")


def _customer(request: StaffRequest, customer_id: int) -> Customer:
    """A customer in the caller's scope; any other id is a 404, whether it exists or not."""
    return visible_customer(request.staff, customer_id, _customers(request))


class StaffCustomerOut(CustomerOut):
    """A customer as staff read them: the phone masked (138****1234; ``reveal-phone`` for the
    number), and the shopping guide they are bound to."""

    guide_id: int | None
    guide_bound_at: datetime | None


def _staff_customer(customer: Customer) -> dict:
    data = customer_dict(customer)
    data["phone"] = mask_phone(customer.phone) or None
    data["guide_id"] = customer.guide_id
    data["guide_bound_at"] = customer.guide_bound_at
    return data


class CustomerFilter(Schema):
    q: str = Field("", max_length=64, description="Nickname or phone")
    source: str | None = Field(None, max_length=16)
    guide_id: ObjectId | None = Field(None, description="Only the customers bound to this guide")
    unbound: bool = Field(False, description="Only the customers without a guide")


@router.get("/customers", response={200: Page[StaffCustomerOut], 403: ErrorOut})
def list_customers(request: StaffRequest, filters: Query[CustomerFilter], page: Query[PageParams]):
    """The customers the caller may see: a guide their own, an outlet manager their guides'."""
    require(request.staff, Perm.CUSTOMERS_VIEW)
    qs = _customers(request).filter(merged_into__isnull=True)  # a merged customer is part of its survivor
    if filters.q.strip():
        qs = qs.filter(Q(nickname__icontains=filters.q.strip()) | Q(phone=filters.q.strip()))
    if filters.source:
        qs = qs.filter(first_touch_source=filters.source)
    if filters.guide_id:
        qs = qs.filter(guide_id=filters.guide_id)
    if filters.unbound:
        qs = qs.filter(guide__isnull=True)
    return paginate(qs, page, _staff_customer)


@router.get("/customers/{customer_id}", response={200: StaffCustomerOut, 403: ErrorOut, 404: ErrorOut})
def get_customer(request: StaffRequest, customer_id: ObjectId):
    require(request.staff, Perm.CUSTOMERS_VIEW)
    return _staff_customer(_customer(request, customer_id))


@router.patch("/customers/{customer_id}", response={200: StaffCustomerOut, **ERRORS})
def update_customer(request: StaffRequest, customer_id: ObjectId, payload: ProfileIn):
    require(request.staff, Perm.CUSTOMERS_EDIT)
    customer = _customer(request, customer_id)
    update_profile(customer=customer, acting_staff=request.staff, **payload.dict(exclude_unset=True))
    return _staff_customer(_customer(request, customer_id))


class PhoneOut(Schema):
    customer_id: int
    phone: str


@router.post("/customers/{customer_id}/reveal-phone", response={200: PhoneOut, 403: ErrorOut, 404: ErrorOut})
def reveal_phone(request: StaffRequest, customer_id: ObjectId):
    """The customer's full number (``customers.view_phone``); audited as ``customer.phone_revealed``."""
    customer = reveal_customer_phone(staff=request.staff, customer_id=customer_id)
    return {"customer_id": customer.pk, "phone": customer.phone or ""}


class GuideIn(Schema):
    guide_id: ObjectId | None = Field(..., description="The guide's staff id; null unbinds the customer")


@router.put("/customers/{customer_id}/guide", response={200: StaffCustomerOut, **ERRORS})
def set_guide(request: StaffRequest, customer_id: ObjectId, payload: GuideIn):
    """Bind the customer to a shopping guide (专属导购), move them, or unbind them; audited."""
    bind_guide(staff=request.staff, customer_id=customer_id, guide_id=payload.guide_id)
    return _staff_customer(_customer(request, customer_id))


class GuideBulkIn(Schema):
    customer_ids: list[ObjectId] = Field(..., min_length=1, max_length=MAX_BULK_BIND)
    guide_id: ObjectId | None


class GuideBulkOut(Schema):
    changed: int


@router.post("/guide-assignments", response={200: GuideBulkOut, **ERRORS})
def set_guide_bulk(request: StaffRequest, payload: GuideBulkIn):
    """Bind many customers to one guide (or unbind them), all or nothing; ``changed`` counts those
    whose guide changed."""
    n = bind_guides(staff=request.staff, customer_ids=payload.customer_ids, guide_id=payload.guide_id)
    return {"changed": n}


@router.get("/outlets", response={200: list[OutletOut], 403: ErrorOut})
def list_outlets(request: StaffRequest):
    require(request.staff, Perm.OUTLETS_VIEW)
    return list(Outlet.objects.for_merchant(request.staff.merchant_id))


class OutletIn(Schema):
    code: str = Field(..., min_length=1, max_length=32)
    name: str = Field(..., min_length=1, max_length=100)
    province: str = Field("", max_length=32)
    city: str = Field("", max_length=32)
    district: str = Field("", max_length=32)
    address: str = Field("", max_length=200)
    phone: str = Field("", max_length=32)
    opening_hours: dict[str, list[list[str]]] = Field(default_factory=dict)
    supports_pickup: bool = True
    is_active: bool = True


@router.post("/outlets", response={201: OutletOut, **ERRORS})
def create_outlet(request: StaffRequest, payload: OutletIn):
    """Open an outlet; a code already used at this merchant is refused (400, ``detail.code``)."""
    return 201, tenancy.create_outlet(staff=request.staff, **payload.dict())


class OutletPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    address: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=32)
    opening_hours: dict[str, list[list[str]]] | None = None
    supports_pickup: bool | None = None
    is_active: bool | None = None


@router.patch("/outlets/{outlet_id}", response={200: OutletOut, **ERRORS})
def update_outlet(request: StaffRequest, outlet_id: ObjectId, payload: OutletPatch):
    """Change an outlet; staff limited to some outlets may change only theirs."""
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    return tenancy.update_outlet(staff=request.staff, outlet_id=outlet_id, **changes)


class StaffOut(Schema):
    id: int
    username: str
    display_name: str
    role: str
    is_active: bool
    outlet_ids: list[int]


def _staff_row(s: Staff) -> dict:
    return {
        "id": s.pk,
        "username": s.user.username,
        "display_name": s.display_name,
        "role": s.role,
        "is_active": s.is_active,
        "outlet_ids": sorted(o.pk for o in s.outlets.all()),
    }


@router.get("/staff", response={200: list[StaffOut], 403: ErrorOut})
def list_staff(request: StaffRequest):
    require(request.staff, Perm.STAFF_MANAGE)
    rows = (
        Staff.objects.for_merchant(request.staff.merchant_id)
        .select_related("user")
        .prefetch_related("outlets")
    )
    return [_staff_row(s) for s in rows]


class StaffIn(Schema):
    username: str = Field(..., min_length=3, max_length=64, pattern=r"^[\w.@+-]+$")
    password: str = Field(..., min_length=8, max_length=128)
    display_name: str = Field(..., min_length=1, max_length=64)
    role: Role
    outlet_ids: list[ObjectId] = Field(default_factory=list, max_length=100)


@router.post("/staff", response={201: StaffOut, **ERRORS})
def add_staff(request: StaffRequest, payload: StaffIn):
    staff = create_staff(
        merchant=request.staff.merchant,
        username=payload.username,
        password=payload.password,
        role=payload.role,
        display_name=payload.display_name,
        outlet_ids=payload.outlet_ids,
        acting_staff=request.staff,
    )
    return 201, _staff_row(Staff.objects.select_related("user").prefetch_related("outlets").get(pk=staff.pk))


class AuditOut(Schema):
    id: int
    staff_id: int | None
    action: str
    object_type: str
    object_id: str
    before: dict | None
    after: dict | None
    created_at: datetime


class AuditFilter(Schema):
    object_type: str | None = Field(None, max_length=64)
    object_id: str | None = Field(None, max_length=64)
    staff_id: ObjectId | None = None


@router.get("/audit", response={200: Page[AuditOut], 403: ErrorOut})
def list_audit(request: StaffRequest, filters: Query[AuditFilter], page: Query[PageParams]):
    require(request.staff, Perm.AUDIT_VIEW)
    qs = AuditEntry.objects.for_merchant(request.staff.merchant_id)
    if filters.object_type:
        qs = qs.filter(object_type=filters.object_type)
    if filters.object_id:
        qs = qs.filter(object_id=filters.object_id)
    if filters.staff_id:
        qs = qs.filter(staff_id=filters.staff_id)
    return paginate(qs, page)


class TokenIn(Schema):
    username: str = Field(..., min_length=1, max_length=150)
    password: str = Field(..., min_length=1, max_length=128)
    merchant: str | None = Field(
        None, max_length=64, description="Merchant slug, if the user works for several"
    )


class TokenOut(Schema):
    token: str
    staff_id: int
    merchant: str
    role: str
    expires_at: datetime


def _token_out(staff: Staff, token: str) -> dict:
    row = StaffToken.objects.get(digest=token_digest(token))
    return {
        "token": token,
        "staff_id": staff.pk,
        "merchant": staff.merchant.slug,
        "role": staff.role,
        "expires_at": row.expires_at,
    }


@router.post("/auth/token", response={201: TokenOut, 401: ErrorOut, 429: ErrorOut}, auth=None)
def issue_token(request: StaffRequest, payload: TokenIn):
    """Log in with username and password and receive a bearer token for the admin API.

    The token lasts ``SIYU_STAFF_TOKEN_DAYS`` (30 by default) or until the password changes. Repeated
    wrong passwords lock the username and the address out for a while (429 with ``Retry-After``).
    """
    from django.contrib.auth import authenticate

    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None:
        throttle.refuse_locked_login(request, payload.username)
    qs = Staff.objects.select_related("merchant", "user").filter(
        user=user, is_active=True, merchant__is_active=True
    )
    if payload.merchant:
        qs = qs.filter(merchant__slug=payload.merchant)
    staff = qs.order_by("id").first() if user is not None else None
    if staff is None:
        raise NotAuthenticated()
    return 201, _token_out(staff, tenancy.issue_staff_token(staff=staff, name="api-login"))


class StaffTokenOut(Schema):
    id: int
    name: str
    created_at: datetime
    expires_at: datetime
    current: bool = Field(..., description="The token this request was made with")


@router.get("/auth/tokens", response=list[StaffTokenOut])
def list_tokens(request: StaffRequest):
    """My API tokens at this merchant that still work (not expired, not revoked, same password)."""
    current = getattr(request, "token_digest", None)
    return [
        {
            "id": t.pk,
            "name": t.name,
            "created_at": t.created_at,
            "expires_at": t.expires_at,
            "current": t.digest == current,
        }
        for t in tenancy.staff_tokens(staff=request.staff)
    ]


@router.delete("/auth/tokens/{token_id}", response={204: None, 404: ErrorOut})
def revoke_token(request: StaffRequest, token_id: ObjectId):
    """Revoke one of my tokens (say, of a lost laptop); it stops working at once. Audited."""
    tenancy.revoke_staff_token(staff=request.staff, token_id=token_id)
    return 204, None


class PasswordIn(Schema):
    old_password: str = Field(..., min_length=1, max_length=128)
    new_password: str = Field(..., min_length=8, max_length=128)


@router.post("/auth/password", response={201: TokenOut, 400: ErrorOut})
def change_password(request: StaffRequest, payload: PasswordIn):
    """Change my password. Every token I hold (at any merchant) is revoked, the one used here too:
    the answer carries a new one."""
    staff = request.staff
    tenancy.change_password(staff=staff, old_password=payload.old_password, new_password=payload.new_password)
    return 201, _token_out(staff, tenancy.issue_staff_token(staff=staff, name="api-login"))
