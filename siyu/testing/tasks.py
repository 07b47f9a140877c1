"""Tasks the suite runs in real worker processes (see siyu/core/tests/test_task_leases.py)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.db.models import F
from django_tasks import task

from siyu.tenancy.models import Merchant


@task()
def add_a_fen_when_released(merchant_id: int, attempts: str, hold: str) -> int:
    """Note this attempt's pid in the file ``attempts``, wait while the file ``hold`` exists, then
    add 1 fen to the merchant's shipping fee: an effect that adds up, so it shows how many runs
    completed."""
    with Path(attempts).open("a") as log:
        log.write(f"{os.getpid()}\n")
    while Path(hold).exists():
        time.sleep(0.05)
    return Merchant.objects.filter(pk=merchant_id).update(shipping_fee=F("shipping_fee") + 1)
