"""A shop with two shopping guides and their customers: the world of the guide scope and privacy tests.

Guide A (at outlet X) has Anna and Amy; guide B (at outlet Y) has Bob; Uma has no guide. Each has a
phone (138000000NN) and a paid delivery order to an address whose recipient's phone is 139000000NN.
X's outlet manager sees guide A's customers; the operator binds, reveals and sees everyone.
"""

from __future__ import annotations

from dataclasses import dataclass

from siyu.catalog.models import Sku
from siyu.members.models import BindingSource, Customer
from siyu.members.services import bind_guide, bind_phone
from siyu.orders.models import Order
from siyu.tenancy.models import Merchant, Outlet, Role, Staff
from siyu.testing.factories import add_address, log_in_customer, make_product, make_staff
from siyu.testing.flows import pay, place


@dataclass
class GuideWorld:
    merchant: Merchant
    operator: Staff
    guide_a: Staff
    guide_b: Staff
    manager_x: Staff
    outlet_x: Outlet
    outlet_y: Outlet
    customers: dict[str, Customer]  # anna, amy (A), bob (B), uma (no guide)
    orders: dict[str, Order]  # one paid delivery order per customer
    sku: Sku

    def phone(self, name: str) -> str:
        return self.customers[name].phone or ""


PEOPLE = {"anna": "13800000011", "amy": "13800000012", "bob": "13800000021", "uma": "13800000031"}


def build_guide_world(merchant: Merchant) -> GuideWorld:
    outlet_x = Outlet.objects.create(merchant=merchant, code="X", name="Outlet X", supports_pickup=True)
    outlet_y = Outlet.objects.create(merchant=merchant, code="Y", name="Outlet Y", supports_pickup=True)
    operator = make_staff(merchant, Role.OPERATOR)
    guide_a = make_staff(merchant, Role.GUIDE, outlets=[outlet_x])
    guide_b = make_staff(merchant, Role.GUIDE, outlets=[outlet_y])
    for guide, name in ((guide_a, "Guide A"), (guide_b, "Guide B")):
        guide.display_name = name
        guide.save(update_fields=["display_name"])
    manager_x = make_staff(merchant, Role.OUTLET_MANAGER, outlets=[outlet_x])
    sku = make_product(merchant, code="G").skus.get()
    customers: dict[str, Customer] = {}
    orders: dict[str, Order] = {}
    for name, phone in PEOPLE.items():
        customer, _token = log_in_customer(merchant, name)
        customer.nickname = name
        customer.save(update_fields=["nickname"])
        customer = bind_phone(customer=customer, phone=phone)
        recipient_phone = "139" + phone[3:]
        address = add_address(customer, recipient=name.title(), phone=recipient_phone)
        orders[name] = pay(customer, place(customer, [(sku.pk, 1)], address=address))
        customers[name] = customer
    owners = {"anna": guide_a, "amy": guide_a, "bob": guide_b}
    for name, guide in owners.items():
        bind_guide(
            staff=operator, customer_id=customers[name].pk, guide_id=guide.pk, source=BindingSource.OPERATOR
        )
    for customer in customers.values():
        customer.refresh_from_db()
    return GuideWorld(
        merchant=merchant,
        operator=operator,
        guide_a=guide_a,
        guide_b=guide_b,
        manager_x=manager_x,
        outlet_x=outlet_x,
        outlet_y=outlet_y,
        customers=customers,
        orders=orders,
        sku=sku,
    )
