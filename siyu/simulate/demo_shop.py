"""The demo merchant's shop before any customer comes: outlets, staff, the catalogue with its stock,
and today's stocktake (see ``demo_data``); ``DemoBuilder`` runs these steps in order."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from siyu.catalog.models import Category, Product, ProductStatus, Sku
from siyu.catalog.services import SkuInput, create_category, create_product
from siyu.inventory.models import StockLevel, StockMovement
from siyu.inventory.services import set_stock
from siyu.simulate.demo_tables import (
    CATEGORIES,
    DEMO_PASSWORD,
    OUTLETS,
    PRODUCTS,
    STAFF,
    CatalogueEntry,
)
from siyu.simulate.product_art import product_media
from siyu.tenancy.models import AuditEntry, Merchant, Outlet, Role, Staff
from siyu.tenancy.services import create_staff

if TYPE_CHECKING:
    from siyu.simulate.demo_builder import DemoBuilder


class DemoShop:
    """Outlets, staff, products and stock of one demo build; it fills the builder's ``outlets``,
    ``staff``, ``on_sale`` and ``available``."""

    def __init__(self, builder: DemoBuilder) -> None:
        self.b = builder
        self.rng: random.Random = builder.rng

    @property
    def merchant(self) -> Merchant:
        return self.b.merchant

    # --- merchant, outlets, staff ------------------------------------------------------------------

    def outlets_and_staff(self) -> None:
        Merchant.objects.filter(pk=self.merchant.pk).update(created_at=self.b.days_ago(420))
        for opened, spec in zip((400, 300, 150), OUTLETS, strict=True):
            outlet = Outlet.objects.create(merchant=self.merchant, **spec)
            Outlet.objects.filter(pk=outlet.pk).update(created_at=self.b.days_ago(opened))
            self.b.outlets[outlet.code] = outlet
        for username, role, display_name, outlet_codes in STAFF:
            staff = create_staff(
                merchant=self.merchant,
                username=username,
                password=DEMO_PASSWORD,
                role=role,
                display_name=display_name,
                outlet_ids=[self.b.outlets[c].pk for c in outlet_codes],
            )
            self.b.staff[role] = staff
        Staff.objects.for_merchant(self.merchant).update(created_at=self.b.days_ago(410))

    # --- catalogue and stock -----------------------------------------------------------------------

    def catalogue(self) -> None:
        leaves: dict[str, Category] = {}
        for top_order, (top_name, children) in enumerate(CATEGORIES.items()):
            top = create_category(
                merchant=self.merchant, name=top_name, sort_order=top_order, acting_staff=None
            )
            for order, name in enumerate(children):
                leaves[name] = create_category(
                    merchant=self.merchant, name=name, parent_id=top.pk, sort_order=order, acting_staff=None
                )
        rng = self.rng
        pickup_outlets = [self.b.outlets[c] for c in ("SH-XTD", "HZ-HB")]
        for number, p in enumerate(PRODUCTS, start=1):
            skus = [
                SkuInput(
                    code=f"SY{number:03d}-{i + 1}",
                    specs={p.spec_key: spec},
                    price=price,
                    list_price=(price * (100 + p.markup_pct) // 10000) * 100 if p.markup_pct else 0,
                    cost=price * p.cost_pct // 100,
                    barcode=_ean13(f"693{number:04d}{i + 1:05d}"),
                    weight_grams=grams,
                    stock=self._opening_stock(p),
                )
                for i, (spec, price, grams) in enumerate(p.skus)
            ]
            product = create_product(
                merchant=self.merchant,
                name=p.name,
                skus=skus,
                category_id=leaves[p.category].pk,
                roles=list(p.roles),
                status=p.status,
                acting_staff=None,
                subtitle=p.subtitle,
                selling_points=list(p.points),
                description="。".join(p.points) + "。",
                **product_media(merchant=self.merchant, name=p.name, key=p.image, points=p.points),
                keywords=p.keywords,
                sort_order=p.popularity * 10,
            )
            created = self.b.days_ago(rng.uniform(100, 400))
            Product.objects.filter(pk=product.pk).update(created_at=created, updated_at=created)
            StockMovement.objects.filter(stock__sku__product=product).update(created_at=created)
            AuditEntry.objects.filter(object_type="catalog.product", object_id=str(product.pk)).update(
                created_at=created
            )
            sku_rows = list(product.skus.order_by("id"))
            for sku in sku_rows:
                self.b.available[(sku.pk, None)] = StockLevel.objects.get(sku=sku, outlet=None).on_hand
            if p.status != ProductStatus.ON_SALE:
                continue
            self.b.on_sale.append((product, sku_rows, p.popularity))
            for sku in sku_rows:
                for outlet, chance in zip(pickup_outlets, (0.7, 0.6), strict=True):
                    if rng.random() < chance:
                        self._outlet_stock(sku, outlet, rng.randint(15, 60))
                if p.category in CATEGORIES["茶叶"] and rng.random() < 0.4:
                    # The tea room keeps a small tasting shelf: a lower alert line suits it.
                    self._outlet_stock(sku, self.b.outlets["HZ-LJ"], rng.randint(5, 20), threshold=3)
        AuditEntry.objects.filter(
            merchant=self.merchant, object_type__in=["catalog.category", "tenancy.staff"]
        ).update(created_at=self.b.days_ago(410))

    def _opening_stock(self, p: CatalogueEntry) -> int:
        if p.status == ProductStatus.DRAFT:
            return 0
        if p.status == ProductStatus.OFF_SHELF:
            return self.rng.randint(0, 30)
        return self.rng.randint(150, 600)

    def _outlet_stock(self, sku: Sku, outlet: Outlet, units: int, threshold: int | None = None) -> None:
        set_stock(
            merchant=self.merchant,
            sku=sku,
            on_hand=units,
            outlet=outlet,
            low_stock_threshold=threshold,
            note="门店到货",
        )
        self.b.available[(sku.pk, outlet.pk)] = units

    # --- today's stocktake -------------------------------------------------------------------------

    def stocktake(self) -> None:
        """A count found some shelves nearly empty: the low-stock list has something to show."""
        rng = self.rng
        skus = [sku for _p, rows, _w in self.b.on_sale for sku in rows]
        warehouse = rng.sample(skus, 7)
        for i, sku in enumerate(warehouse):
            level = StockLevel.objects.get(sku=sku, outlet=None)
            left = 0 if i == 0 else rng.randint(1, 8)  # one sold out
            set_stock(
                merchant=self.merchant,
                sku=sku,
                on_hand=level.reserved + left,
                low_stock_threshold=rng.choice([10, 20]),
                acting_staff=self.b.staff[Role.OPERATOR],
                note="月末盘点",
            )
        manager = self.b.staff[Role.OUTLET_MANAGER]
        outlet = self.b.outlets["SH-XTD"]
        shelf = list(StockLevel.objects.filter(outlet=outlet).order_by("id"))
        for level in rng.sample(shelf, min(3, len(shelf))):
            set_stock(
                merchant=self.merchant,
                sku=level.sku,
                outlet=outlet,
                on_hand=level.reserved + rng.randint(0, 4),
                low_stock_threshold=5,
                acting_staff=manager,
                note="门店盘点",
            )


def _ean13(twelve: str) -> str:
    """A barcode with a valid check digit, so scanners and validators accept the demo's SKUs."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(twelve))
    return twelve + str((10 - total % 10) % 10)
