"""What the product page shows of the promotions in force: their labels and a one-unit price.

The promotions engine does the arithmetic: each SKU is priced as a one-unit cart with the
merchant's live rules and no coupons, so "限时8.5折" shows as the price it gives, exactly as
checkout would compute it. Order-level rules (满减) rarely change one unit; they show as labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from siyu.catalog.models import Category, Product, Sku
from siyu.members.models import Customer
from siyu.promotions import engine as e
from siyu.promotions import pricing as promo
from siyu.promotions.engine.explain import rule_label
from siyu.tenancy.models import Merchant


@dataclass(frozen=True)
class Offers:
    labels: list[tuple[str, str]] = field(default_factory=list)  # (zh, en) per rule covering the product
    unit_prices: dict[int, int] = field(default_factory=dict)  # sku id -> one unit after promotions


def _category_path(merchant: Merchant, category_id: int | None) -> tuple[int, ...]:
    if category_id is None:
        return ()
    parents = dict(Category.objects.for_merchant(merchant).values_list("id", "parent_id"))
    chain: list[int] = []
    node = parents.get(category_id)
    while node is not None and node not in chain and len(chain) < Category.MAX_DEPTH:
        chain.append(node)
        node = parents.get(node)
    return tuple(chain)


def product_offers(
    *, merchant: Merchant, product: Product, skus: Sequence[Sku], customer: Customer | None, now: datetime
) -> Offers:
    book = promo.live_promotions(merchant.pk, now)
    if not book.rules or not skus:
        return Offers()
    path = _category_path(merchant, product.category_id)
    roles = tuple(r.role for r in product.role_rows.all())
    lines = {
        sku.pk: e.CartLine(
            sku_id=sku.pk,
            product_id=product.pk,
            quantity=1,
            unit_price=sku.price,
            cost=sku.cost,
            category_id=product.category_id,
            category_path=path,
            roles=roles,
        )
        for sku in skus
    }
    labels = []
    for rule in book.rules:
        scope = getattr(rule, "scope", None)
        if scope is not None and any(scope.matches(line) for line in lines.values()):
            labels.append(rule_label(rule))
    context = promo.customer_context(customer, book) if customer is not None else e.CustomerContext()
    floor, _limits = promo.policies(book)
    prices = {}
    for sku_id, line in lines.items():
        try:
            result = e.price(
                e.PricingRequest(lines=(line,), now=now, customer=context, promotions=book.rules, floor=floor)
            )
        except e.PricingInputError:
            continue
        payable = sum(p.payable_amount for p in result.lines if p.sku_id == sku_id)
        if payable < line.unit_price:
            prices[sku_id] = payable
    return Offers(labels=labels, unit_prices=prices)
