"""Import a product list: one row per SKU, grouped into products by product id or, without one, by name.

A SKU code the merchant already has is left as it is (a re-run changes nothing). New SKUs of a
product whose name the catalog already has join that product. Imported products start as drafts
with zero stock: stock and publishing stay with the operator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from django.utils.translation import gettext_lazy as _

from siyu.catalog.models import Product, ProductStatus, Sku
from siyu.imports.models import ImportKind
from siyu.imports.services import cells
from siyu.imports.services.batches import BATCH_SIZE, authorize, existing, finish_reading, open_table, writing
from siyu.imports.services.mapping import Field
from siyu.imports.services.options import ImportOptions
from siyu.imports.services.readers import Progress
from siyu.imports.services.report import ImportReport, RowScope
from siyu.inventory.models import StockLevel
from siyu.tenancy.models import Merchant, Staff

FIELDS = (
    Field("sku", ("sku_code", "code", "商品编码", "货号", "规格编码"), required=True),
    Field("name", ("product_name", "title", "商品名称", "名称", "品名"), required=True),
    Field("price", ("unit_price", "sale_price", "售价", "价格", "单价"), required=True),
    Field("list_price", ("original_price", "原价", "划线价")),
    Field("cost", ("cost_price", "成本", "成本价")),
    Field("barcode", ("ean", "条码", "条形码")),
    Field("product_id", ("spu", "spu_id", "product_code", "商品id", "spu编码")),
)


@dataclass(frozen=True, slots=True)
class SkuRow:
    line: int
    code: str
    name: str
    price: int
    list_price: int
    cost: int
    barcode: str
    product_key: str


def import_products(
    *,
    merchant: Merchant,
    data: bytes | IO[bytes],
    filename: str = "",
    options: ImportOptions | None = None,
    acting_staff: Staff | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a file of SKUs into ``merchant``'s catalog; all of it, the good rows, or (rejected) none."""
    options = options or ImportOptions()
    authorize(acting_staff, ImportKind.PRODUCTS)
    table, columns, report = open_table(
        kind=ImportKind.PRODUCTS,
        data=data,
        filename=filename,
        options=options,
        fields=FIELDS,
        progress=progress,
    )

    def money(cell: cells.Cell) -> int:
        return cells.amount_fen(cell, unit=options.amount_unit)

    def optional_money(cell: cells.Cell) -> int:
        return 0 if cells.is_blank(cell) else money(cell)

    parsed: list[SkuRow] = []
    first_line: dict[str, int] = {}
    for line, row in table.rows:
        scope = RowScope(line, row, columns)
        name = scope.get("name", lambda c: cells.text(c, max_length=120, required=True), "")
        item = SkuRow(
            line=line,
            code=scope.get("sku", lambda c: cells.text(c, max_length=64, required=True), ""),
            name=name,
            price=scope.get("price", money, 0),
            list_price=scope.get("list_price", optional_money, 0),
            cost=scope.get("cost", optional_money, 0),
            barcode=scope.get("barcode", lambda c: cells.text(c, max_length=32), ""),
            product_key=scope.get("product_id", lambda c: cells.text(c, max_length=128), "")
            or f"name:{name}",
        )
        if item.code in first_line:
            scope.fail("sku", _("Duplicate of line %(line)d.") % {"line": first_line[item.code]})
        elif item.code:
            first_line[item.code] = line
        report.errors += scope.errors
        if not scope.errors:
            parsed.append(item)

    finish_reading(table, report)
    done = existing(Sku.objects.for_merchant(merchant), "code", [s.code for s in parsed])
    fresh = [s for s in parsed if s.code not in done]
    report.duplicates = len(parsed) - len(fresh)
    report.skipped = len({e.line for e in report.errors})
    report.imported = len(fresh)

    with writing(merchant=merchant, report=report, options=options, filename=filename, staff=acting_staff):
        # Products and SKUs carry no import reference: a SKU's code is its key.
        groups: dict[str, list[SkuRow]] = {}
        for item in fresh:
            groups.setdefault(item.product_key, []).append(item)
        names = {rows[0].name for rows in groups.values()}
        by_name: dict[str, int] = {}
        for product_id, name in (
            Product.objects.for_merchant(merchant)
            .filter(name__in=sorted(names))
            .order_by("-id")
            .values_list("id", "name")
        ):
            by_name[name] = product_id  # the oldest product of a name wins
        new_products = {
            key: Product(merchant=merchant, name=rows[0].name, status=ProductStatus.DRAFT)
            for key, rows in groups.items()
            if rows[0].name not in by_name
        }
        Product.objects.bulk_create(list(new_products.values()), batch_size=BATCH_SIZE)
        skus = [
            Sku(
                merchant=merchant,
                product_id=new_products[key].pk if key in new_products else by_name[rows[0].name],
                code=item.code,
                price=item.price,
                list_price=item.list_price,
                cost=item.cost,
                barcode=item.barcode,
            )
            for key, rows in groups.items()
            for item in rows
        ]
        Sku.objects.bulk_create(skus, batch_size=BATCH_SIZE)
        StockLevel.objects.bulk_create(
            [StockLevel(merchant=merchant, sku=sku, on_hand=0) for sku in skus], batch_size=BATCH_SIZE
        )
        report.created.update(products=len(new_products), skus=len(skus))
    return report
