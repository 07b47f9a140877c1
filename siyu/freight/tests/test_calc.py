"""The freight arithmetic (``siyu.freight.calc``): exact fees, then properties on random parcels."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from siyu.freight.calc import (
    Basis,
    Charge,
    FreightPlan,
    Item,
    Region,
    Rule,
    Template,
    quote,
    region_of,
    undeliverable,
)

SHANGHAI = Region("310000", "310100", "310101")
URUMQI = Region("650000", "650100", "650102")
KASHGAR = Region("650000", "653100", "")
LHASA = Region("540000", "540100", "")

PIECES = Template(
    id=1,
    basis=Basis.PIECE,
    default=Charge(first_units=1, first_fee=1000, additional_units=1, additional_fee=500),
    rules=(
        Rule(
            frozenset({"650000"}),
            Charge(first_units=1, first_fee=2500, additional_units=1, additional_fee=1500),
        ),
        Rule(
            frozenset({"650100"}),
            Charge(first_units=1, first_fee=1800, additional_units=2, additional_fee=1000),
        ),
    ),
    excluded=frozenset({"540000"}),
)
WEIGHT = Template(
    id=2,
    basis=Basis.WEIGHT,
    default=Charge(first_units=1000, first_fee=1200, additional_units=500, additional_fee=400),
)
FREE_OVER = Template(
    id=3,
    basis=Basis.PIECE,
    default=Charge(first_fee=800, additional_fee=300, free_over_amount=9900, free_over_pieces=3),
)
TEMPLATES = {t.id: t for t in (PIECES, WEIGHT, FREE_OVER)}


def plan(region: Region = SHANGHAI, flat_fee: int = 1000, flat_free: int | None = 9900) -> FreightPlan:
    return FreightPlan(
        templates=TEMPLATES,
        sku_templates={},
        region=region,
        flat=Charge(first_fee=flat_fee, free_over_amount=flat_free),
    )


def test_by_piece_first_and_additional():
    assert quote(plan(), [Item(1, 3, amount=3000)]).fee == 1000 + 2 * 500


def test_by_weight_counts_every_started_step():
    # 2 x 800 g = 1600 g: the first 1000 g, then 600 g = two started 500 g steps
    assert quote(plan(), [Item(2, 2, weight_grams=800, amount=5000)]).fee == 1200 + 2 * 400
    assert quote(plan(), [Item(2, 1, weight_grams=1000)]).fee == 1200
    assert quote(plan(), [Item(2, 1, weight_grams=0)]).fee == 1200  # a parcel with no weight set


def test_the_city_rule_beats_the_province_rule_which_beats_the_default():
    assert quote(plan(URUMQI), [Item(1, 3)]).fee == 1800 + 1 * 1000  # 2 more pieces: one step of 2
    assert quote(plan(KASHGAR), [Item(1, 3)]).fee == 2500 + 2 * 1500
    assert quote(plan(SHANGHAI), [Item(1, 3)]).fee == 2000


def test_free_shipping_needs_every_condition_set():
    assert quote(plan(), [Item(3, 3, amount=9900)]).fee == 0
    assert quote(plan(), [Item(3, 2, amount=20000)]).fee == 800 + 300  # pieces short
    assert quote(plan(), [Item(3, 5, amount=9899)]).fee == 800 + 4 * 300  # amount short


def test_several_templates_pay_the_highest_first_fee_once():
    result = quote(plan(), [Item(1, 2, amount=2000), Item(2, 1, weight_grams=1500, amount=3000)])
    # the weight template's first fee (12.00) is the highest: it leads, 1500 g = first + one step;
    # the piece template pays its additional fee for both pieces
    assert [(g.template_id, g.lead, g.fee) for g in result.groups] == [(1, False, 1000), (2, True, 1600)]
    assert result.fee == 2600


def test_a_waived_group_neither_pays_nor_leads():
    result = quote(plan(), [Item(3, 3, amount=12000), Item(1, 1, amount=1000)])
    assert [(g.template_id, g.waived, g.lead, g.fee) for g in result.groups] == [
        (1, False, True, 1000),
        (3, True, False, 0),
    ]


def test_products_without_a_template_form_the_flat_group():
    assert quote(plan(), [Item(None, 3, amount=5000)]).fee == 1000  # one flat fee, no additional
    assert quote(plan(), [Item(None, 3, amount=9900)]).fee == 0  # the merchant's threshold
    # with a template whose first fee is higher, the flat group adds nothing (its additional fee is 0)
    assert quote(plan(flat_fee=800), [Item(None, 1, amount=10), Item(1, 1, amount=10)]).fee == 1000


def test_excluded_regions_refuse_by_province_or_city():
    assert undeliverable(TEMPLATES, [1, 2, None], LHASA) == [1]
    assert undeliverable(TEMPLATES, [2, None], LHASA) == []
    city_only = Template(id=9, basis=Basis.PIECE, default=Charge(), excluded=frozenset({"653100"}))
    assert undeliverable({9: city_only}, [9], KASHGAR) == [9]
    assert undeliverable({9: city_only}, [9], URUMQI) == []


def test_region_of_fills_in_the_parents_of_the_most_specific_code():
    assert region_of("", "", "310101") == SHANGHAI
    assert region_of("650000", "653100", "") == KASHGAR
    assert region_of("", "", "") == Region()


# Properties ----------------------------------------------------------------------------------------

charges = st.builds(
    Charge,
    first_units=st.integers(1, 2000),
    first_fee=st.integers(0, 5000),
    additional_units=st.integers(1, 1000),
    additional_fee=st.integers(0, 3000),
    free_over_amount=st.none() | st.integers(0, 50_000),
    free_over_pieces=st.none() | st.integers(1, 20),
)
templates = st.lists(st.tuples(st.sampled_from(list(Basis)), charges), min_size=1, max_size=4).map(
    lambda ts: {i + 1: Template(id=i + 1, basis=b, default=c) for i, (b, c) in enumerate(ts)}
)


@st.composite
def parcels(draw):
    found = draw(templates)
    ids = [*found, None]
    items = draw(
        st.lists(
            st.builds(
                Item,
                template_id=st.sampled_from(ids),
                quantity=st.integers(1, 10),
                weight_grams=st.integers(0, 3000),
                amount=st.integers(0, 20_000),
            ),
            max_size=8,
        )
    )
    flat = draw(charges.map(lambda c: Charge(first_fee=c.first_fee, free_over_amount=c.free_over_amount)))
    return FreightPlan(templates=found, sku_templates={}, region=SHANGHAI, flat=flat), items


@given(parcels(), st.randoms(use_true_random=False))
def test_the_fee_is_the_sum_of_the_groups_whatever_the_order_of_the_lines(parcel, rnd):
    freight_plan, items = parcel
    result = quote(freight_plan, items)
    assert result.fee == sum(g.fee for g in result.groups) >= 0
    shuffled = list(items)
    rnd.shuffle(shuffled)
    assert quote(freight_plan, shuffled) == result


@given(parcels())
def test_one_group_leads_and_it_has_the_highest_first_fee(parcel):
    freight_plan, items = parcel
    groups = quote(freight_plan, items).groups
    charged = [g for g in groups if not g.waived]
    leads = [g for g in groups if g.lead]
    assert len(leads) == (1 if charged else 0)
    if leads:
        assert leads[0].charge.first_fee == max(g.charge.first_fee for g in charged)
        assert leads[0].fee == leads[0].charge.fee(leads[0].units)
    for g in charged:
        if not g.lead:
            assert g.fee == -(-g.units // g.charge.additional_units) * g.charge.additional_fee
    assert all(g.fee == 0 for g in groups if g.waived)


@given(parcels(), st.data())
def test_splitting_a_line_in_two_changes_nothing(parcel, data):
    freight_plan, items = parcel
    splittable = [i for i in items if i.quantity > 1]
    if not splittable:
        return
    item = data.draw(st.sampled_from(splittable))
    part = data.draw(st.integers(1, item.quantity - 1))
    share = data.draw(st.integers(0, item.amount))
    rest = [i for i in items if i is not item]
    halves = [
        Item(item.template_id, part, item.weight_grams, share),
        Item(item.template_id, item.quantity - part, item.weight_grams, item.amount - share),
    ]
    assert quote(freight_plan, rest + halves).fee == quote(freight_plan, items).fee


@given(charges, st.sampled_from(list(Basis)), st.integers(1, 30), st.integers(0, 3000))
def test_without_a_free_condition_one_more_unit_never_costs_less(charge, basis, quantity, grams):
    charge = Charge(charge.first_units, charge.first_fee, charge.additional_units, charge.additional_fee)
    only = FreightPlan(templates={1: Template(1, basis, charge)}, sku_templates={}, region=SHANGHAI)
    fee = quote(only, [Item(1, quantity, grams)]).fee
    assert quote(only, [Item(1, quantity + 1, grams)]).fee >= fee
    units = quantity * grams if basis is Basis.WEIGHT else quantity
    assert fee == charge.first_fee + charge.steps(max(0, units - charge.first_units)) * charge.additional_fee
