"""Use cases of members: login, identities, profile, consent, addresses, tokens.

Identity resolution across channels (an anonymous visitor's history, two customers sharing a
unionid) is ``siyu.events.identity``; login and phone binding call it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from siyu.core.errors import InvalidInput, NotFound
from siyu.core.ids import new_token, token_digest
from siyu.events import identity
from siyu.events.errors import MergeConflict
from siyu.events.models import LinkVia
from siyu.freight.addresses import address_region
from siyu.members import hooks
from siyu.members.errors import CustomerBlocked, NotAGuide, PhoneInUse
from siyu.members.login import exchanger_for
from siyu.members.models import (
    Address,
    BindingSource,
    Channel,
    ContactPreference,
    Customer,
    CustomerIdentity,
    CustomerToken,
    Gender,
    GuideBinding,
    IdentityKind,
    Source,
)
from siyu.members.scope import visible_customer, visible_customer_ids
from siyu.tenancy.models import Merchant, Role, Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import record_audit, require, snapshot

log = logging.getLogger(__name__)

CUSTOMER_TOKEN_TTL = timedelta(days=30)


@dataclass(frozen=True)
class LoginResult:
    customer: Customer
    token: str
    created: bool


def _find_by_identity(merchant: Merchant, kind: str, value: str) -> Customer | None:
    row = (
        CustomerIdentity.objects.for_merchant(merchant)
        .select_related("customer")
        .filter(kind=kind, value=value)
        .first()
    )
    return row.customer if row else None


def _attach_identity(customer: Customer, kind: str, value: str) -> None:
    CustomerIdentity.objects.get_or_create(
        merchant_id=customer.merchant_id, kind=kind, value=value, defaults={"customer": customer}
    )


def login_with_code(
    *,
    merchant: Merchant,
    code: str,
    source: str = Source.UNKNOWN,
    campaign: str = "",
    referrer_id: int | None = None,
    anonymous_id: str = "",
) -> LoginResult:
    """Log a customer in with a mini-program login code, registering them on first sight.

    The openid names the customer; a unionid already known (say from the official account) joins
    this openid to that customer instead of creating a new one, and a unionid held by another
    customer merges the newer of the two into the older. ``anonymous_id`` (the device id the
    visitor's events were sent under) attaches that visitor's history to the customer.
    """
    session = exchanger_for(merchant).code_to_session(code)
    return _log_in(
        merchant,
        IdentityKind.MP_OPENID,
        session.openid,
        session.unionid,
        source=source,
        campaign=campaign,
        referrer_id=referrer_id,
        anonymous_id=anonymous_id,
    )


def login_official_account(
    *,
    merchant: Merchant,
    oa_openid: str,
    unionid: str | None = None,
    source: str = Source.ARTICLE,
    campaign: str = "",
    referrer_id: int | None = None,
    anonymous_id: str = "",
) -> LoginResult:
    """Log in (or register) the follower an official-account OAuth or event names by openid.

    The caller has verified the openid with WeChat (web OAuth ``sns/oauth2/access_token`` or a
    signed event push). A unionid shared with a mini-program customer makes them one customer.
    ``referrer_id`` is the customer whose share link the visitor came by (web login on the H5).
    """
    oa_openid = oa_openid.strip()
    if not oa_openid or len(oa_openid) > 128:
        raise InvalidInput(detail={"oa_openid": oa_openid[:130]})
    return _log_in(
        merchant,
        IdentityKind.OA_OPENID,
        oa_openid,
        (unionid or "").strip()[:128] or None,
        source=source,
        campaign=campaign,
        referrer_id=referrer_id,
        anonymous_id=anonymous_id,
    )


def recognise_official_account_follower(
    *,
    merchant: Merchant,
    oa_openid: str,
    unionid: str | None = None,
    source: str = Source.UNKNOWN,
    campaign: str = "",
) -> tuple[Customer, bool]:
    """The customer a signed official-account push names by openid, registered on first sight.

    Like ``login_official_account`` but no session: nobody is logging in, WeChat is telling us
    that someone followed (``siyu/wechat/oa``). A blocked customer is still recognised (a follow is
    a fact), and a new one gets ``source``/``campaign`` as first touch. Returns (customer, created).
    """
    oa_openid = oa_openid.strip()
    if not oa_openid or len(oa_openid) > 128:
        raise InvalidInput(detail={"oa_openid": oa_openid[:130]})
    unionid = (unionid or "").strip()[:128] or None
    for _attempt in range(3):
        try:
            with transaction.atomic():
                customer, created = _upsert_wx_customer(
                    merchant, IdentityKind.OA_OPENID, oa_openid, unionid, source, campaign, None
                )
                if created:
                    hooks.customer_registered(customer)
                return customer, created
        except IntegrityError:
            continue  # a concurrent push registered the same openid first; the next pass finds it
    raise IntegrityError("could not register customer after retries")


def _log_in(
    merchant: Merchant,
    kind: str,
    openid: str,
    unionid: str | None,
    *,
    source: str,
    campaign: str,
    referrer_id: int | None,
    anonymous_id: str,
) -> LoginResult:
    for _attempt in range(3):
        try:
            with transaction.atomic():
                customer, created = _upsert_wx_customer(
                    merchant, kind, openid, unionid, source, campaign, referrer_id
                )
                if customer.is_blocked:
                    raise CustomerBlocked()
                if created:
                    hooks.customer_registered(customer)
                if anonymous_id:
                    identity.link_visitor(customer=customer, anonymous_id=anonymous_id, via=LinkVia.LOGIN)
                return LoginResult(customer=customer, token=issue_customer_token(customer), created=created)
        except IntegrityError:
            # A concurrent login registered the same openid first; the next pass finds it.
            continue
    raise IntegrityError("could not register customer after retries")


def _upsert_wx_customer(
    merchant: Merchant,
    kind: str,
    openid: str,
    unionid: str | None,
    source: str,
    campaign: str,
    referrer_id: int | None,
) -> tuple[Customer, bool]:
    customer = _find_by_identity(merchant, kind, openid)
    if customer is not None:
        return (_settle_unionid(customer, unionid) if unionid else customer), False
    if unionid:
        customer = _find_by_identity(merchant, IdentityKind.UNIONID, unionid)
        if customer is not None:
            _attach_identity(customer, kind, openid)
            return customer, False
    if source not in Source.values:
        source = Source.UNKNOWN
    referrer = Customer.objects.for_merchant(merchant).filter(pk=referrer_id).first() if referrer_id else None
    now = timezone.now()
    first_source = Source.REFERRAL if referrer else source
    customer = Customer.objects.create(
        merchant=merchant,
        registered_at=now,
        first_touch_source=first_source,
        first_touch_campaign=campaign[:64],
        first_touch_at=now if first_source != Source.UNKNOWN else None,
        referrer=referrer,
    )
    CustomerIdentity.objects.create(merchant=merchant, customer=customer, kind=kind, value=openid)
    if unionid:
        CustomerIdentity.objects.create(
            merchant=merchant, customer=customer, kind=IdentityKind.UNIONID, value=unionid
        )
    return customer, True


def _settle_unionid(customer: Customer, unionid: str) -> Customer:
    """The customer now known to hold ``unionid``: attach it, or merge with the customer who has it.

    Returns the customer to log in: the older of the two when they merged. A merge that a unique
    rule refuses (``MergeConflict``) leaves both as they were and logs in the one found by openid.
    """
    owner = _find_by_identity(customer.merchant, IdentityKind.UNIONID, unionid)
    if owner is None:
        _attach_identity(customer, IdentityKind.UNIONID, unionid)
        return customer
    if owner.pk == customer.pk:
        return customer
    survivor, merged = identity.older_first(owner, customer)
    try:
        with transaction.atomic():
            identity.merge_customers(survivor=survivor, merged=merged, reason="unionid")
    except MergeConflict as exc:
        log.warning(
            "unionid %s: customers %s and %s not merged: %s", unionid, owner.pk, customer.pk, exc.detail
        )
        return customer
    survivor.refresh_from_db()
    return survivor


def issue_customer_token(customer: Customer) -> str:
    token = new_token("cus")
    CustomerToken.objects.create(
        merchant_id=customer.merchant_id,
        customer=customer,
        digest=token_digest(token),
        expires_at=timezone.now() + CUSTOMER_TOKEN_TTL,
    )
    return token


def customer_for_token(token: str) -> Customer | None:
    row = (
        CustomerToken.objects.select_related("customer__merchant")
        .filter(digest=token_digest(token), expires_at__gt=timezone.now(), customer__is_blocked=False)
        .first()
    )
    return row.customer if row else None


@transaction.atomic
def bind_phone(*, customer: Customer, phone: str, anonymous_id: str = "") -> Customer:
    """Record the customer's phone (from WeChat's getPhoneNumber) as profile field and identity.

    ``anonymous_id`` attaches the history of the device the binding was made on (as login does).
    """
    phone = phone.strip()
    if not phone.isdigit() or not 6 <= len(phone) <= 20:
        raise InvalidInput(detail={"phone": phone})
    anonymous_id = identity.clean_anonymous_id(anonymous_id)
    owner = _find_by_identity(customer.merchant, IdentityKind.PHONE, phone)
    if owner is not None and owner.pk != customer.pk:
        raise PhoneInUse()
    CustomerIdentity.objects.filter(customer=customer, kind=IdentityKind.PHONE).exclude(value=phone).delete()
    _attach_identity(customer, IdentityKind.PHONE, phone)
    customer.phone = phone
    customer.save(update_fields=["phone"])
    if anonymous_id:
        identity.link_visitor(customer=customer, anonymous_id=anonymous_id, via=LinkVia.PHONE)
    return customer


TEXT_FIELDS = {"nickname", "avatar_url", "province", "city", "district"}
PROFILE_FIELDS = ["nickname", "avatar_url", "gender", "birthday", "province", "city", "district"]


def _validate_profile(changes: dict[str, Any]) -> None:
    """Refuse what the columns cannot hold; ``None`` clears a text field (normalised by the caller)."""
    unknown = set(changes) - set(PROFILE_FIELDS) - {"quiet_hours_start", "quiet_hours_end"}
    if unknown:
        raise InvalidInput(detail={"unknown_fields": sorted(unknown)})
    if "gender" in changes and changes["gender"] not in Gender.values:
        raise InvalidInput(detail={"gender": changes["gender"]})
    birthday = changes.get("birthday")
    if birthday is not None and (not isinstance(birthday, date) or birthday > timezone.localdate()):
        raise InvalidInput(detail={"birthday": str(birthday)})
    for key in ("quiet_hours_start", "quiet_hours_end"):
        value = changes.get(key)
        if value is not None and (not isinstance(value, time) or value.tzinfo is not None):
            raise InvalidInput(detail={key: str(value)})


@transaction.atomic
def update_profile(*, customer: Customer, acting_staff: Staff | None = None, **changes: Any) -> Customer:
    if acting_staff is not None:
        require(acting_staff, Perm.CUSTOMERS_EDIT)
    changes = {k: ("" if v is None and k in TEXT_FIELDS else v) for k, v in changes.items()}
    if changes.get("gender", Gender.UNKNOWN) is None:
        changes["gender"] = Gender.UNKNOWN
    _validate_profile(changes)
    fields = [*PROFILE_FIELDS, "quiet_hours_start", "quiet_hours_end"]
    before = snapshot(customer, fields)
    for name, value in changes.items():
        setattr(customer, name, value)
    customer.save(update_fields=list(changes))
    if acting_staff is not None:
        record_audit(
            staff=acting_staff,
            merchant=customer.merchant,
            action="customer.update",
            obj=customer,
            before=before,
            after=snapshot(customer, fields),
        )
    return customer


def set_contact_preference(*, customer: Customer, channel: str, opted_in: bool) -> ContactPreference:
    if channel not in Channel.values:
        raise InvalidInput(detail={"channel": channel})
    pref, _ = ContactPreference.objects.update_or_create(
        customer=customer,
        channel=channel,
        defaults={"merchant_id": customer.merchant_id, "opted_in": opted_in},
    )
    return pref


ADDRESS_FIELDS = ["recipient", "phone", "province", "city", "district", "detail"]
REGION_CODE_FIELDS = ["province_code", "city_code", "district_code"]


@transaction.atomic
def save_address(
    *, customer: Customer, address_id: int | None = None, is_default: bool = False, **fields: str
) -> Address:
    """Create or edit an address; making one default un-defaults the others.

    The region comes as GB/T 2260 codes (checked, names taken from them) or as names (kept, codes
    looked up where the names are known divisions): ``siyu.freight.services.address_region``.
    """
    given = {k: (fields.get(k) or "").strip() for k in ADDRESS_FIELDS + REGION_CODE_FIELDS}
    region = address_region(**{k: given[k] for k in ("province", "city", "district", *REGION_CODE_FIELDS)})
    given.update(region)
    missing = [f for f in ("recipient", "phone", "province", "city", "detail") if not given[f]]
    if missing:
        raise InvalidInput(detail={"missing": missing})
    if address_id is None:
        address = Address(merchant_id=customer.merchant_id, customer=customer)
    else:
        address = get_address(customer, address_id)
    for name in ADDRESS_FIELDS + REGION_CODE_FIELDS:
        setattr(address, name, given[name])
    first = not Address.objects.filter(customer=customer).exists()
    address.is_default = is_default or first
    if address.is_default:
        Address.objects.filter(customer=customer, is_default=True).exclude(pk=address.pk).update(
            is_default=False
        )
    address.save()
    return address


def get_address(customer: Customer, address_id: int) -> Address:
    address = Address.objects.filter(customer=customer, pk=address_id).first()
    if address is None:
        raise NotFound(detail={"address_id": address_id})
    return address


@transaction.atomic
def delete_address(*, customer: Customer, address_id: int) -> None:
    get_address(customer, address_id).delete()


# ---- 专属导购: binding customers to shopping guides (docs/guides.md) -----------------------------------

MAX_BULK_BIND = 5000


def _guide(merchant_id: int, guide_id: int) -> Staff:
    guide = (
        Staff.objects.for_merchant(merchant_id).filter(pk=guide_id, role=Role.GUIDE, is_active=True).first()
    )
    if guide is None:
        raise NotAGuide(detail={"guide_id": guide_id})
    return guide


@transaction.atomic
def bind_guide(
    *, staff: Staff, customer_id: int, guide_id: int | None, source: str = BindingSource.OPERATOR
) -> Customer:
    """Bind a customer to a shopping guide, move them to another, or unbind them (``guide_id`` None).

    ``source`` says who binds:

    - ``operator``: ``staff`` assigns (``customers.assign_guide``), any customer they may see, any
      active guide; audited as ``customer.guide_assigned``.
    - ``share_link`` / ``wecom``: ``staff`` is the guide whose share link or WeCom contact brought
      the customer (``guide_id`` must be theirs). Such a binding never takes a customer from another
      guide: an already bound customer stays as they are (the first guide keeps them).

    Every change leaves one ``GuideBinding`` row; binding a customer to the guide they already
    have changes nothing and writes nothing.
    """
    if source not in BindingSource.values:
        raise InvalidInput(detail={"source": source})
    if source == BindingSource.OPERATOR:
        require(staff, Perm.CUSTOMERS_ASSIGN_GUIDE)
        customer = visible_customer(staff, customer_id, Customer.objects.select_for_update())
    else:
        if guide_id is None or guide_id != staff.pk:
            raise InvalidInput(detail={"guide_id": guide_id})
        customer = Customer.objects.for_merchant(staff.merchant_id).select_for_update().get_owned(customer_id)
    guide = _guide(staff.merchant_id, guide_id) if guide_id is not None else None
    if customer.guide_id == guide_id or (source != BindingSource.OPERATOR and customer.guide_id is not None):
        return customer
    now = timezone.now()
    previous = customer.guide_id
    GuideBinding.objects.create(
        merchant_id=staff.merchant_id,
        customer=customer,
        guide=guide,
        previous_guide_id=previous,
        source=source,
        bound_by=staff if source == BindingSource.OPERATOR else None,
        created_at=now,
    )
    customer.guide = guide
    customer.guide_bound_at = now if guide is not None else None
    customer.save(update_fields=["guide", "guide_bound_at"])
    if source == BindingSource.OPERATOR:
        record_audit(
            staff=staff,
            merchant=staff.merchant,
            action="customer.guide_assigned",
            obj=customer,
            before={"guide_id": previous},
            after={"guide_id": guide_id},
        )
    return customer


@transaction.atomic
def bind_guides(*, staff: Staff, customer_ids: list[int], guide_id: int | None) -> int:
    """Bind many customers to one guide (or unbind them) at once, all or nothing; returns how many
    changed. One UPDATE, one ``GuideBinding`` row per changed customer, one audit row."""
    require(staff, Perm.CUSTOMERS_ASSIGN_GUIDE)
    ids = visible_customer_ids(staff, customer_ids)
    if not ids or len(ids) > MAX_BULK_BIND:
        raise InvalidInput(detail={"customer_ids": f"1 to {MAX_BULK_BIND} customers"})
    found = dict(
        Customer.objects.for_merchant(staff.merchant_id)
        .filter(pk__in=ids)
        .select_for_update()
        .order_by("pk")
        .values_list("pk", "guide_id")
    )
    missing = sorted(set(ids) - set(found))
    if missing:
        raise NotFound(detail={"customer_ids": missing})
    guide = _guide(staff.merchant_id, guide_id) if guide_id is not None else None
    moving = {pk: previous for pk, previous in found.items() if previous != guide_id}
    if not moving:
        return 0
    now = timezone.now()
    Customer.objects.filter(pk__in=list(moving)).update(
        guide=guide, guide_bound_at=now if guide is not None else None
    )
    GuideBinding.objects.bulk_create(
        GuideBinding(
            merchant_id=staff.merchant_id,
            customer_id=pk,
            guide=guide,
            previous_guide_id=previous,
            source=BindingSource.OPERATOR,
            bound_by=staff,
            created_at=now,
        )
        for pk, previous in sorted(moving.items())
    )
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="customer.guide_assigned",
        obj=guide if guide is not None else staff.merchant,
        after={"guide_id": guide_id, "customer_ids": sorted(moving)},
    )
    return len(moving)


def recognise_wecom_contact(
    *,
    merchant: Merchant,
    external_userid: str,
    unionid: str | None,
    nickname: str = "",
    avatar_url: str = "",
    source: str = Source.UNKNOWN,
    campaign: str = "",
) -> tuple[Customer, bool]:
    """The customer a WeCom external contact is, registering them on first sight; (customer, created).

    The caller has the contact from WeCom's ``externalcontact/get``. As at login, the unionid joins
    the contact to a customer already known from the mini-program or the official account, and a
    unionid held by another customer merges the newer of the two into the older. A new customer
    takes the 活码's source and campaign as their first touch, and the WeCom name and avatar.
    """
    external_userid = external_userid.strip()
    if not external_userid or len(external_userid) > 128:
        raise InvalidInput(detail={"external_userid": external_userid[:130]})
    unionid = (unionid or "").strip()[:128] or None
    for _attempt in range(3):
        try:
            with transaction.atomic():
                customer, created = _upsert_wx_customer(
                    merchant,
                    IdentityKind.WECOM_EXTERNAL_USERID,
                    external_userid,
                    unionid,
                    source,
                    campaign,
                    None,
                )
                if created:
                    fields = {"nickname": nickname[:64], "avatar_url": avatar_url[:200]}
                    for name, value in fields.items():
                        setattr(customer, name, value)
                    customer.save(update_fields=list(fields))
                    hooks.customer_registered(customer)
                return customer, created
        except IntegrityError:
            # A concurrent callback registered the same contact first; the next pass finds it.
            continue
    raise IntegrityError("could not register the WeCom contact after retries")


@transaction.atomic
def transfer_guide(*, customer_id: int, from_guide_id: int, to_guide_id: int, operator: Staff | None) -> bool:
    """Move a customer from one guide to another because WeCom moved the contact (在职/离职继承).

    Only a customer still bound to ``from_guide_id`` moves (an operator may have rebound them while
    WeCom waited for the customer); True when it moved. One ``GuideBinding`` row (source ``wecom``,
    bound by the operator who asked for the transfer) and one audit row.
    """
    customer = Customer.objects.select_for_update().filter(pk=customer_id).first()
    if customer is None or customer.guide_id != from_guide_id:
        return False
    merchant_id = customer.merchant_id
    guide = _guide(merchant_id, to_guide_id)
    now = timezone.now()
    GuideBinding.objects.create(
        merchant_id=merchant_id,
        customer=customer,
        guide=guide,
        previous_guide_id=from_guide_id,
        source=BindingSource.WECOM,
        bound_by=operator,
        created_at=now,
    )
    customer.guide = guide
    customer.guide_bound_at = now
    customer.save(update_fields=["guide", "guide_bound_at"])
    record_audit(
        staff=operator,
        merchant=customer.merchant,
        action="customer.guide_transferred",
        obj=customer,
        before={"guide_id": from_guide_id},
        after={"guide_id": to_guide_id},
    )
    return True
