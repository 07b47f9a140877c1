import pytest

from siyu.core.errors import IdempotencyConflict
from siyu.inventory.errors import OutOfStock
from siyu.inventory.models import StockLevel
from siyu.orders.models import Order, OrderStatus
from siyu.orders.services import checkout
from siyu.testing.flows import place

pytestmark = pytest.mark.django_db


def level(sku):
    return StockLevel.objects.get(sku=sku, outlet=None)


def test_order_snapshots_lines_prices_and_reserves_stock(customer, make_product, address):
    a = make_product("Longjing", price=3800, stock=10).skus.get()
    b = make_product("Biluochun", price=2550, stock=5).skus.get()
    order = place(customer, [(a.pk, 2), (b.pk, 1)], address=address)

    assert order.status == OrderStatus.PENDING_PAYMENT
    assert order.goods_amount == 2 * 3800 + 2550
    assert order.shipping_fee == 0  # 10150 fen passes the 9900 free-shipping threshold
    assert order.payable_amount == 10150
    assert order.number.startswith("O") and len(order.number) == 15
    assert [(x.product_name, x.quantity, x.unit_price, x.paid_amount) for x in order.lines.all()] == [
        ("Longjing", 2, 3800, 7600),
        ("Biluochun", 1, 2550, 2550),
    ]
    assert order.shipping_address["recipient"] == "王小明"
    assert (level(a).on_hand, level(a).reserved) == (10, 2)
    assert (level(b).on_hand, level(b).reserved) == (5, 1)

    # The snapshot survives later catalog edits.
    a.price = 1
    a.save(update_fields=["price"])
    assert order.lines.get(sku=a).unit_price == 3800


def test_shipping_fee_below_threshold(customer, sku, address):
    order = place(customer, [(sku.pk, 1)], address=address)  # 5000 fen < 9900
    assert (order.goods_amount, order.shipping_fee, order.payable_amount) == (5000, 1000, 6000)


def test_out_of_stock_refuses_and_changes_nothing(customer, make_product, address):
    a = make_product(stock=10).skus.get()
    b = make_product(stock=1).skus.get()
    with pytest.raises(OutOfStock):
        place(customer, [(a.pk, 3), (b.pk, 2)], address=address)
    assert Order.objects.count() == 0
    assert (level(a).reserved, level(b).reserved) == (0, 0)


def test_idempotency_key_replay_returns_first_order(customer, sku, address):
    first = place(customer, [(sku.pk, 2)], address=address, key="k-1")
    again = place(customer, [(sku.pk, 2)], address=address, key="k-1")
    assert again.pk == first.pk
    assert Order.objects.count() == 1
    assert level(sku).reserved == 2


def test_idempotency_key_with_other_body_is_refused(customer, sku, address):
    place(customer, [(sku.pk, 2)], address=address, key="k-1")
    with pytest.raises(IdempotencyConflict):
        place(customer, [(sku.pk, 3)], address=address, key="k-1")
    assert Order.objects.count() == 1
    assert level(sku).reserved == 2


def test_pickup_order_reserves_outlet_stock(customer, sku, outlet, merchant):
    from siyu.inventory.services import set_stock

    set_stock(merchant=merchant, sku=sku, outlet=outlet, on_hand=3)
    order = place(customer, [(sku.pk, 2)], outlet_id=outlet.pk)
    assert order.shipping_fee == 0 and order.payable_amount == 10000
    assert StockLevel.objects.get(sku=sku, outlet=outlet).reserved == 2
    assert level(sku).reserved == 0
    with pytest.raises(OutOfStock):
        place(customer, [(sku.pk, 2)], outlet_id=outlet.pk)


def test_quote_prices_without_creating(customer, sku):
    priced, _ = checkout.quote(
        customer=customer, request=checkout.CheckoutRequest(lines=[checkout.LineRequest(sku.pk, 1)])
    )
    assert (priced.goods_amount, priced.shipping_fee, priced.payable_amount) == (5000, 1000, 6000)
    assert priced.explain()["adjustments"][0]["label_zh"] == "运费"
    assert Order.objects.count() == 0


def test_order_over_the_cap_is_refused(customer, make_product, address):
    from siyu.orders.errors import OrderTooLarge

    sku = make_product(price=10**9, stock=10).skus.get()
    with pytest.raises(OrderTooLarge):
        place(customer, [(sku.pk, 2)], address=address)
    assert Order.objects.count() == 0
    assert level(sku).reserved == 0


def test_quote_checks_the_address(customer, sku, customer_login):
    from siyu.core.errors import NotFound
    from siyu.members.services import save_address

    bob, _ = customer_login("bob")
    bobs = save_address(customer=bob, recipient="b", phone="13800000001", province="p", city="c", detail="d")
    with pytest.raises(NotFound):
        checkout.quote(
            customer=customer,
            request=checkout.CheckoutRequest(lines=[checkout.LineRequest(sku.pk, 1)], address_id=bobs.pk),
        )
