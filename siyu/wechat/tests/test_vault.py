"""Secrets at rest: sealed with the first key, opened by any, re-sealed on rotation."""

import pytest
from cryptography.fernet import Fernet

from siyu.testing.wechat import add_account
from siyu.wechat import vault
from siyu.wechat.models import AccountKind, WeChatAccount


def test_secrets_are_stored_encrypted_and_blank_keeps_the_old_value(merchant):
    account = add_account(
        merchant, AccountKind.OFFICIAL_ACCOUNT, "wxoa1", {"app_secret": "s3cret", "token": "t"}
    )
    raw = WeChatAccount.objects.values_list("secrets_encrypted", flat=True).get(pk=account.pk)
    assert "s3cret" not in raw
    account.set_secrets({"app_secret": "", "token": "t2"})
    account.save()
    account.refresh_from_db()
    assert account.secrets() == {"app_secret": "s3cret", "token": "t2"}
    assert account.secret("encoding_aes_key") == ""


def test_rotation_reseals_under_the_new_key(merchant, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.SIYU_WECHAT_KEYS = [old]
    account = add_account(merchant, AccountKind.MINI_PROGRAM, "wxmp1", {"app_secret": "abc"})
    settings.SIYU_WECHAT_KEYS = [new, old]
    from django.core.management import call_command

    call_command("wechat_rotate_keys")
    settings.SIYU_WECHAT_KEYS = [new]
    account.refresh_from_db()
    assert account.secrets() == {"app_secret": "abc"}
    settings.SIYU_WECHAT_KEYS = [old]
    with pytest.raises(vault.InvalidToken):
        account.secrets()
