"""``siyu simulate``: generate a brand's private-domain history, deterministically, at any scale."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils.text import slugify

from siyu.simulate.model import PRESETS
from siyu.simulate.runner import DEFAULT_CHUNK, simulate


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--start wants a date like 2025-01-31, not {value!r}") from exc


class Command(BaseCommand):
    help = (
        "Simulate customers, orders and behaviour events for a merchant (created with a catalogue "
        "and outlets unless it already sells 10+ products). Same seed, same rows."
    )

    def add_arguments(self, parser):
        parser.add_argument("--merchant", required=True, help="Merchant slug, e.g. demo")
        parser.add_argument("--customers", type=int, required=True)
        parser.add_argument("--days", type=int, default=365)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--start", type=_date, help="First day (merchant's local date); default: DAYS ago"
        )
        parser.add_argument(
            "--preset",
            choices=sorted(PRESETS),
            default="default",
            help="Parameters: default (a growing brand) or loyal (a membership brand, ~10 orders a customer)",
        )
        parser.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK, help="Customers per chunk")
        bulk = parser.add_mutually_exclusive_group()
        bulk.add_argument(
            "--bulk", dest="bulk", action="store_const", const=True, help="PostgreSQL: rebuild indexes after"
        )
        bulk.add_argument("--no-bulk", dest="bulk", action="store_const", const=False)
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, merchant: str, customers: int, days: int, seed: int, start, **options):
        if slugify(merchant) != merchant:
            raise CommandError(f"--merchant must be a slug (letters, digits, -, _), not {merchant!r}")
        if customers < 1 or days < 1 or options["chunk_size"] < 1:
            raise CommandError("--customers, --days and --chunk-size must be positive")
        report = simulate(
            merchant_slug=merchant,
            customers=customers,
            days=days,
            seed=seed,
            start=start,
            preset=options["preset"],
            chunk_size=options["chunk_size"],
            bulk=options["bulk"],
            progress=not options["no_progress"],
        )
        for line in report.describe():
            self.stdout.write(line)
