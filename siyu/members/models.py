"""Customers of a merchant: identities, profile, contact preferences, addresses, API tokens."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from siyu.core.models import TenantModel


class Gender(models.TextChoices):
    UNKNOWN = "unknown", _("Unknown")
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Source(models.TextChoices):
    """Where a customer (or an order) came from: the entry point that attribution starts at."""

    MOMENTS = "moments", _("Moments")
    PROMO_LINK = "promo_link", _("Promotion link")
    MP_CODE = "mp_code", _("Mini-program code")
    H5 = "h5", _("H5 page")
    ARTICLE = "article", _("Official-account article")
    LIVE = "live", _("Live room")
    OUTLET = "outlet", _("Outlet")
    ADS = "ads", _("Paid ads")
    COMMUNITY = "community", _("Community group")
    REFERRAL = "referral", _("Referral")
    SEARCH = "search", _("WeChat search")
    IMPORT = "import", _("Imported")
    UNKNOWN = "unknown", _("Unknown")


class Customer(TenantModel):
    nickname = models.CharField(max_length=64, blank=True)
    avatar_url = models.URLField(blank=True)
    gender = models.CharField(max_length=8, choices=Gender.choices, default=Gender.UNKNOWN)
    birthday = models.DateField(null=True, blank=True)
    province = models.CharField(max_length=32, blank=True)
    city = models.CharField(max_length=32, blank=True)
    district = models.CharField(max_length=32, blank=True)
    email = models.EmailField(max_length=254, blank=True)
    phone = models.CharField(max_length=20, null=True, blank=True)  # noqa: DJ001 - NULL = none; unique among set phones
    # Attribution (docs/events.md): the first and the latest source the customer came in by. Unset
    # first-touch times are "as registered" (imports, older rows) and are never moved earlier.
    first_touch_source = models.CharField(max_length=16, choices=Source.choices, default=Source.UNKNOWN)
    first_touch_campaign = models.CharField(max_length=64, blank=True)
    first_touch_at = models.DateTimeField(null=True, blank=True)
    last_touch_source = models.CharField(max_length=16, choices=Source.choices, blank=True)
    last_touch_campaign = models.CharField(max_length=64, blank=True)
    last_touch_at = models.DateTimeField(null=True, blank=True)
    referrer = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="referrals"
    )
    # Do not disturb between these local times (wraps midnight when start > end).
    quiet_hours_start = models.TimeField(null=True, blank=True)
    quiet_hours_end = models.TimeField(null=True, blank=True)
    registered_at = models.DateTimeField(db_index=True)
    is_blocked = models.BooleanField(default=False)
    # Set when this customer turned out to be the same person as an older one (same unionid): every
    # row that pointed here now points there; this row stays, empty, as the merge's history.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_customers"
    )
    # 专属导购: the guide this customer belongs to (docs/guides.md). A guide sees only their own
    # customers (siyu/members/scope.py); every change goes through services.bind_guide and leaves a
    # GuideBinding row. A guide who leaves (staff row deleted) leaves their customers unbound.
    guide = models.ForeignKey(
        "tenancy.Staff", null=True, blank=True, on_delete=models.SET_NULL, related_name="guided_customers"
    )
    guide_bound_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "phone"],
                condition=Q(phone__isnull=False),
                name="customer_phone_per_merchant",
            )
        ]
        indexes = [models.Index(fields=["merchant", "registered_at"])]

    def __str__(self) -> str:
        return self.nickname or gettext("Customer %(id)s") % {"id": self.pk}


class IdentityKind(models.TextChoices):
    MP_OPENID = "mp_openid", _("Mini-program openid")
    OA_OPENID = "oa_openid", _("Official-account openid")
    UNIONID = "unionid", _("UnionID")
    PHONE = "phone", _("Phone")
    # A WeCom external contact (siyu/wechat/wecom): one id per customer per corp.
    WECOM_EXTERNAL_USERID = "wecom_external_userid", _("WeCom external contact")


class CustomerIdentity(TenantModel):
    """A way to recognise a customer; each (kind, value) names exactly one customer per merchant."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities")
    # 32: room for "wecom_external_userid" (21 characters).
    kind = models.CharField(max_length=32, choices=IdentityKind.choices)
    value = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "kind", "value"], name="identity_unique_per_merchant")
        ]


class Channel(models.TextChoices):
    SUBSCRIBE_MESSAGE = "subscribe_message", _("Mini-program subscribe message")
    OFFICIAL_ACCOUNT = "official_account", _("Official account")
    WECOM = "wecom", _("WeCom 1:1")
    WECOM_GROUP = "wecom_group", _("WeCom group")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    # A merchant's own system, called with a signed JSON request (siyu/reach/channels/webhook.py).
    WEBHOOK = "webhook", _("Webhook")


class ContactPreference(TenantModel):
    """A customer's consent to one channel. No row means no decision yet (treated as not opted in)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contact_preferences")
    channel = models.CharField(max_length=24, choices=Channel.choices)
    opted_in = models.BooleanField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "channel"], name="one_preference_per_channel")
        ]


class Address(TenantModel):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    recipient = models.CharField(max_length=32)
    phone = models.CharField(max_length=20)
    province = models.CharField(max_length=32)
    city = models.CharField(max_length=32)
    district = models.CharField(max_length=32, blank=True)
    # GB/T 2260 codes of the region (siyu/freight/regions.py); "" on addresses saved by name only
    # whose names are not known divisions. Freight templates price and refuse by these.
    province_code = models.CharField(max_length=6, blank=True)
    city_code = models.CharField(max_length=6, blank=True)
    district_code = models.CharField(max_length=6, blank=True)
    detail = models.CharField(max_length=200)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "-id"]

    def as_snapshot(self) -> dict[str, str]:
        return {
            "recipient": self.recipient,
            "phone": self.phone,
            "province": self.province,
            "city": self.city,
            "district": self.district,
            "detail": self.detail,
            "province_code": self.province_code,
            "city_code": self.city_code,
            "district_code": self.district_code,
        }


class CustomerToken(TenantModel):
    """A customer session token for the shop API; only its SHA-256 is stored."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="tokens")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()


class CustomerMerge(TenantModel):
    """One merge of two customers who were the same person: what moved, and why. Append-only."""

    survivor = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    merged = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=32, help_text="unionid, staff, ...")
    moved = models.JSONField(default=dict, help_text="Rows moved per table, conflicts resolved per rule")
    merged_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["merged"], name="customer_merged_once")]

    def __str__(self) -> str:
        return f"{self.merged_id} -> {self.survivor_id}"


class BindingSource(models.TextChoices):
    """How a customer came to be bound to a guide."""

    OPERATOR = "operator", _("Assigned by an operator")
    SHARE_LINK = "share_link", _("The guide's share link")
    WECOM = "wecom", _("WeCom contact")


class GuideBinding(TenantModel):
    """One change of a customer's guide (bound, moved or unbound), with how and by whom. Append-only."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="guide_bindings")
    guide = models.ForeignKey(
        "tenancy.Staff", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )  # None: unbound
    previous_guide = models.ForeignKey(
        "tenancy.Staff", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=16, choices=BindingSource.choices)
    bound_by = models.ForeignKey(
        "tenancy.Staff", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )  # the operator who assigned; None when the customer's own visit bound them
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
