"""``siyu load_demo``: create the demo merchant 山野茶铺 with three months of history (idempotent)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from siyu.simulate.demo_data import load_demo


class Command(BaseCommand):
    help = "Create the demo merchant 'demo' with outlets, staff, products, customers and ~400 orders."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=7, help="Same seed, same data (counts are exact)")

    def handle(self, *args, seed: int, **options):
        started = time.perf_counter()
        summary = load_demo(seed=seed)
        for line in summary.describe():
            self.stdout.write(line)
        if summary.created:
            self.stdout.write(f"  took {time.perf_counter() - started:.1f} s")
