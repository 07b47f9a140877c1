"""设置 → 微信账号: the owner connects each kind of account; secrets go in and never come back out."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from siyu.tenancy.models import AuditEntry, Role
from siyu.testing import factories
from siyu.testing.clients import log_in
from siyu.testing.snapshots import refused
from siyu.wechat.models import WeChatAccount

pytestmark = pytest.mark.django_db

AES = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
OA = {
    "app_id": "wx0123456789abcdef",
    "name": "茶园服务号",
    "oa_type": "service",
    "original_id": "gh_0123456789ab",
    "secret_app_secret": "oa-app-secret-value",
    "secret_token": "siyuToken1",
    "secret_encoding_aes_key": AES,
    "is_active": "on",
}


def test_the_owner_connects_an_official_account_and_never_sees_its_secrets_again(console_as, merchant):
    client, _owner = console_as(Role.OWNER)
    response = client.post("/console/settings/wechat/official_account/", OA)
    assert response.status_code == 302, response.content[:1500]
    account = WeChatAccount.objects.get()
    assert (account.merchant_id, account.kind, account.app_id, account.config) == (
        merchant.pk,
        "official_account",
        "wx0123456789abcdef",
        {"oa_type": "service", "original_id": "gh_0123456789ab"},
    )
    assert account.secrets() == {
        "app_secret": "oa-app-secret-value",
        "token": "siyuToken1",
        "encoding_aes_key": AES,
    }
    for url in ("/console/settings/wechat/", "/console/settings/wechat/official_account/"):
        page = client.get(url).content.decode()
        assert "oa-app-secret-value" not in page and "siyuToken1" not in page and AES not in page
    listing = client.get("/console/settings/wechat/").content.decode()
    assert "http://testserver/wechat/oa/wx0123456789abcdef/callback" in listing
    # Each secret is named as WeChat's admin names it, in the reader's language, never by its key.
    chinese = log_in(_owner, language="zh-hans").get("/console/settings/wechat/").content.decode()
    assert "回调 Token" in chinese and "已启用" in chinese
    assert "encoding_aes_key" not in chinese and "app_secret" not in chinese
    entry = AuditEntry.objects.get(action="wechat.account_saved")
    assert entry.after["secrets_changed"] == ["app_secret", "encoding_aes_key", "token"]
    assert "oa-app-secret-value" not in str(entry.before) + str(entry.after)

    # Saving again with the secrets left empty keeps them.
    again = {**OA, "name": "茶园", "secret_app_secret": "", "secret_token": "", "secret_encoding_aes_key": ""}
    assert client.post("/console/settings/wechat/official_account/", again).status_code == 302
    account.refresh_from_db()
    assert account.name == "茶园"
    assert account.secret("app_secret") == "oa-app-secret-value"


def test_malformed_settings_are_refused_field_by_field_and_nothing_changes(console_as, merchant):
    client, owner = console_as(Role.OWNER)
    bad = {**OA, "app_id": "wx-nope", "secret_encoding_aes_key": "short", "secret_token": "x"}
    response = refused(client, "/console/settings/wechat/official_account/", bad, merchant, 400)
    assert "an appid: wx followed by 16 hexadecimal digits" in response.content.decode()
    chinese = log_in(owner, language="zh-hans")
    page = refused(chinese, "/console/settings/wechat/official_account/", bad, merchant, 400).content.decode()
    assert "AppID：以 wx 开头，后接 16 位十六进制字符" in page
    assert "43 位字母或数字" in page
    missing = {**OA, "secret_app_secret": ""}
    refused(client, "/console/settings/wechat/official_account/", missing, merchant, 400)


def test_an_app_id_of_another_merchant_is_refused(console_as, merchant):
    other = factories.make_merchant("other")
    other_owner = factories.make_staff(other, Role.OWNER)
    from siyu.wechat.services import save_account

    save_account(
        staff=other_owner,
        kind="official_account",
        app_id=OA["app_id"],
        config={"oa_type": "service"},
        secrets={"app_secret": "x", "token": "tok"},
    )
    client, _ = console_as(Role.OWNER)
    refused(client, "/console/settings/wechat/official_account/", OA, merchant, 400)


def test_wechat_pay_needs_a_real_rsa_key(console_as, merchant):
    client, _ = console_as(Role.OWNER)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    pay = {
        "app_id": "1900000109",
        "app_id_paying": "wx0123456789abcdef",
        "serial_no": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
        "secret_private_key": "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----",
        "secret_apiv3_key": "a" * 32,
        "is_active": "on",
    }
    refused(client, "/console/settings/wechat/wechat_pay/", pay, merchant, 400)
    assert (
        client.post("/console/settings/wechat/wechat_pay/", {**pay, "secret_private_key": pem}).status_code
        == 302
    )
    account = WeChatAccount.objects.get(kind="wechat_pay")
    assert account.config["app_id"] == "wx0123456789abcdef"
    assert account.secret("private_key") == pem.strip()
    assert "PRIVATE KEY" not in client.get("/console/settings/wechat/wechat_pay/").content.decode()


def test_only_the_owner_edits_wechat_accounts(console_as, merchant):
    client, _ = console_as(Role.OPERATOR)
    assert client.get("/console/settings/wechat/").status_code == 403
    refused(client, "/console/settings/wechat/official_account/", OA, merchant, 403)
    owner_client, _ = console_as(Role.OWNER)
    assert owner_client.get("/console/settings/wechat/nonsense/").status_code == 404
    assert owner_client.get("/console/settings/wechat/wecom/").status_code == 200
