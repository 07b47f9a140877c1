"""Cart and checkout pages: writes through the services, refusals change nothing."""

from __future__ import annotations

import re
import uuid

import pytest
from django.test import Client

from siyu.events.models import Event, EventKind
from siyu.inventory.models import StockLevel
from siyu.members.services import save_address
from siyu.orders.models import CartItem, Order, OrderStatus, Payment
from siyu.orders.services.cart import add_to_cart
from siyu.testing.factories import make_merchant

pytestmark = pytest.mark.django_db


def _address(customer):
    return save_address(
        customer=customer,
        recipient="王小明",
        phone="13800000000",
        province="上海",
        city="上海",
        district="黄浦",
        detail="南京东路1号",
    )


def _token(html: str) -> str:
    match = re.search(r'name="token" value="([0-9a-f]{32})"', html)
    assert match
    return match.group(1)


def test_cart_pages_need_login_and_come_back_after_it(merchant, sku):
    client = Client()
    response = client.get("/shop/tea/cart/")
    assert response.status_code == 302
    assert response["Location"] == "/shop/tea/login/?next=%2Fshop%2Ftea%2Fcart%2F"
    response = client.post(
        "/shop/tea/login/?next=/shop/tea/cart/", {"nickname": "bob", "next": "/shop/tea/cart/"}
    )
    assert response["Location"] == "/shop/tea/cart/"


def test_add_to_cart_then_update_select_and_remove(merchant, make_product, shopper):
    client, customer = shopper
    product = make_product("Longjing", price=5000)
    sku = product.skus.get()
    response = client.post(
        "/shop/tea/cart/add/", {"sku": sku.pk, "qty": "2", "next": f"/shop/tea/p/{product.pk}/"}
    )
    assert response["Location"] == f"/shop/tea/p/{product.pk}/"
    assert CartItem.objects.get(customer=customer).quantity == 2
    assert Event.objects.filter(kind=EventKind.ADD_TO_CART, customer=customer).count() == 1
    html = client.get("/shop/tea/cart/").content.decode()
    assert 'data-testid="cart-total">¥100.00<' in html
    assert 'data-testid="cart-count">1<' in html
    client.post(f"/shop/tea/cart/{sku.pk}/update/", {"qty": "3", "has_selected": "1"})
    item = CartItem.objects.get(customer=customer)
    assert (item.quantity, item.selected) == (3, False)
    html = client.get("/shop/tea/cart/").content.decode()
    assert 'data-testid="cart-total">¥0.00<' in html
    client.post(f"/shop/tea/cart/{sku.pk}/update/", {"qty": "3", "has_selected": "1", "selected": "on"})
    assert CartItem.objects.get(customer=customer).selected is True
    client.post(f"/shop/tea/cart/{sku.pk}/remove/")
    assert not CartItem.objects.filter(customer=customer).exists()


def test_cart_page_query_count_does_not_grow_with_rows(
    merchant, make_product, shopper, django_assert_max_num_queries
):
    client, customer = shopper
    for i in range(5):
        add_to_cart(customer=customer, sku_id=make_product(f"Tea {i}").skus.get().pk, quantity=1)
    # session, merchant, customer, cart rows, skus->products, skus, stock, roles, cart count
    with django_assert_max_num_queries(9):
        response = client.get("/shop/tea/cart/")
    assert response.content.decode().count('data-testid="cart-row"') == 5


def test_refused_cart_changes_change_nothing(merchant, make_product, shopper):
    client, _customer = shopper
    other = make_merchant("coffee")
    theirs = make_product("Beans", m=other).skus.get()
    response = client.post("/shop/tea/cart/add/", {"sku": theirs.pk, "qty": "1"})
    assert response.status_code == 404
    ours = make_product("Tea").skus.get()
    for qty in ("0", "1000", "x"):
        response = client.post("/shop/tea/cart/add/", {"sku": ours.pk, "qty": qty})
        assert response.status_code == 400
        assert b'data-code="quantity_invalid"' in response.content
    assert not CartItem.objects.exists()
    assert not Event.objects.filter(kind=EventKind.ADD_TO_CART).exists()


def test_buy_now_goes_to_checkout_without_touching_the_cart(merchant, sku, shopper):
    client, customer = shopper
    response = client.post("/shop/tea/cart/add/", {"sku": sku.pk, "qty": "2", "buy_now": "1"})
    assert response["Location"] == f"/shop/tea/checkout/?sku={sku.pk}&qty=2"
    assert not CartItem.objects.exists()
    _address(customer)
    html = client.get(response["Location"]).content.decode()
    assert 'data-testid="payable">¥100.00<' in html  # 2 x ¥50, free shipping over ¥99


def test_checkout_quotes_the_cart_with_the_default_address(
    merchant, make_product, shopper, django_assert_max_num_queries
):
    client, customer = shopper
    address = _address(customer)
    add_to_cart(customer=customer, sku_id=make_product(price=3000).skus.get().pk, quantity=2)
    for i in range(4):  # more lines, same queries
        add_to_cart(customer=customer, sku_id=make_product(f"Tea {i}", price=1).skus.get().pk, quantity=1)
    # shop + session + customer, addresses, outlets, the quote (promotions, coupons, SKUs, carriers,
    # freight templates...), cart count
    with django_assert_max_num_queries(18):
        response = client.get("/shop/tea/checkout/")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'name="address" value="{address.pk}" checked' in html
    assert html.count('data-testid="priced-line"') == 5
    assert 'data-testid="shipping">¥10.00<' in html  # ¥60.04 is under the ¥99 free-shipping threshold
    assert 'data-testid="payable">¥70.04<' in html


def test_checkout_with_pickup_has_no_shipping_fee(merchant, outlet, make_product, shopper):
    client, customer = shopper
    add_to_cart(customer=customer, sku_id=make_product(price=3000).skus.get().pk, quantity=1)
    html = client.get("/shop/tea/checkout/", {"fulfilment": "pickup"}).content.decode()
    assert f'name="outlet" value="{outlet.pk}" checked' in html
    assert 'data-testid="payable">¥30.00<' in html


def test_placing_the_order_redirects_to_the_cashier_and_a_resubmit_is_the_same_order(
    merchant, make_product, shopper
):
    client, customer = shopper
    address = _address(customer)
    sku = make_product(price=5000, stock=10).skus.get()
    add_to_cart(customer=customer, sku_id=sku.pk, quantity=2)
    token = _token(client.get("/shop/tea/checkout/").content.decode())
    form = {"token": token, "fulfilment": "delivery", "address": address.pk, "note": "ring twice"}
    first = client.post("/shop/tea/checkout/", form)
    order = Order.objects.get()
    payment = Payment.objects.get()
    assert first.status_code == 302
    assert first["Location"] == (
        f"/sandbox-pay/{payment.number}/?return=http%3A%2F%2Ftestserver%2Fshop%2Ftea%2Forders%2F{order.pk}%2F"
    )
    assert (order.customer_id, order.payable_amount, order.note) == (customer.pk, 10000, "ring twice")
    assert order.shipping_address["detail"] == "南京东路1号"
    assert not CartItem.objects.filter(customer=customer).exists()
    assert StockLevel.objects.get(sku=sku, outlet=None).reserved == 2
    again = client.post("/shop/tea/checkout/", form)
    assert again["Location"] == first["Location"]
    assert (Order.objects.count(), Payment.objects.count()) == (1, 1)


def test_refused_checkouts_create_nothing(merchant, make_product, shopper):
    client, customer = shopper
    sku = make_product(price=5000).skus.get()
    add_to_cart(customer=customer, sku_id=sku.pk, quantity=1)
    token = uuid.uuid4().hex
    no_address = client.post("/shop/tea/checkout/", {"token": token, "fulfilment": "delivery", "address": ""})
    assert no_address.status_code == 400
    assert b'data-code="address_required"' in no_address.content
    bad_token = client.post("/shop/tea/checkout/", {"token": "x", "fulfilment": "delivery"})
    assert bad_token.status_code == 400
    assert b'data-code="checkout_form_invalid"' in bad_token.content
    bad_fulfilment = client.post("/shop/tea/checkout/", {"token": token, "fulfilment": "drone"})
    assert bad_fulfilment.status_code == 400
    other_customer_address = _address(make_merchant_customer())
    foreign = client.post(
        "/shop/tea/checkout/",
        {"token": token, "fulfilment": "delivery", "address": other_customer_address.pk},
    )
    assert foreign.status_code == 404
    assert (Order.objects.count(), Payment.objects.count()) == (0, 0)
    assert CartItem.objects.get(customer=customer).quantity == 1
    assert StockLevel.objects.get(sku=sku, outlet=None).reserved == 0


def make_merchant_customer():
    from siyu.members.services import login_with_code

    return login_with_code(merchant=make_merchant("coffee"), code="eve").customer


def test_empty_cart_checkout_says_so(merchant, shopper):
    client, _customer = shopper
    response = client.get("/shop/tea/checkout/")
    assert response.status_code == 400
    assert b'data-code="empty_cart"' in response.content


def test_unpaid_order_after_checkout_shows_in_the_unpaid_tab(merchant, make_product, shopper):
    client, customer = shopper
    address = _address(customer)
    add_to_cart(customer=customer, sku_id=make_product().skus.get().pk, quantity=1)
    token = _token(client.get("/shop/tea/checkout/").content.decode())
    client.post("/shop/tea/checkout/", {"token": token, "fulfilment": "delivery", "address": address.pk})
    order = Order.objects.get()
    assert order.status == OrderStatus.PENDING_PAYMENT
    html = client.get("/shop/tea/orders/?tab=unpaid").content.decode()
    assert f'data-number="{order.number}"' in html
