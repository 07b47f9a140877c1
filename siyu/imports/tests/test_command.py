"""``siyu import``: the command line, through Django's command loader."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import CommandError

from siyu.orders.models import Order
from siyu.testing.snapshots import import_counts


def _call(*args: str) -> str:
    out = StringIO()
    call_command("import", *args, stdout=out)
    return out.getvalue()


def test_the_command_module_named_import_loads():
    # "import" is a keyword, but Django loads commands with importlib, which takes any module name.
    assert get_commands()["import"] == "siyu.imports"
    assert load_command_class("siyu.imports", "import").help.startswith("Import transactions")


def test_import_transactions_from_a_whitespace_file(tmp_path, merchant):
    path = tmp_path / "cdnow_sample.txt"
    path.write_text(" customer_id  date number_of_cds  dollar_value\r\n 00001 19970101  1   11.77\r\n")
    output = _call(
        "transactions",
        str(path),
        "--merchant",
        merchant.slug,
        "--delimiter",
        "whitespace",
        "--date-format",
        "%Y%m%d",
        "--map",
        "quantity=number_of_cds",
        "--map",
        "amount=dollar_value",
    )
    assert "transactions imported" in output
    assert "1 rows, 1 imported, 0 skipped, 0 already imported" in output
    assert Order.objects.get(merchant=merchant).paid_amount == 1177


def test_rejected_file_prints_the_report_and_fails(tmp_path, merchant):
    path = tmp_path / "bad.csv"
    path.write_text("cust,date,amount\nc1,2024-01-01,x\n")
    before = import_counts(merchant)
    out = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import", "transactions", str(path), "--merchant", merchant.slug, stdout=out)
    assert "line 2, column amount: Not a number." in out.getvalue()
    assert import_counts(merchant) == before


def test_json_report_and_no_header(tmp_path, merchant):
    path = tmp_path / "skus.csv"
    path.write_text("A1\tTea\t12.50\n")
    report = json.loads(
        _call(
            "products",
            str(path),
            "--merchant",
            merchant.slug,
            "--no-header",
            "--columns",
            "sku,name,price",
            "--delimiter",
            "tab",
            "--json",
        )
    )
    assert (report["imported"], report["created"]) == (1, {"products": 1, "skus": 1})


def test_refusals_are_command_errors(tmp_path, merchant):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(CommandError, match="no merchant"):
        _call("customers", str(path), "--merchant", "nobody")
    with pytest.raises(CommandError, match="cannot read"):
        _call("customers", str(tmp_path / "missing.csv"), "--merchant", merchant.slug)
    with pytest.raises(CommandError, match="required columns"):
        _call("customers", str(path), "--merchant", merchant.slug)
    with pytest.raises(CommandError, match="option is invalid"):
        _call("customers", str(path), "--merchant", merchant.slug, "--date-format", "%Q")
