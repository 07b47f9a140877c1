"""Merchants (tenants), their outlets, their staff with roles, and the audit log of staff writes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from siyu.core.models import TenantModel


class LoginAdapter(models.TextChoices):
    SANDBOX = "sandbox", _("Sandbox")
    WECHAT = "wechat", _("WeChat mini-program")


class Merchant(models.Model):
    """A brand running its own mall on Siyu: the tenant every other row belongs to."""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=100)
    timezone = models.CharField(max_length=64, default="Asia/Shanghai")
    is_active = models.BooleanField(default=True)
    # How customers log in: the sandbox, or WeChat's code2session with the mini-program account of
    # 设置 → 微信账号 (siyu.wechat: its app id and encrypted secret).
    login_adapter = models.CharField(
        max_length=16, choices=LoginAdapter.choices, default=LoginAdapter.SANDBOX
    )
    # Order policy.
    payment_timeout_minutes = models.PositiveIntegerField(default=30)
    auto_confirm_receipt_days = models.PositiveIntegerField(default=10)
    after_sale_window_days = models.PositiveIntegerField(default=7)
    shipping_fee = models.PositiveIntegerField(default=1000, help_text="fen")
    free_shipping_threshold = models.PositiveIntegerField(default=9900, help_text="fen; 0 = always free")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Outlet(TenantModel):
    """A physical store: where customers pick up orders and where staff verify pickups."""

    code = models.CharField(max_length=32)
    name = models.CharField(max_length=100)
    province = models.CharField(max_length=32, blank=True)
    city = models.CharField(max_length=32, blank=True)
    district = models.CharField(max_length=32, blank=True)
    address = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    # {"mon": [["09:00", "21:00"]], ..., "sun": []}: empty list = closed that day.
    opening_hours = models.JSONField(default=dict, blank=True)
    supports_pickup = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["merchant", "code"], name="outlet_code_per_merchant")]
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    OPERATOR = "operator", _("Operator")
    GUIDE = "guide", _("Shopping guide")
    SERVICE = "service", _("Customer service")
    ANALYST = "analyst", _("Analyst")
    OUTLET_MANAGER = "outlet_manager", _("Outlet manager")


class Staff(TenantModel):
    """A person working for a merchant, with one role and optionally limited to some outlets."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_roles")
    role = models.CharField(max_length=20, choices=Role.choices)
    display_name = models.CharField(max_length=64)
    # Empty = all outlets. Outlet managers see only pickups and stock of their outlets.
    outlets = models.ManyToManyField(Outlet, blank=True, related_name="staff")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "user"], name="one_staff_role_per_merchant")
        ]
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.role})"


class StaffToken(TenantModel):
    """An API token for a staff member; only its SHA-256 is stored.

    It expires (``SIYU_STAFF_TOKEN_DAYS`` after issue) and dies with the password it was issued under:
    ``password_fingerprint`` is Django's session auth hash of the user at issue time, the value that
    also logs a user's sessions out when the password changes, however it was changed.
    """

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="tokens")
    digest = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    password_fingerprint = models.CharField(max_length=64)

    class Meta:
        ordering = ["-id"]


class AuditEntry(TenantModel):
    """Who changed what, when, with the values before and after. Append-only."""

    staff = models.ForeignKey(Staff, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["merchant", "object_type", "object_id"])]
