"""The customer's cart: one row per SKU."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from siyu.catalog import carriers
from siyu.catalog.errors import ProductNotOnSale
from siyu.catalog.models import ProductStatus, Sku
from siyu.core.errors import NotFound
from siyu.members.models import Customer
from siyu.orders.errors import QuantityInvalid
from siyu.orders.models import CartItem

MAX_QUANTITY = 999
MAX_CART_ROWS = 100


def _sellable_sku(customer: Customer, sku_id: int) -> Sku:
    sku = Sku.objects.for_merchant(customer.merchant_id).select_related("product").filter(pk=sku_id).first()
    if sku is None:
        raise NotFound(detail={"sku_id": sku_id})
    if not sku.is_active or sku.product.status != ProductStatus.ON_SALE:
        raise ProductNotOnSale(detail={"sku_id": sku_id})
    carriers.refuse_ordinary_purchase(customer.merchant_id, [sku_id])
    return sku


@transaction.atomic
def add_to_cart(*, customer: Customer, sku_id: int, quantity: int) -> CartItem:
    """Add units of a SKU to the cart (adding to the row if it is already there)."""
    if not 1 <= quantity <= MAX_QUANTITY:
        raise QuantityInvalid(detail={"quantity": quantity})
    sku = _sellable_sku(customer, sku_id)
    item, created = CartItem.objects.get_or_create(
        customer=customer, sku=sku, defaults={"merchant_id": customer.merchant_id, "quantity": quantity}
    )
    if not created:
        if item.quantity + quantity > MAX_QUANTITY:
            raise QuantityInvalid(detail={"quantity": item.quantity + quantity})
        CartItem.objects.filter(pk=item.pk).update(quantity=F("quantity") + quantity, selected=True)
        item.refresh_from_db()
    elif CartItem.objects.filter(customer=customer).count() > MAX_CART_ROWS:
        raise QuantityInvalid(detail={"cart_rows": MAX_CART_ROWS})
    return item


@transaction.atomic
def update_cart_item(
    *, customer: Customer, sku_id: int, quantity: int, selected: bool | None = None
) -> CartItem | None:
    """Set a cart row's quantity (0 removes it) and whether it is selected for checkout."""
    if not 0 <= quantity <= MAX_QUANTITY:
        raise QuantityInvalid(detail={"quantity": quantity})
    item = CartItem.objects.filter(customer=customer, sku_id=sku_id).first()
    if item is None:
        raise NotFound(detail={"sku_id": sku_id})
    if quantity == 0:
        item.delete()
        return None
    item.quantity = quantity
    fields = ["quantity"]
    if selected is not None:
        item.selected = selected
        fields.append("selected")
    item.save(update_fields=fields)
    return item


def clear_cart(*, customer: Customer, sku_ids: list[int] | None = None) -> int:
    qs = CartItem.objects.filter(customer=customer)
    if sku_ids is not None:
        qs = qs.filter(sku_id__in=sku_ids)
    return qs.delete()[0]
