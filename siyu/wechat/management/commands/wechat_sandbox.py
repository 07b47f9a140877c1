"""``siyu wechat_sandbox``: serve the built-in WeChat sandbox (``siyu demo`` starts it)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from siyu.reach.channels.sms import register_sms_accounts
from siyu.wechat.sandbox import base, server
from siyu.wechat.sandbox.smtp import start_smtp
from siyu.wechat.sandbox_accounts import register_sandbox_accounts
from siyu.wechat.sandbox_names import name_inbox_addresses
from siyu.wechat.wecom.sandbox_ways import register_sandbox_ways
from siyu.wechat.wecom_groups.sandbox_seed import use_siyu_as_seed


class Command(BaseCommand):
    help = "Serve the WeChat sandbox: WeChat's side of pay, official account and WeCom, with no real WeChat."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8019)
        parser.add_argument("--siyu-url", default="http://127.0.0.1:8000", help="Where Siyu's callbacks are")
        parser.add_argument(
            "--smtp-port", type=int, default=0, help="Also serve SMTP here into the inbox (0: no)"
        )

    def handle(self, *args, host: str, port: int, siyu_url: str, smtp_port: int = 0, **options):
        app = server.build(siyu_url)
        register_sandbox_accounts(app)
        use_siyu_as_seed(app)  # WeCom groups and tags the demo holds are the sandbox's too
        register_sandbox_ways(app)
        register_sms_accounts(app)
        if smtp_port:
            start_smtp(app, host, smtp_port)  # mails the demo sends land in the sandbox inbox
            self.stdout.write(f"SMTP into the sandbox inbox on {host}:{smtp_port}")
        name_inbox_addresses(app)  # the inbox shows customers by nickname
        self.stdout.write(f"WeChat sandbox on http://{host}:{port}/ (Siyu at {siyu_url})")
        base.serve(app, host, port).serve_forever()
