"""Order list and detail, pay again, cancel, confirm receipt, after-sales: the customer's own only."""

from __future__ import annotations

import pytest
from django.test import Client

from siyu.members.services import login_with_code, save_address
from siyu.orders.models import AfterSale, AfterSaleStatus, Order, OrderStatus, Payment
from siyu.orders.services import lifecycle
from siyu.testing.clients import h5_login
from siyu.testing.factories import make_merchant
from siyu.testing.flows import pay, place

pytestmark = pytest.mark.django_db


@pytest.fixture
def buyer(merchant, shopper):
    client, customer = shopper
    address = save_address(
        customer=customer, recipient="Li", phone="13900000000", province="浙江", city="杭州", detail="西湖1号"
    )
    return client, customer, address


def test_order_list_tabs_and_query_count(merchant, make_product, buyer, django_assert_max_num_queries):
    client, customer, address = buyer
    skus = [make_product(f"Tea {i}", price=2000).skus.get() for i in range(3)]
    paid = pay(customer, place(customer, [(skus[0].pk, 1), (skus[1].pk, 2)], address=address))
    unpaid = place(customer, [(skus[2].pk, 1)], address=address)
    for _ in range(3):
        place(customer, [(skus[2].pk, 1)], address=address)
    # shop + session + customer, orders, lines, redemptions, cart count
    with django_assert_max_num_queries(7):
        response = client.get("/shop/tea/orders/")
    html = response.content.decode()
    assert html.count('data-testid="order-card"') == 5
    to_ship = client.get("/shop/tea/orders/", {"tab": "to_ship"}).content.decode()
    assert f'data-number="{paid.number}"' in to_ship and f'data-number="{unpaid.number}"' not in to_ship
    assert to_ship.count('data-testid="order-card"') == 1


def test_order_detail_shows_amounts_and_actions(merchant, make_product, buyer, django_assert_max_num_queries):
    client, customer, address = buyer
    sku = make_product(price=3000).skus.get()
    order = place(customer, [(sku.pk, 2)], address=address)
    with django_assert_max_num_queries(9):  # + the order's redemptions
        response = client.get(f"/shop/tea/orders/{order.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="priced-payable">¥70.00<' in html  # ¥60 + ¥10 shipping
    assert 'data-testid="pay-order"' in html and 'data-testid="cancel-order"' in html
    assert 'data-testid="request-after-sale"' not in html
    pay(customer, order)
    html = client.get(f"/shop/tea/orders/{order.pk}/").content.decode()
    assert 'data-testid="pay-order"' not in html
    assert 'data-testid="request-after-sale"' in html


def test_another_customers_or_shops_order_is_a_404(merchant, make_product, buyer):
    client, _customer, _address = buyer
    sku = make_product().skus.get()
    bob = login_with_code(merchant=merchant, code="bob").customer
    bobs = place(
        bob,
        [(sku.pk, 1)],
        address=save_address(
            customer=bob, recipient="B", phone="1390000", province="p", city="c", detail="d"
        ),
    )
    coffee = make_merchant("coffee")
    eve = h5_login(client, coffee, "alice")  # same browser, same nickname, other shop
    beans = make_product("Beans", m=coffee).skus.get()
    eves = place(
        eve,
        [(beans.pk, 1)],
        address=save_address(
            customer=eve, recipient="E", phone="1390000", province="p", city="c", detail="d"
        ),
    )
    for path in (
        f"/shop/tea/orders/{bobs.pk}/",
        f"/shop/tea/orders/{eves.pk}/",
        f"/shop/coffee/orders/{bobs.pk}/",
    ):
        assert client.get(path).status_code == 404, path
    for action in ("pay", "cancel"):
        assert client.post(f"/shop/tea/orders/{bobs.pk}/{action}/").status_code == 404
    bobs.refresh_from_db()
    assert bobs.status == OrderStatus.PENDING_PAYMENT
    assert Payment.objects.filter(order=bobs).count() == 0


def test_pay_again_reuses_the_open_payment(merchant, make_product, buyer):
    client, customer, address = buyer
    order = place(customer, [(make_product().skus.get().pk, 1)], address=address)
    first = client.post(f"/shop/tea/orders/{order.pk}/pay/")
    second = client.post(f"/shop/tea/orders/{order.pk}/pay/")
    payment = Payment.objects.get(order=order)
    assert first["Location"].startswith(f"/sandbox-pay/{payment.number}/?return=")
    assert second["Location"] == first["Location"]


def test_cancel_an_unpaid_order(merchant, make_product, buyer):
    client, customer, address = buyer
    order = place(customer, [(make_product().skus.get().pk, 1)], address=address)
    response = client.post(f"/shop/tea/orders/{order.pk}/cancel/")
    assert response["Location"] == f"/shop/tea/orders/{order.pk}/"
    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == (OrderStatus.CANCELLED, "customer_cancelled")
    again = client.post(f"/shop/tea/orders/{order.pk}/cancel/")
    assert again.status_code == 409
    assert b'data-code="invalid_state"' in again.content


def test_confirm_receipt_of_a_shipped_order(merchant, make_product, buyer, owner):
    client, customer, address = buyer
    order = pay(customer, place(customer, [(make_product().skus.get().pk, 1)], address=address))
    refused = client.post(f"/shop/tea/orders/{order.pk}/confirm/")
    assert refused.status_code == 409
    lifecycle.ship_order(staff=owner, order_id=order.pk, carrier="SF", tracking_number="SF1234567890123")
    assert 'data-testid="confirm-receipt"' in client.get(f"/shop/tea/orders/{order.pk}/").content.decode()
    client.post(f"/shop/tea/orders/{order.pk}/confirm/")
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED


def test_after_sale_request_for_some_units(merchant, make_product, buyer):
    client, customer, address = buyer
    sku = make_product(price=3000).skus.get()
    order = pay(customer, place(customer, [(sku.pk, 3)], address=address))
    line = order.lines.get()
    html = client.get(f"/shop/tea/orders/{order.pk}/after-sale/").content.decode()
    assert f'name="qty_{line.pk}" value="3"' in html
    assert 'value="return_refund"' not in html  # a paid, unshipped order: refund only
    response = client.post(
        f"/shop/tea/orders/{order.pk}/after-sale/",
        {"kind": "refund_only", "reason": "changed_mind", f"qty_{line.pk}": "1", "description": "too much"},
    )
    assert response["Location"] == f"/shop/tea/orders/{order.pk}/"
    after_sale = AfterSale.objects.get()
    assert (after_sale.amount, after_sale.reason, after_sale.status) == (
        3000,
        "changed_mind",
        AfterSaleStatus.REQUESTED,
    )
    assert after_sale.lines.get().quantity == 1
    listing = client.get("/shop/tea/after-sales/").content.decode()
    assert listing.count('data-testid="after-sale-card"') == 1


def test_refused_after_sales_change_nothing(merchant, make_product, buyer):
    client, customer, address = buyer
    sku = make_product(price=3000).skus.get()
    unpaid = place(customer, [(sku.pk, 1)], address=address)
    line = unpaid.lines.get()
    form = {"kind": "refund_only", "reason": "quality", f"qty_{line.pk}": "1"}
    response = client.post(f"/shop/tea/orders/{unpaid.pk}/after-sale/", form)
    assert response.status_code == 409
    assert b'data-code="aftersale_not_allowed"' in response.content
    paid = pay(customer, place(customer, [(sku.pk, 2)], address=address))
    paid_line = paid.lines.get()
    cases = [
        ({"kind": "refund_only", "reason": "made-up", f"qty_{paid_line.pk}": "1"}, 400, "invalid_input"),
        ({"kind": "refund_only", "reason": "quality", f"qty_{paid_line.pk}": "0"}, 400, "invalid_input"),
        (
            {"kind": "refund_only", "reason": "quality", f"qty_{paid_line.pk}": "3"},
            409,
            "refund_exceeds_paid",
        ),
        (
            {"kind": "return_refund", "reason": "quality", f"qty_{paid_line.pk}": "1"},
            409,
            "aftersale_not_allowed",
        ),
    ]
    for form, status, code in cases:
        response = client.post(f"/shop/tea/orders/{paid.pk}/after-sale/", form)
        assert response.status_code == status, form
        assert f'data-code="{code}"'.encode() in response.content
    assert AfterSale.objects.count() == 0
    assert Order.objects.get(pk=paid.pk).status == OrderStatus.PAID


def test_order_pages_need_login(merchant):
    for path in ("/shop/tea/orders/", "/shop/tea/orders/1/", "/shop/tea/after-sales/", "/shop/tea/me/"):
        response = Client().get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/shop/tea/login/?next=")
