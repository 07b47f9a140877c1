"""A real history: the CDNOW master file (69,659 purchases by 23,570 customers, Jan 1997 - Jun 1998).

The file ships in the ``lifetimes`` package (install it without its dependencies: ``pip install
--no-deps lifetimes==0.11.3``; its own loader needs pandas and breaks on new setuptools, so the file
is read by path). Columns: customer id, date (yyyymmdd), number of CDs, dollar value, separated by
runs of spaces. Each row is one order: a customer with two rows on one day made two purchases
(1,774 customer-days have more than one; 255 rows are exact repeats of an earlier row).
"""

from __future__ import annotations

import importlib.util
from collections import Counter
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Min, Sum

from siyu.imports.models import ExternalCustomerRef, ExternalOrderRef
from siyu.imports.services import ImportOptions, import_transactions
from siyu.members.models import Customer
from siyu.orders.models import Order, OrderLine


def _cdnow_master() -> Path | None:
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "CDNOW_master.txt"
    return path if path.exists() else None


CDNOW = _cdnow_master()
pytestmark = pytest.mark.skipif(
    CDNOW is None, reason="lifetimes is not installed: pip install --no-deps lifetimes==0.11.3"
)


def _expected(path: Path) -> dict[str, int]:
    """The counts straight from the raw file, with plain Python."""
    rows = [line.split() for line in path.read_text().splitlines()[1:] if line.strip()]
    return {
        "rows": len(rows),
        "customers": len({r[0] for r in rows}),
        "revenue_fen": sum(int(Decimal(r[3]) * 100) for r in rows),
        "units": sum(int(r[2]) for r in rows),
        "multi_purchase_days": sum(1 for n in Counter((r[0], r[1]) for r in rows).values() if n > 1),
    }


def test_the_cdnow_history_imports_exactly_and_only_once(merchant):
    assert CDNOW is not None
    expected = _expected(CDNOW)
    assert expected == {
        "rows": 69659,
        "customers": 23570,
        "revenue_fen": 250_031_563,  # $2,500,315.63
        "units": 167_881,
        "multi_purchase_days": 1774,
    }
    options = ImportOptions(
        delimiter="whitespace",
        date_format="%Y%m%d",
        mapping={"quantity": "number_of_cds", "amount": "dollar_value"},
        source="cdnow",
    )

    report = import_transactions(
        merchant=merchant, data=CDNOW.read_bytes(), filename=CDNOW.name, options=options
    )

    assert (report.rows, report.imported, report.skipped, report.duplicates) == (69659, 69659, 0, 0)
    assert report.created == {"customers": 23570, "orders": 69659, "order_lines": 69659}
    orders = Order.objects.filter(merchant=merchant)
    assert Customer.objects.filter(merchant=merchant).count() == expected["customers"] == 23570
    assert orders.count() == expected["rows"] == 69659
    assert orders.aggregate(s=Sum("paid_amount"))["s"] == expected["revenue_fen"] == 250_031_563
    assert OrderLine.objects.filter(merchant=merchant).aggregate(s=Sum("quantity"))["s"] == 167_881
    assert OrderLine.objects.filter(merchant=merchant).aggregate(s=Sum("paid_amount"))["s"] == 250_031_563
    assert orders.filter(status="completed", source="import").count() == 69659
    assert ExternalOrderRef.objects.filter(merchant=merchant, source="cdnow").count() == 69659
    shanghai = ZoneInfo("Asia/Shanghai")
    assert orders.aggregate(first=Min("created_at"))["first"] == datetime(1997, 1, 1, tzinfo=shanghai)
    # Customer 00002 bought twice on 12 Jan 1997: two orders (1 CD for $12.00 and 5 for $77.00).
    two = ExternalCustomerRef.objects.get(merchant=merchant, source="cdnow", external_id="00002").customer
    assert sorted(two.orders.values_list("paid_amount", flat=True)) == [1200, 7700]
    assert two.registered_at == datetime(1997, 1, 12, tzinfo=shanghai)

    again = import_transactions(
        merchant=merchant, data=CDNOW.read_bytes(), filename=CDNOW.name, options=options
    )

    assert (again.imported, again.duplicates) == (0, 69659)
    assert orders.count() == 69659
    assert Customer.objects.filter(merchant=merchant).count() == 23570
