"""The cart page and its forms; every change goes through ``siyu.orders.services.cart``."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext as _

from siyu.orders.errors import QuantityInvalid
from siyu.orders.services import cart as cart_service
from siyu.storefront import selectors, tracking
from siyu.storefront.views.base import ShopPageRequest, SignedInShop, page, safe_next, shop_page
from siyu.storefront.views.catalog import int_param


def _quantity(raw: str | None, *, low: int) -> int:
    quantity = int_param(raw, default=None, low=0, high=cart_service.MAX_QUANTITY)
    if quantity is None or quantity < low:
        raise QuantityInvalid(detail={"quantity": raw})
    return quantity


@shop_page(login=True)
def cart(request: ShopPageRequest, shop: SignedInShop) -> HttpResponse:
    rows = selectors.cart(customer=shop.customer)
    chosen = [r for r in rows if r.item.selected and r.on_sale]
    return page(
        request,
        "storefront/cart.html",
        {
            "rows": rows,
            "total": sum(r.amount for r in chosen),
            "chosen_count": sum(r.item.quantity for r in chosen),
            "tab": "cart",
        },
    )


@shop_page(login=True, methods=("POST",))
def add(request: ShopPageRequest, shop: SignedInShop) -> HttpResponse:
    sku_id = int_param(request.POST.get("sku"))
    if sku_id is None:
        raise QuantityInvalid(detail={"sku": request.POST.get("sku")})
    quantity = _quantity(request.POST.get("qty", "1"), low=1)
    if request.POST.get("buy_now"):  # straight to checkout with this line; the cart is left alone
        params: dict[str, object] = {"sku": sku_id, "qty": quantity}
        if flash_sale_id := selectors.flash_sale_of(merchant=shop.merchant, sku_id=sku_id):
            params["activity"] = f"flash_sale:{flash_sale_id}"  # the price the product page showed
        return HttpResponseRedirect(f"{shop.url('checkout')}?{urlencode(params)}")
    item = cart_service.add_to_cart(customer=shop.customer, sku_id=sku_id, quantity=quantity)
    tracking.record_add_to_cart(
        customer=shop.customer, product_id=item.sku.product_id, sku_id=sku_id, quantity=quantity
    )
    messages.success(request, _("Added to the cart."))
    return HttpResponseRedirect(safe_next(request, shop, shop.url("cart")))


@shop_page(login=True, methods=("POST",))
def update(request: ShopPageRequest, shop: SignedInShop, sku_id: int) -> HttpResponse:
    quantity = _quantity(request.POST.get("qty"), low=0)
    selected = request.POST.get("selected") == "on" if "has_selected" in request.POST else None
    cart_service.update_cart_item(customer=shop.customer, sku_id=sku_id, quantity=quantity, selected=selected)
    return HttpResponseRedirect(shop.url("cart"))


@shop_page(login=True, methods=("POST",))
def remove(request: ShopPageRequest, shop: SignedInShop, sku_id: int) -> HttpResponse:
    cart_service.clear_cart(customer=shop.customer, sku_ids=[sku_id])
    return HttpResponseRedirect(shop.url("cart"))
