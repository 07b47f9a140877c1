"""``siyu wechat_rotate_keys``: re-encrypt every WeChat account's secrets under the newest key."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from siyu.wechat import vault
from siyu.wechat.models import WeChatAccount


class Command(BaseCommand):
    help = "Re-encrypt WeChat secrets under the first key of SIYU_WECHAT_KEYS (see docs/wechat.md)."

    def handle(self, *args, **options):
        count = 0
        with transaction.atomic():
            for account in WeChatAccount.objects.select_for_update().order_by("pk"):
                account.secrets_encrypted = vault.reseal(account.secrets_encrypted)
                account.save(update_fields=["secrets_encrypted"])
                count += 1
        self.stdout.write(f"re-encrypted the secrets of {count} WeChat accounts")
