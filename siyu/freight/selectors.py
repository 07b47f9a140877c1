"""Reads of freight templates for the console: the list with its counts, one template with its rules."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from siyu.catalog.models import Product
from siyu.freight.models import FreightTemplate


def template_list(merchant_id: int) -> QuerySet[FreightTemplate]:
    """The merchant's templates, default first, each with ``rule_count`` and ``product_count`` (one query)."""
    return FreightTemplate.objects.for_merchant(merchant_id).annotate(
        rule_count=Count("rules", distinct=True), product_count=Count("products", distinct=True)
    )


def template_with_rules(merchant_id: int, template_id: int) -> FreightTemplate:
    """One template with its rules prefetched; a 404 ``not_found`` when it is not the merchant's."""
    return FreightTemplate.objects.for_merchant(merchant_id).prefetch_related("rules").get_owned(template_id)


def assignable_products(merchant_id: int) -> QuerySet[Product]:
    """Every product of the merchant with the template it uses now (one query)."""
    return (
        Product.objects.for_merchant(merchant_id)
        .select_related("freight_template")
        .only("id", "name", "status", "freight_template", "freight_template__name")
        .order_by("id")
    )
