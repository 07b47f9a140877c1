"""The freight fee of a parcel: templates by region, by piece or weight, combined over templates.

Pure Python (no Django): the pricing engine's shipping step calls ``quote`` with plain data. The
rules, in the order they apply (docs/freight.md has worked examples):

1. **Which charge.** A template has a default charge (全国默认) and rules for named regions. An
   address takes the rule naming its city, else the rule naming its province, else the default.
   A template's excluded regions (不配送区域: provinces or cities) cannot be delivered to at all:
   ``undeliverable`` names the templates that refuse the address, and checkout refuses the order.
2. **One template's group.** The order's lines are grouped by template. A group's units are its
   pieces (按件) or its total grams (按重量: each unit's ``weight_grams`` × quantity). Its fee is
   ``first_fee`` for the first ``first_units`` plus ``additional_fee`` for every started
   ``additional_units`` beyond (首件/首重 + 续件/续重). The charge's free-shipping condition (包邮条件)
   waives the group when its goods amount (after item and order promotions, before coupons) is at
   least ``free_over_amount`` and/or its pieces at least ``free_over_pieces`` (both, when both are set).
3. **Several templates** (as Youzan and Taobao combine them): of the groups still charged, the one
   with the highest first fee (ties: the lower template id, the flat group last) pays its first fee
   and its additional units; every other group pays additional fees for all its units
   (``ceil(units / additional_units) × additional_fee``), no first fee of its own.
4. Lines of products with no template form the **flat group**: the merchant's flat fee as a charge
   of one first piece and no additional fee, free over the merchant's threshold on those lines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from siyu.freight import regions


class Basis(StrEnum):
    PIECE = "piece"
    WEIGHT = "weight"


@dataclass(frozen=True)
class Charge:
    """首件/首重 + 续件/续重 with an optional free-shipping condition. Units: pieces or grams."""

    first_units: int = 1
    first_fee: int = 0
    additional_units: int = 1
    additional_fee: int = 0
    free_over_amount: int | None = None
    free_over_pieces: int | None = None

    def fee(self, units: int) -> int:
        """What a group of ``units`` pays as the lead group: first fee plus every started step."""
        extra = max(0, units - self.first_units)
        return self.first_fee + self.steps(extra) * self.additional_fee

    def additional_only(self, units: int) -> int:
        """What a group pays when another group carries the first fee: every unit at the additional rate."""
        return self.steps(units) * self.additional_fee

    def steps(self, units: int) -> int:
        return -(-units // self.additional_units) if units > 0 else 0

    def waived(self, amount: int, pieces: int) -> bool:
        """Whether the condition is met: every condition set must hold; none set means never."""
        if self.free_over_amount is None and self.free_over_pieces is None:
            return False
        return (self.free_over_amount is None or amount >= self.free_over_amount) and (
            self.free_over_pieces is None or pieces >= self.free_over_pieces
        )

    def problems(self) -> list[str]:
        """What is wrong with the numbers, as field names (empty: valid)."""
        bad = []
        if self.first_units < 1:
            bad.append("first_units")
        if self.additional_units < 1:
            bad.append("additional_units")
        for name in ("first_fee", "additional_fee"):
            if getattr(self, name) < 0:
                bad.append(name)
        for name in ("free_over_amount", "free_over_pieces"):
            value = getattr(self, name)
            if value is not None and value < 0:
                bad.append(name)
        return bad


@dataclass(frozen=True)
class Rule:
    regions: frozenset[str]  # province or city codes
    charge: Charge


@dataclass(frozen=True)
class Template:
    id: int
    basis: Basis
    default: Charge
    rules: tuple[Rule, ...] = ()
    excluded: frozenset[str] = frozenset()  # province or city codes (不配送区域)

    def charge_for(self, region: Region) -> Charge:
        """The city's rule, else the province's rule, else the default charge."""
        for code in (region.city, region.province):
            if not code:
                continue
            for rule in self.rules:
                if code in rule.regions:
                    return rule.charge
        return self.default

    def excludes(self, region: Region) -> bool:
        return bool(self.excluded) and any(c and c in self.excluded for c in region.codes())


@dataclass(frozen=True)
class Region:
    """Where the parcel goes, as GB/T 2260 codes (``""`` where unknown)."""

    province: str = ""
    city: str = ""
    district: str = ""

    def codes(self) -> tuple[str, ...]:
        return (self.district, self.city, self.province)


@dataclass(frozen=True)
class Item:
    """Units of one SKU in the parcel: its template (None: the flat group), weight and goods amount."""

    template_id: int | None
    quantity: int
    weight_grams: int = 0  # per unit
    amount: int = 0  # fen, what the units cost after promotions (measured for free-shipping conditions)


@dataclass(frozen=True)
class FreightPlan:
    """What the shipping step needs: the templates in play, each SKU's template and weight, the
    address's region and the merchant's flat fee for lines of products with no template."""

    templates: Mapping[int, Template]
    sku_templates: Mapping[int, int | None]  # sku id -> template id (None: flat)
    sku_weights: Mapping[int, int] = field(default_factory=dict)  # sku id -> grams per unit
    region: Region = field(default_factory=Region)
    flat: Charge = field(default_factory=Charge)


@dataclass(frozen=True)
class GroupFee:
    template_id: int | None  # None: the flat group
    units: int  # pieces or grams
    pieces: int
    amount: int
    charge: Charge
    waived: bool
    lead: bool  # carries the first fee
    fee: int


@dataclass(frozen=True)
class FreightQuote:
    fee: int
    groups: tuple[GroupFee, ...]


def undeliverable(
    templates: Mapping[int, Template], template_ids: Sequence[int | None], region: Region
) -> list[int]:
    """The templates among ``template_ids`` whose excluded regions contain ``region``, sorted."""
    return sorted({t for t in template_ids if t is not None and templates[t].excludes(region)})


def quote(plan: FreightPlan, items: Sequence[Item]) -> FreightQuote:
    """The fee for ``items`` sent to ``plan.region`` (module docstring, steps 1 to 4)."""
    grouped: dict[int | None, list[Item]] = {}
    for item in items:
        if item.quantity > 0:
            grouped.setdefault(item.template_id, []).append(item)
    drafts = []
    for template_id, members in grouped.items():
        pieces = sum(i.quantity for i in members)
        amount = sum(i.amount for i in members)
        if template_id is None:
            charge, units = plan.flat, pieces
        else:
            template = plan.templates[template_id]
            charge = template.charge_for(plan.region)
            by_weight = template.basis is Basis.WEIGHT
            units = sum(i.quantity * i.weight_grams for i in members) if by_weight else pieces
        drafts.append((template_id, units, pieces, amount, charge, charge.waived(amount, pieces)))
    charged = [d for d in drafts if not d[5]]
    lead_id = min(charged, key=lambda d: (-d[4].first_fee, d[0] is None, d[0] or 0))[0] if charged else "none"
    groups = []
    for template_id, units, pieces, amount, charge, waived in sorted(
        drafts, key=lambda d: (d[0] is None, d[0] or 0)
    ):
        lead = not waived and template_id == lead_id
        fee = 0 if waived else charge.fee(units) if lead else charge.additional_only(units)
        groups.append(GroupFee(template_id, units, pieces, amount, charge, waived, lead, fee))
    return FreightQuote(fee=sum(g.fee for g in groups), groups=tuple(groups))


def region_of(province: str, city: str, district: str = "") -> Region:
    """A region from an address's codes, its province and city filled in from the most specific code
    given (an address may carry a district code only)."""
    found = [regions.get(c) for c in regions.lineage(district or city or province)]
    by_level = {d.level: d.code for d in found if d is not None}
    return Region(
        province=by_level.get(regions.PROVINCE, province),
        city=by_level.get(regions.CITY, city),
        district=by_level.get(regions.DISTRICT, district),
    )
