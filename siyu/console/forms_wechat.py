"""设置 → 微信账号: one form per kind of WeChat account. Secret fields never show a stored value."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from siyu.wechat.models import AccountKind, WeChatAccount
from siyu.wechat.services import SHAPES

LABELS: dict[str, Any] = {
    "app_id": {
        AccountKind.MINI_PROGRAM: _("AppID"),
        AccountKind.OFFICIAL_ACCOUNT: _("AppID"),
        AccountKind.WECOM: _("Corp ID"),
        AccountKind.WECHAT_PAY: _("Merchant ID (mchid)"),
    },
    "oa_type": _("Account type"),
    "original_id": _("Original ID (gh_...)"),
    "agent_id": _("Agent ID of the self-built app"),
    "app_id_paying": _("AppID customers pay in"),
    "serial_no": _("Merchant certificate serial number"),
    "platform_serial": _("Platform certificate serial number"),
    "platform_public_key_id": _("WeChat Pay public key ID"),
    "app_secret": _("AppSecret"),
    "token": _("Callback Token"),
    "encoding_aes_key": _("EncodingAESKey"),
    "agent_secret": _("Agent Secret"),
    "contact_secret": _("Customer contact Secret"),
    "private_key": _("Merchant API private key (apiclient_key.pem)"),
    "apiv3_key": _("APIv3 key"),
    "platform_public_key": _("WeChat Pay public key or platform certificate key (PEM)"),
}
MULTILINE = {"private_key", "platform_public_key"}
OA_TYPES = [("service", _("Service account")), ("subscription", _("Subscription account"))]


class AccountForm(forms.Form):
    """The settings and secrets of one account kind. ``secret_*`` fields are write-only."""

    def __init__(self, *args: Any, kind: str, account: WeChatAccount | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        shape = SHAPES[kind]
        held = set(account.secrets()) if account else set()
        self.fields["app_id"] = forms.CharField(label=LABELS["app_id"][kind], max_length=64)
        self.fields["name"] = forms.CharField(
            label=_("Name shown in the console"), max_length=100, required=False
        )
        for name in shape.config:
            field_name = "app_id_paying" if name == "app_id" else name
            if name == "oa_type":
                self.fields[field_name] = forms.ChoiceField(label=LABELS[name], choices=OA_TYPES)
            else:
                self.fields[field_name] = forms.CharField(
                    label=LABELS[field_name], max_length=80, required=False
                )
        for name in shape.secrets:
            widget: forms.Widget = (
                forms.Textarea(attrs={"rows": 4, "autocomplete": "off", "spellcheck": "false"})
                if name in MULTILINE
                else forms.PasswordInput(attrs={"autocomplete": "new-password"})
            )
            help_text = _("Set. Leave empty to keep it.") if name in held else _("Not set yet.")
            self.fields[f"secret_{name}"] = forms.CharField(
                label=LABELS[name], required=False, widget=widget, help_text=help_text, max_length=8000
            )
        self.fields["sandbox"] = forms.BooleanField(
            label=_("Use the built-in WeChat sandbox (no real WeChat, no real money)"), required=False
        )
        self.fields["is_active"] = forms.BooleanField(label=_("Active"), required=False, initial=True)
        if account is not None:
            self.initial.update(
                {
                    "app_id": account.app_id,
                    "name": account.name,
                    "sandbox": account.sandbox,
                    "is_active": account.is_active,
                    **{("app_id_paying" if k == "app_id" else k): v for k, v in account.config.items()},
                }
            )

    def service_fields(self) -> dict[str, Any]:
        d = self.cleaned_data
        shape = SHAPES[self.kind]
        return {
            "kind": self.kind,
            "app_id": d["app_id"],
            "name": d["name"],
            "config": {n: d.get("app_id_paying" if n == "app_id" else n, "") for n in shape.config},
            "secrets": {n: d.get(f"secret_{n}", "") for n in shape.secrets},
            "sandbox": d["sandbox"],
            "is_active": d["is_active"],
        }


# Service detail keys → this form's field names.
FIELD_OF_PROBLEM = {name: f"secret_{name}" for shape in SHAPES.values() for name in shape.secrets}
