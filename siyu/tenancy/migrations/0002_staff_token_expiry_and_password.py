"""Staff tokens expire and die with a password change: existing tokens get an expiry from now and
the fingerprint of their user's current password (Django's session auth hash, as the code computes it)."""

from datetime import timedelta

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone
from django.utils.crypto import salted_hmac


def bind_existing_tokens(apps, schema_editor):
    StaffToken = apps.get_model("tenancy", "StaffToken")
    expires_at = timezone.now() + timedelta(days=settings.SIYU_STAFF_TOKEN_DAYS)
    for token in StaffToken.objects.select_related("staff__user").iterator():
        if token.expires_at is None:
            token.expires_at = expires_at
        # AbstractBaseUser.get_session_auth_hash(), which historical models do not carry.
        token.password_fingerprint = salted_hmac(
            "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash",
            token.staff.user.password,
            algorithm="sha256",
        ).hexdigest()
        token.save(update_fields=["expires_at", "password_fingerprint"])


class Migration(migrations.Migration):
    dependencies = [
        ("tenancy", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="stafftoken",
            name="password_fingerprint",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(bind_existing_tokens, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="stafftoken",
            name="expires_at",
            field=models.DateTimeField(),
        ),
        migrations.AlterModelOptions(
            name="stafftoken",
            options={"ordering": ["-id"]},
        ),
    ]
