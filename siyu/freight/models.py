"""Freight templates (运费模板): what a parcel costs by region, by piece or by weight.

A template has a default charge (全国默认) and rules for named provinces or cities, each a charge
of its own; its excluded regions are not delivered to. A product names its template
(``catalog.Product.freight_template``); products without one use the merchant's default template,
or the merchant's flat fee when there is none. The arithmetic is ``siyu.freight.calc``.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from siyu.core.models import TenantModel
from siyu.freight import calc


class Basis(models.TextChoices):
    PIECE = "piece", _("By piece")
    WEIGHT = "weight", _("By weight")


class ChargeFields(models.Model):
    """首件/首重 + 续件/续重 and the free-shipping condition. Units are pieces, or grams by weight."""

    first_units = models.PositiveIntegerField(default=1)
    first_fee = models.PositiveIntegerField(default=0, help_text="fen")
    additional_units = models.PositiveIntegerField(default=1)
    additional_fee = models.PositiveIntegerField(default=0, help_text="fen")
    free_over_amount = models.PositiveIntegerField(null=True, blank=True, help_text="fen; free at or over")
    free_over_pieces = models.PositiveIntegerField(null=True, blank=True, help_text="free at or over")

    class Meta:
        abstract = True

    def charge(self) -> calc.Charge:
        return calc.Charge(
            first_units=self.first_units,
            first_fee=self.first_fee,
            additional_units=self.additional_units,
            additional_fee=self.additional_fee,
            free_over_amount=self.free_over_amount,
            free_over_pieces=self.free_over_pieces,
        )


class FreightTemplate(TenantModel, ChargeFields):
    """One template; its own charge fields are the default for regions no rule names."""

    name = models.CharField(max_length=64)
    basis = models.CharField(max_length=8, choices=Basis.choices, default=Basis.PIECE)
    is_default = models.BooleanField(default=False, help_text="Used by products that name no template")
    excluded_regions = models.JSONField(default=list, blank=True, help_text="province or city codes")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    owned_id_name = "template_id"  # a foreign or unknown id is a 404 not_found naming it

    class Meta:
        ordering = ["-is_default", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant"], condition=models.Q(is_default=True), name="one_default_freight_template"
            ),
            models.UniqueConstraint(fields=["merchant", "name"], name="freight_template_name_per_merchant"),
        ]

    def __str__(self) -> str:
        return self.name

    def engine_template(self, rules: list[FreightRule]) -> calc.Template:
        return calc.Template(
            id=self.pk,
            basis=calc.Basis(self.basis),
            default=self.charge(),
            rules=tuple(calc.Rule(frozenset(r.regions), r.charge()) for r in rules),
            excluded=frozenset(self.excluded_regions),
        )


class FreightRule(TenantModel, ChargeFields):
    """The charge for the provinces and cities it names (指定地区运费)."""

    template = models.ForeignKey(FreightTemplate, on_delete=models.CASCADE, related_name="rules")
    regions = models.JSONField(default=list, help_text="province or city codes")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return ", ".join(self.regions)
