"""Use cases of imports: bring a brand's real history (transactions, customers, products) into Siyu.

``readers`` turns a file into rows, ``mapping`` finds the columns, ``cells`` checks each value,
``batches`` is the one-transaction frame with the batch row, and one module per kind writes.
"""

from __future__ import annotations

from collections.abc import Callable

from siyu.imports.models import ImportKind
from siyu.imports.services import customers, products, transactions
from siyu.imports.services.customers import import_customers
from siyu.imports.services.options import ImportOptions
from siyu.imports.services.products import import_products
from siyu.imports.services.report import ImportReport, RowError
from siyu.imports.services.transactions import import_transactions

IMPORTERS: dict[str, Callable[..., ImportReport]] = {
    ImportKind.TRANSACTIONS: import_transactions,
    ImportKind.CUSTOMERS: import_customers,
    ImportKind.PRODUCTS: import_products,
}

FIELDS = {
    ImportKind.TRANSACTIONS: transactions.FIELDS,
    ImportKind.CUSTOMERS: customers.FIELDS,
    ImportKind.PRODUCTS: products.FIELDS,
}

__all__ = [
    "FIELDS",
    "IMPORTERS",
    "ImportOptions",
    "ImportReport",
    "RowError",
    "import_customers",
    "import_products",
    "import_transactions",
]
