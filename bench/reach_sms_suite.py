"""SMS send rate through the fake Tencent Cloud SMS, as a ratio to a bare HTTP POST loop to the same fake.

``run(quick)`` returns what ``bench.run`` reports. In a child process with Django set up on a scratch
SQLite database, it serves the sandbox (siyu/wechat/sandbox) on a free port, makes a merchant whose
SMS setting points at it, and measures messages per second:

- ``bare``: a plain ``requests`` POST loop of a SendSms-sized body to the same endpoint (the fake
  refuses it unsigned, so this is the HTTP floor of one call, no SDK, no signing, no database);
- ``adapter``: ``SmsAdapter.send`` in a loop (SDK, TC3 signing, the setting read, the fake's
  signature check and delivery), one thread;
- ``adapter_concurrent``: the same with the channel's concurrency (threads);
- ``dispatcher``: ``siyu.reach.dispatch.dispatch_messages`` draining queued messages (lease, budget
  claim, render, send, record), when the engine provides it.

The fake, the client and the database share one process and two cores, so the numbers are floors;
the ratios to ``bare`` are what to compare between runs. Run alone with
``python -m bench.reach_sms_suite [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import databases

DEFAULT = {"messages": 600, "concurrency": 2}
QUICK = {"messages": 150, "concurrency": 2}
TIMEOUT_S = 15 * 60


def run(quick: bool = False) -> dict[str, Any]:
    spec = QUICK if quick else DEFAULT
    try:
        with tempfile.TemporaryDirectory(prefix="siyu-sms-") as tmp:
            env = databases.django_env(Path(tmp))
            databases.migrate(env)
            done = subprocess.run(
                [sys.executable, "-m", "bench.reach_sms_suite", "--child", json.dumps(spec)],
                env=env,
                cwd=databases.REPO_ROOT,
                capture_output=True,
                text=True,
                timeout=TIMEOUT_S,
                check=True,
            )
    except (subprocess.SubprocessError, OSError) as exc:
        return {"reach_sms_error": databases.failure_text(exc)}
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    result: dict[str, Any] = {"reach_sms_messages": spec["messages"]}
    bare = measured["bare"]
    for name, rate in measured.items():
        if name.endswith("_sent"):
            result[f"reach_sms_{name}"] = rate
        elif isinstance(rate, int | float):
            result[f"reach_sms_{name}_per_s"] = round(rate, 1)
            if name != "bare":
                result[f"reach_sms_ratio_{name}_to_bare"] = round(rate / bare, 3)
        else:
            result[f"reach_sms_{name}"] = rate
    return result


def _measure(spec: dict[str, Any]) -> dict[str, Any]:
    import django

    django.setup()
    from concurrent.futures import ThreadPoolExecutor

    import requests
    from django.conf import settings
    from django.utils import timezone

    from siyu.members.models import ContactPreference, Customer
    from siyu.reach.channels import adapter_for
    from siyu.reach.models import ChannelSetting, Message, MessageTemplate
    from siyu.tenancy.models import Merchant
    from siyu.testing.reach_channels import sms_channel
    from siyu.wechat.sandbox import server
    from siyu.wechat.sandbox.base import serve_in_thread

    n = int(spec["messages"])
    app = server.build()
    base, stop = serve_in_thread(app)
    settings.SIYU_WECHAT_SANDBOX_URL = base
    out: dict[str, Any] = {}
    try:
        merchant = Merchant.objects.create(slug="bench-sms", name="bench")
        setting = sms_channel(merchant, app)
        ChannelSetting.objects.filter(pk=setting.pk).update(
            rate_per_minute=60_000, concurrency=spec["concurrency"]
        )
        template = MessageTemplate.objects.create(
            merchant=merchant,
            name="bench",
            channel="sms",
            external_id="1",
            fields={"params": ["{{ customer.nickname }}"]},
        )
        adapter = adapter_for("sms")
        customers = Customer.objects.bulk_create(
            [
                Customer(
                    merchant=merchant, nickname=f"c{i}", phone=f"139{i:08d}", registered_at=timezone.now()
                )
                for i in range(n)
            ]
        )

        body = json.dumps(
            {
                "PhoneNumberSet": ["+8613900000000"],
                "SmsSdkAppId": "1400000001",
                "SignName": "茶舍",
                "TemplateId": "1",
                "TemplateParamSet": ["c0"],
                "SessionContext": "b0:c0",
            }
        )
        session = requests.Session()
        started = time.perf_counter()
        for _ in range(n):
            session.post(f"{base}/sms", data=body, headers={"Content-Type": "application/json"}, timeout=10)
        out["bare"] = n / (time.perf_counter() - started)

        def messages(prefix: str) -> list[Message]:
            rows = [
                Message(
                    merchant=merchant,
                    customer=c,
                    key=f"{prefix}:c{c.pk}",
                    channel="sms",
                    template=template,
                    address=f"+86{c.phone}",
                    status="sending",
                    send_at=timezone.now(),
                )
                for c in customers
            ]
            made = Message.objects.bulk_create(rows)
            for m in made:
                m.payload = adapter.render(template, {"customer.nickname": m.customer.nickname}, m)
            Message.objects.bulk_update(made, ["payload"])
            return made

        batch = messages("a")
        started = time.perf_counter()
        sent = sum(adapter.send(m).outcome == "sent" for m in batch)
        out["adapter"] = sent / (time.perf_counter() - started)

        batch = messages("b")
        started = time.perf_counter()
        with ThreadPoolExecutor(spec["concurrency"]) as pool:
            sent = sum(r.outcome == "sent" for r in pool.map(adapter.send, batch))
        out["adapter_concurrent"] = sent / (time.perf_counter() - started)

        try:
            from siyu.reach.dispatch import dispatch_messages

            for c in customers:
                ContactPreference.objects.update_or_create(
                    customer=c, channel="sms", defaults={"merchant_id": merchant.pk, "opted_in": True}
                )
            queued = [
                Message(
                    merchant=merchant,
                    customer=c,
                    key=f"d:c{c.pk}",
                    channel="sms",
                    template=template,
                    address=f"+86{c.phone}",
                    status="queued",
                    transactional=True,
                    send_at=timezone.now(),
                )
                for c in customers
            ]
            Message.objects.bulk_create(queued)
            started = time.perf_counter()
            for _ in range(10 * n):
                dispatch_messages()
                if not Message.objects.filter(key__startswith="d:", status="queued").exists():
                    break
            done = Message.objects.filter(key__startswith="d:", status__in=["sent", "delivered"]).count()
            out["dispatcher"] = done / (time.perf_counter() - started)
            out["dispatcher_sent"] = done
        except Exception as exc:  # the engine may not be merged yet: say so, keep the rest
            out["dispatcher_error"] = f"{type(exc).__name__}: {exc}"[:200]
    finally:
        stop()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.reach_sms_suite")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_measure(json.loads(args.child))))
        return
    for key, value in run(args.quick).items():
        print(f"{key} = {value}")


if __name__ == "__main__":
    main()
