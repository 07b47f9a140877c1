"""Saving a merchant's WeChat accounts: checked per kind, secrets sealed, audited without them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import record_audit, require
from siyu.wechat.errors import AccountInvalid
from siyu.wechat.models import AccountKind, WeChatAccount

APP_ID = re.compile(r"^wx[0-9a-f]{16}$")
CORP_ID = re.compile(r"^w[wx][0-9a-zA-Z]{14,30}$")
MCH_ID = re.compile(r"^\d{8,12}$")
TOKEN = re.compile(r"^[A-Za-z0-9]{3,32}$")
AES_KEY = re.compile(r"^[A-Za-z0-9]{43}$")
SERIAL = re.compile(r"^[0-9A-Fa-f]{8,64}$")
PUBLIC_KEY_ID = re.compile(r"^PUB_KEY_ID_[0-9A-Za-z_]{8,64}$")
OA_TYPES = ("service", "subscription")


@dataclass(frozen=True)
class AccountShape:
    """What an account of one kind holds: its settings and its secrets, by name."""

    config: tuple[str, ...]
    secrets: tuple[str, ...]
    required_secrets: tuple[str, ...]


SHAPES: dict[str, AccountShape] = {
    AccountKind.MINI_PROGRAM: AccountShape((), ("app_secret",), ("app_secret",)),
    AccountKind.OFFICIAL_ACCOUNT: AccountShape(
        ("oa_type", "original_id"), ("app_secret", "token", "encoding_aes_key"), ("app_secret", "token")
    ),
    AccountKind.WECOM: AccountShape(
        ("agent_id",),
        ("agent_secret", "contact_secret", "token", "encoding_aes_key"),
        ("contact_secret", "token", "encoding_aes_key"),
    ),
    AccountKind.WECHAT_PAY: AccountShape(
        ("app_id", "serial_no", "platform_serial", "platform_public_key_id"),
        ("private_key", "apiv3_key", "platform_public_key"),
        ("private_key", "apiv3_key"),
    ),
}


def _check_id(kind: str, app_id: str, problems: dict[str, str]) -> None:
    patterns: dict[str, tuple[re.Pattern[str], str]] = {
        AccountKind.WECOM: (CORP_ID, _("a corp id: ww followed by letters and digits")),
        AccountKind.WECHAT_PAY: (MCH_ID, _("a merchant id (mchid): 8 to 12 digits")),
    }
    pattern, reason = patterns.get(kind, (APP_ID, _("an appid: wx followed by 16 hexadecimal digits")))
    if not pattern.match(app_id):
        problems["app_id"] = reason


def _check_config(kind: str, config: dict[str, str], problems: dict[str, str]) -> None:
    if kind == AccountKind.OFFICIAL_ACCOUNT:
        if config.get("oa_type", "service") not in OA_TYPES:
            problems["oa_type"] = _("service or subscription")
        if config.get("original_id") and not re.match(r"^gh_[0-9a-f]{12}$", config["original_id"]):
            problems["original_id"] = _("gh_ followed by 12 hexadecimal digits")
    elif kind == AccountKind.WECOM:
        if config.get("agent_id") and not config["agent_id"].isdigit():
            problems["agent_id"] = _("digits")
    elif kind == AccountKind.WECHAT_PAY:
        if not APP_ID.match(config.get("app_id", "")):
            problems["app_id_paying"] = _("the appid customers pay in: wx followed by 16 hexadecimal digits")
        if not SERIAL.match(config.get("serial_no", "")):
            problems["serial_no"] = _("the merchant certificate's serial number (hexadecimal)")
        if config.get("platform_serial") and not SERIAL.match(config["platform_serial"]):
            problems["platform_serial"] = _("hexadecimal")
        if config.get("platform_public_key_id") and not PUBLIC_KEY_ID.match(config["platform_public_key_id"]):
            problems["platform_public_key_id"] = _("PUB_KEY_ID_ followed by letters and digits")


def _check_secrets(kind: str, secrets: dict[str, str], problems: dict[str, str]) -> None:
    for name, value in secrets.items():
        if not value:
            continue
        if name == "token" and not TOKEN.match(value):
            problems[name] = _("3 to 32 letters or digits")
        elif name == "encoding_aes_key" and not AES_KEY.match(value):
            problems[name] = _("43 letters or digits")
        elif name == "apiv3_key" and len(value.encode()) != 32:
            problems[name] = _("32 characters")
        elif name == "private_key":
            try:
                key = load_pem_private_key(value.encode(), password=None)
            except (ValueError, TypeError):
                key = None
            if not isinstance(key, RSAPrivateKey) or key.key_size < 2048:
                problems[name] = _("an RSA private key of at least 2048 bits, in PEM (apiclient_key.pem)")
        elif name == "platform_public_key":
            try:
                public = load_pem_public_key(value.encode())
            except (ValueError, TypeError):
                public = None
            if not isinstance(public, RSAPublicKey):
                problems[name] = _("an RSA public key in PEM")
        elif len(value) > 4096:
            problems[name] = _("too long")


def save_account(
    *,
    staff: Staff,
    kind: str,
    app_id: str,
    name: str = "",
    config: dict[str, str] | None = None,
    secrets: dict[str, str] | None = None,
    sandbox: bool = False,
    is_active: bool = True,
) -> WeChatAccount:
    """Create or change the merchant's account of ``kind``. A blank secret keeps the one stored.

    Refused with ``AccountInvalid`` (detail: field → what it must be) and nothing saved when an id,
    setting or secret is malformed, a required secret is missing, or the app id is another
    merchant's. The audit row names the secrets that changed, never their values.
    """
    require(staff, Perm.MERCHANT_EDIT)
    if kind not in SHAPES:
        raise AccountInvalid(detail={"kind": ", ".join(sorted(SHAPES))})
    shape = SHAPES[kind]
    app_id = app_id.strip()
    config = {k: str(v).strip() for k, v in (config or {}).items() if k in shape.config}
    secrets = {k: str(v).strip() for k, v in (secrets or {}).items() if k in shape.secrets}
    problems: dict[str, str] = {}
    _check_id(kind, app_id, problems)
    _check_config(kind, config, problems)
    _check_secrets(kind, secrets, problems)
    with transaction.atomic():
        account = (
            WeChatAccount.objects.for_merchant(staff.merchant_id)
            .select_for_update()
            .filter(kind=kind)
            .first()
        )
        before = _audit_view(account) if account else None
        if account is None:
            account = WeChatAccount(merchant_id=staff.merchant_id, kind=kind)
        held = account.secrets() if account.pk else {}
        for secret_name in shape.required_secrets:
            if not secrets.get(secret_name) and not held.get(secret_name):
                problems.setdefault(secret_name, _("required"))
        if problems:
            raise AccountInvalid(detail=problems)
        changed = sorted(n for n, v in secrets.items() if v and held.get(n) != v)
        # Settings other pages keep in the config (the web login's scope and link domains, owned by
        # siyu/wechat/oa_web) are not this form's: they stay as they are.
        kept = {k: v for k, v in (account.config or {}).items() if k not in shape.config}
        account.app_id, account.name, account.config = app_id, name.strip()[:100], {**kept, **config}
        account.sandbox, account.is_active = sandbox, is_active
        account.set_secrets(secrets)
        try:
            with transaction.atomic():
                account.save()
        except IntegrityError:
            raise AccountInvalid(detail={"app_id": _("already connected to another merchant")}) from None
        record_audit(
            staff=staff,
            merchant=staff.merchant,
            action="wechat.account_saved",
            obj=account,
            before=before,
            after={**_audit_view(account), "secrets_changed": changed},
        )
    return account


def _audit_view(account: WeChatAccount) -> dict[str, Any]:
    return {
        "kind": account.kind,
        "app_id": account.app_id,
        "name": account.name,
        "config": dict(account.config),
        "sandbox": account.sandbox,
        "is_active": account.is_active,
        "secrets_set": sorted(n for n, v in account.secrets().items() if v),
    }
