"""Move each merchant's mini-program credentials (Merchant.mp_app_id/mp_app_secret) into a WeChat
account, the secret sealed like every other WeChat secret."""

from django.db import migrations


def forwards(apps, schema_editor):
    from siyu.wechat import vault

    Merchant = apps.get_model("tenancy", "Merchant")
    WeChatAccount = apps.get_model("wechat", "WeChatAccount")
    for merchant in Merchant.objects.exclude(mp_app_id="").order_by("pk"):
        if WeChatAccount.objects.filter(merchant_id=merchant.pk, kind="mini_program").exists():
            continue
        if WeChatAccount.objects.filter(kind="mini_program", app_id=merchant.mp_app_id).exists():
            continue  # two merchants named one app id: only the first keeps it
        secrets = {"app_secret": merchant.mp_app_secret} if merchant.mp_app_secret else {}
        WeChatAccount.objects.create(
            merchant_id=merchant.pk,
            kind="mini_program",
            app_id=merchant.mp_app_id,
            config={},
            secrets_encrypted=vault.seal(secrets),
        )


def backwards(apps, schema_editor):
    from siyu.wechat import vault

    Merchant = apps.get_model("tenancy", "Merchant")
    WeChatAccount = apps.get_model("wechat", "WeChatAccount")
    for account in WeChatAccount.objects.filter(kind="mini_program"):
        secret = vault.unseal(account.secrets_encrypted).get("app_secret", "")
        Merchant.objects.filter(pk=account.merchant_id).update(mp_app_id=account.app_id, mp_app_secret=secret)


class Migration(migrations.Migration):
    dependencies = [
        ("wechat", "0001_initial"),
        ("tenancy", "0002_staff_token_expiry_and_password"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
