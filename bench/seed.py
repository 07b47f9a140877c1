"""Seed a small shop for the HTTP benchmark: one merchant with on-sale products, through the services.

Run as a subprocess (``python -m bench.seed``) with the environment from ``bench.databases.django_env``:
the settings read the database location at import, so the seeding process must be a fresh one
pointed at the throwaway database. Products are created with ``create_product`` rather than raw
inserts so the rows (SKUs, stock levels, movements) look exactly like the ones the API reads.
Prints one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import json

import django

DEFAULT_SLUG = "bench-shop"


def seed_shop(slug: str, products: int, skus_per_product: int) -> dict[str, object]:
    """Create the merchant and its products; returns what the HTTP benchmark needs to build its URL."""
    from siyu.catalog.services import SkuInput, create_product
    from siyu.tenancy.models import Merchant

    merchant = Merchant.objects.create(slug=slug, name="Bench Shop")
    sizes = ["S", "M", "L", "XL"]
    for n in range(products):
        skus = [
            SkuInput(
                code=f"P{n:03d}-{sizes[i % len(sizes)]}",
                price=1990 + 100 * n + 50 * i,
                list_price=2990 + 100 * n,
                specs={"size": sizes[i % len(sizes)]},
                stock=100 + n,
            )
            for i in range(skus_per_product)
        ]
        create_product(
            merchant=merchant,
            name=f"Bench product {n:03d}",
            subtitle="A product seeded for the benchmark",
            skus=skus,
            status="on_sale",
            acting_staff=None,
        )
    return {
        "merchant_id": merchant.pk,
        "slug": slug,
        "products": products,
        "skus_per_product": skus_per_product,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--slug", default=DEFAULT_SLUG)
    parser.add_argument("--products", type=int, default=40)
    parser.add_argument("--skus-per-product", type=int, default=2)
    args = parser.parse_args(argv)
    django.setup()
    print(json.dumps(seed_shop(args.slug, args.products, args.skus_per_product)))


if __name__ == "__main__":
    main()
