"""Use cases of freight: templates and their regional rules, which products use which template,
(the region codes of an address are ``addresses.py``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction

from siyu.catalog.models import Product
from siyu.core.errors import NotFound
from siyu.freight import regions
from siyu.freight.calc import Basis, Charge
from siyu.freight.errors import FreightTemplateInvalid
from siyu.freight.models import FreightRule, FreightTemplate
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import record_audit, require

MAX_RULES = 50
CHARGE_FIELDS = (
    "first_units",
    "first_fee",
    "additional_units",
    "additional_fee",
    "free_over_amount",
    "free_over_pieces",
)


def region_codes(codes: Iterable[str], *, field: str) -> list[str]:
    """Province or city codes, checked and tidied: unknown codes refused, duplicates dropped, a city
    dropped when its province is listed too (the province covers it); sorted."""
    wanted = {str(c).strip() for c in codes if str(c).strip()}
    found = {c: regions.get(c) for c in wanted}
    unknown = sorted(c for c, d in found.items() if d is None or d.level > regions.CITY)
    if unknown:
        raise FreightTemplateInvalid(detail={field: unknown})
    return sorted(c for c, d in found.items() if d is not None and d.parent not in wanted)


def _check_charge(charge: Charge) -> None:
    bad = charge.problems()
    if bad:
        raise FreightTemplateInvalid(detail={name: getattr(charge, name) for name in bad})


def _charge_values(charge: Charge) -> dict[str, Any]:
    return {name: getattr(charge, name) for name in CHARGE_FIELDS}


def _snapshot(template: FreightTemplate) -> dict[str, Any]:
    return {
        "name": template.name,
        "basis": template.basis,
        "is_default": template.is_default,
        "excluded_regions": list(template.excluded_regions),
        **{name: getattr(template, name) for name in CHARGE_FIELDS},
    }


def _save_template(template: FreightTemplate) -> None:
    if template.is_default:  # one default per merchant: the new one takes over
        FreightTemplate.objects.for_merchant(template.merchant_id).filter(is_default=True).exclude(
            pk=template.pk
        ).update(is_default=False)
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError as exc:
        raise FreightTemplateInvalid(detail={"name": template.name}) from exc


@transaction.atomic
def create_template(
    *,
    staff: Staff,
    name: str,
    basis: str,
    charge: Charge,
    is_default: bool = False,
    excluded_regions: Iterable[str] = (),
) -> FreightTemplate:
    """Add a template with its default charge; names are unique per merchant."""
    require(staff, Perm.FREIGHT_EDIT)
    template = FreightTemplate(merchant_id=staff.merchant_id)
    _fill(template, name=name, basis=basis, charge=charge, is_default=is_default, excluded=excluded_regions)
    _save_template(template)
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="freighttemplate.create",
        obj=template,
        after=_snapshot(template),
    )
    return template


@transaction.atomic
def update_template(
    *,
    staff: Staff,
    template_id: int,
    name: str,
    basis: str,
    charge: Charge,
    is_default: bool = False,
    excluded_regions: Iterable[str] = (),
) -> FreightTemplate:
    """Change a template's name, basis, default charge, default flag and excluded regions."""
    require(staff, Perm.FREIGHT_EDIT)
    template = FreightTemplate.objects.for_merchant(staff.merchant_id).get_owned(template_id, lock=True)
    before = _snapshot(template)
    _fill(template, name=name, basis=basis, charge=charge, is_default=is_default, excluded=excluded_regions)
    _save_template(template)
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="freighttemplate.update",
        obj=template,
        before=before,
        after=_snapshot(template),
    )
    return template


def _fill(
    template: FreightTemplate,
    *,
    name: str,
    basis: str,
    charge: Charge,
    is_default: bool,
    excluded: Iterable[str],
) -> None:
    name = name.strip()
    if not 1 <= len(name) <= 64:
        raise FreightTemplateInvalid(detail={"name": name[:64]})
    if basis not in Basis.__members__.values():
        raise FreightTemplateInvalid(detail={"basis": basis})
    _check_charge(charge)
    template.name = name
    template.basis = basis
    template.is_default = is_default
    template.excluded_regions = region_codes(excluded, field="excluded_regions")
    for field_name, value in _charge_values(charge).items():
        setattr(template, field_name, value)


@transaction.atomic
def delete_template(*, staff: Staff, template_id: int) -> None:
    """Delete a template; its products fall back to the default template (or the flat fee)."""
    require(staff, Perm.FREIGHT_EDIT)
    template = FreightTemplate.objects.for_merchant(staff.merchant_id).get_owned(template_id, lock=True)
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="freighttemplate.delete",
        obj=template,
        before=_snapshot(template),
    )
    template.delete()


@transaction.atomic
def save_rule(
    *, staff: Staff, template_id: int, codes: Iterable[str], charge: Charge, rule_id: int | None = None
) -> FreightRule:
    """Add or change a rule: the charge for the provinces and cities it names. A region may be named
    by one rule of a template only (a city may still have its own rule inside a province's)."""
    require(staff, Perm.FREIGHT_EDIT)
    template = FreightTemplate.objects.for_merchant(staff.merchant_id).get_owned(template_id, lock=True)
    codes = region_codes(codes, field="regions")
    if not codes:
        raise FreightTemplateInvalid(detail={"regions": []})
    _check_charge(charge)
    rules = list(template.rules.all())
    if rule_id is None and len(rules) >= MAX_RULES:
        raise FreightTemplateInvalid(detail={"rules": MAX_RULES})
    rule = next((r for r in rules if r.pk == rule_id), None) if rule_id is not None else None
    if rule_id is not None and rule is None:
        raise NotFound(detail={"rule_id": rule_id})
    taken = sorted(set(codes) & {c for r in rules if r.pk != rule_id for c in r.regions})
    if taken:
        raise FreightTemplateInvalid(detail={"regions": taken})
    if rule is None:
        rule = FreightRule(merchant_id=staff.merchant_id, template=template)
    before = {"regions": list(rule.regions), **_charge_values(rule.charge())} if rule.pk else None
    rule.regions = codes
    for field_name, value in _charge_values(charge).items():
        setattr(rule, field_name, value)
    rule.save()
    template.save(update_fields=["updated_at"])
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="freighttemplate.update",
        obj=template,
        before={"rule": before} if before else None,
        after={"rule": {"id": rule.pk, "regions": codes, **_charge_values(charge)}},
    )
    return rule


@transaction.atomic
def delete_rule(*, staff: Staff, template_id: int, rule_id: int) -> None:
    require(staff, Perm.FREIGHT_EDIT)
    template = FreightTemplate.objects.for_merchant(staff.merchant_id).get_owned(template_id, lock=True)
    rule = template.rules.filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(detail={"rule_id": rule_id})
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="freighttemplate.update",
        obj=template,
        before={"rule": {"id": rule.pk, "regions": list(rule.regions), **_charge_values(rule.charge())}},
    )
    rule.delete()


@transaction.atomic
def set_template_products(*, staff: Staff, template_id: int, product_ids: Iterable[int]) -> tuple[int, int]:
    """Make exactly ``product_ids`` use the template: they join it, the others on it leave it (and
    fall back to the default). Returns (joined, left). Unknown or foreign product ids are refused."""
    require(staff, Perm.FREIGHT_EDIT)
    template = FreightTemplate.objects.for_merchant(staff.merchant_id).get_owned(template_id, lock=True)
    wanted = set(product_ids)
    products = Product.objects.for_merchant(staff.merchant_id)
    found = set(products.filter(pk__in=wanted).values_list("pk", flat=True))
    missing = sorted(wanted - found)
    if missing:
        raise FreightTemplateInvalid(detail={"product_ids": missing})
    on_it = set(products.filter(freight_template=template).values_list("pk", flat=True))
    joined = products.filter(pk__in=sorted(wanted - on_it)).update(freight_template=template)
    left = products.filter(pk__in=sorted(on_it - wanted)).update(freight_template=None)
    if joined or left:
        record_audit(
            staff=staff,
            merchant=staff.merchant,
            action="freighttemplate.update",
            obj=template,
            before={"product_ids": sorted(on_it)},
            after={"product_ids": sorted(wanted)},
        )
    return joined, left
