"""``siyu import transactions|customers|products FILE --merchant SLUG``: bring a brand's history in.

Examples::

    siyu import transactions orders.xlsx --merchant tea --map customer_id=会员号 --map amount=实付
    siyu import transactions CDNOW_master.txt --merchant cdnow --delimiter whitespace \\
        --date-format %Y%m%d --map quantity=number_of_cds --map amount=dollar_value
    siyu import customers members.csv --merchant tea --encoding gb18030 --skip-bad-rows
    siyu import products skus.csv --merchant tea --no-header --columns sku,name,price

(The module is named ``import``, a Python keyword: Django loads commands with ``importlib``, which
takes any file name.)
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from siyu.core.errors import SiyuError
from siyu.imports.errors import ImportRejected
from siyu.imports.models import ImportKind
from siyu.imports.services import FIELDS, IMPORTERS, ImportOptions
from siyu.imports.services.mapping import parse_mapping, parse_positional
from siyu.imports.services.readers import DELIMITERS
from siyu.tenancy.models import Merchant

SHOWN_ERRORS = 20


class Command(BaseCommand):
    help = "Import transactions, customers or products from a CSV or Excel (.xlsx) file."

    def add_arguments(self, parser: CommandParser) -> None:
        kinds = parser.add_subparsers(dest="kind", required=True, metavar="KIND")
        for kind in ImportKind:
            fields = ", ".join(f.name + (" (required)" if f.required else "") for f in FIELDS[kind])
            if kind == ImportKind.TRANSACTIONS:
                fields += "; timestamp or date is required"
            sub = kinds.add_parser(kind.value, help=f"import {kind.value}", epilog=f"fields: {fields}")
            sub.add_argument("file", help="a .csv/.txt or .xlsx file")
            sub.add_argument("--merchant", required=True, help="the merchant's slug")
            sub.add_argument(
                "--map",
                action="append",
                default=[],
                metavar="FIELD=COLUMN",
                help="which column holds a field: a header name or a 1-based number (repeatable)",
            )
            sub.add_argument(
                "--columns", default="", help="fields by position, e.g. customer_id,date,-,amount"
            )
            sub.add_argument("--no-header", action="store_true", help="the first row is data")
            sub.add_argument(
                "--delimiter",
                default="comma",
                help=f"{', '.join(DELIMITERS)} or one character (default comma)",
            )
            sub.add_argument("--encoding", default="utf-8", help="text encoding of a CSV file, e.g. gb18030")
            sub.add_argument("--date-format", default="", help="strptime format, e.g. %%Y%%m%%d")
            sub.add_argument("--amount-unit", choices=["yuan", "fen"], default="yuan")
            sub.add_argument(
                "--skip-bad-rows", action="store_true", help="import the good rows, report the rest"
            )
            sub.add_argument("--source", default="import", help="the system the file's ids come from")
            sub.add_argument("--sheet", default="", help="Excel sheet name (default: the first)")
            sub.add_argument("--format", dest="file_format", choices=["csv", "xlsx"], default=None)
            sub.add_argument("--dry-run", action="store_true", help="check and count, then write nothing")
            sub.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args: Any, **opts: Any) -> None:
        merchant = Merchant.objects.filter(slug=opts["merchant"]).first()
        if merchant is None:
            raise CommandError(f"no merchant with slug {opts['merchant']!r}")
        path = Path(opts["file"])
        try:
            stream = path.open("rb")  # read as a stream, a chunk at a time (docs/imports.md)
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
        try:
            options = ImportOptions(
                mapping=parse_mapping(opts["map"]),
                columns=tuple(parse_positional(opts["columns"])) if opts["columns"] else (),
                has_header=not opts["no_header"],
                delimiter=opts["delimiter"],
                encoding=opts["encoding"],
                date_format=opts["date_format"],
                amount_unit=opts["amount_unit"],
                skip_bad_rows=opts["skip_bad_rows"],
                source=opts["source"],
                sheet=opts["sheet"],
                file_format=opts["file_format"] or "",
                dry_run=opts["dry_run"],
            )
            started = time.perf_counter()
            with stream:
                report = IMPORTERS[opts["kind"]](
                    merchant=merchant, data=stream, filename=path.name, options=options
                )
            seconds = time.perf_counter() - started
        except ImportRejected as exc:
            self._print_report(exc.detail, opts["json"])
            raise CommandError(str(exc.text)) from exc
        except SiyuError as exc:
            raise CommandError(
                f"{exc.text} {json.dumps(exc.detail, ensure_ascii=False, default=str)}"
            ) from exc
        self._print_report(report.as_dict(), opts["json"], seconds)

    def _print_report(self, report: dict[str, Any], as_json: bool, seconds: float | None = None) -> None:
        if as_json:
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
            return
        took = f" in {seconds:.1f} s" if seconds is not None else ""
        self.stdout.write(
            f"{report['kind']} {report['status']}{took}: {report['rows']} rows, "
            f"{report['imported']} imported, {report['skipped']} skipped, "
            f"{report['duplicates']} already imported"
        )
        if report["created"]:
            self.stdout.write("created: " + ", ".join(f"{n} {what}" for what, n in report["created"].items()))
        for error in report["errors"][:SHOWN_ERRORS]:
            self.stdout.write(f"  line {error['line']}, column {error['column']}: {error['reason']}")
        if report["error_count"] > SHOWN_ERRORS:
            self.stdout.write(
                f"  ... and {report['error_count'] - SHOWN_ERRORS} more (--json lists up to 1000)"
            )
