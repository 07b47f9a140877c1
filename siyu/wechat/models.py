"""Each merchant's WeChat accounts (mini-program, official account, WeCom, WeChat Pay) and their tokens."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from siyu.core.models import TenantModel
from siyu.wechat import vault


class AccountKind(models.TextChoices):
    MINI_PROGRAM = "mini_program", _("Mini-program")
    OFFICIAL_ACCOUNT = "official_account", _("Official account")
    WECOM = "wecom", _("WeCom")
    WECHAT_PAY = "wechat_pay", _("WeChat Pay")


class WeChatAccount(TenantModel):
    """One WeChat account of a merchant: its public id, settings and encrypted secrets.

    ``app_id`` is the mini-program or official account's appid, the WeCom corp id, or the WeChat
    Pay mchid. Secrets live only in ``secrets_encrypted`` (``siyu.wechat.vault``): read them with
    ``secret()``, never show them back. ``sandbox`` sends the account's calls to the built-in
    WeChat sandbox instead of WeChat (``siyu.wechat.http.base_url``).
    """

    kind = models.CharField(max_length=20, choices=AccountKind.choices)
    app_id = models.CharField(max_length=64)
    name = models.CharField(max_length=100, blank=True)
    config = models.JSONField(default=dict, blank=True)
    secrets_encrypted = models.TextField(blank=True, editable=False)
    sandbox = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "kind"], name="wechat_account_kind_per_merchant"),
            # A callback names its account by app id alone, so an app id belongs to one merchant.
            models.UniqueConstraint(fields=["kind", "app_id"], name="wechat_account_app_id_unique"),
        ]
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.app_id}"

    def secrets(self) -> dict[str, str]:
        return vault.unseal(self.secrets_encrypted)

    def secret(self, name: str) -> str:
        return self.secrets().get(name, "")

    def set_secrets(self, values: dict[str, str]) -> None:
        """Store ``values`` over the current secrets; a blank value keeps the secret it names."""
        merged = self.secrets()
        merged.update({name: value for name, value in values.items() if value})
        self.secrets_encrypted = vault.seal(merged)

    def has_secret(self, name: str) -> bool:
        return bool(self.secret(name))


class AccessToken(TenantModel):
    """The cached access token of an account for one purpose (the database cache when there is no Redis)."""

    account = models.ForeignKey(WeChatAccount, on_delete=models.CASCADE, related_name="tokens")
    purpose = models.CharField(max_length=16, default="default")
    token = models.CharField(max_length=512, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "purpose"], name="wechat_token_per_purpose")
        ]
