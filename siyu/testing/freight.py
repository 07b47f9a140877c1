"""Freight templates for tests, made through the services: a by-piece and a by-weight template."""

from __future__ import annotations

from collections.abc import Iterable
from types import SimpleNamespace

from siyu.catalog.models import Product
from siyu.freight import services
from siyu.freight.calc import Charge
from siyu.freight.models import FreightTemplate
from siyu.tenancy.models import Staff

XINJIANG, URUMQI, TIBET, SHANGHAI = "650000", "650100", "540000", "310000"


def piece_template(owner: Staff, products: Iterable[Product] = (), **kw) -> FreightTemplate:
    """按件: ¥8.00 the first piece, ¥3.00 each more; Xinjiang ¥20.00 + ¥10.00, free from 5 pieces;
    Tibet not delivered to (``kw`` overrides the template's fields)."""
    template = services.create_template(
        staff=owner,
        name=kw.pop("name", "按件"),
        basis="piece",
        charge=kw.pop("charge", Charge(first_units=1, first_fee=800, additional_units=1, additional_fee=300)),
        excluded_regions=kw.pop("excluded_regions", [TIBET]),
        **kw,
    )
    services.save_rule(
        staff=owner,
        template_id=template.pk,
        codes=[XINJIANG],
        charge=Charge(
            first_units=1, first_fee=2000, additional_units=1, additional_fee=1000, free_over_pieces=5
        ),
    )
    services.set_template_products(staff=owner, template_id=template.pk, product_ids=[p.pk for p in products])
    return template


def weight_template(owner: Staff, products: Iterable[Product] = (), **kw) -> FreightTemplate:
    """按重量: ¥10.00 the first kilogram, ¥5.00 each kilogram begun after; free over ¥300.00."""
    template = services.create_template(
        staff=owner,
        name=kw.pop("name", "按重量"),
        basis="weight",
        charge=kw.pop(
            "charge",
            Charge(
                first_units=1000,
                first_fee=1000,
                additional_units=1000,
                additional_fee=500,
                free_over_amount=30000,
            ),
        ),
        **kw,
    )
    services.set_template_products(staff=owner, template_id=template.pk, product_ids=[p.pk for p in products])
    return template


def add_freight(owner: Staff) -> SimpleNamespace:
    """A merchant's freight rows for the tenancy tests: the by-piece template and its Xinjiang rule."""
    template = piece_template(owner)
    return SimpleNamespace(template=template, rule=template.rules.get())
