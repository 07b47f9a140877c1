from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("tenancy", "0002_staff_token_expiry_and_password"),
        ("wechat", "0002_mini_program_from_merchant"),
    ]

    operations = [
        migrations.RemoveField(model_name="merchant", name="mp_app_id"),
        migrations.RemoveField(model_name="merchant", name="mp_app_secret"),
    ]
