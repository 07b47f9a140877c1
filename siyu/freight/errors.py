"""Refusals of freight templates and of addresses' regions."""

from django.utils.translation import gettext_lazy as _

from siyu.core.errors import SiyuError


class RegionNotDeliverable(SiyuError):
    """Raised at checkout when a product's freight template excludes the address's region."""

    code = "region_not_deliverable"
    status = 400
    message = _("Some items cannot be delivered to this address's region.")


class RegionInvalid(SiyuError):
    """Raised when an address's region codes are unknown or do not belong together."""

    code = "region_invalid"
    status = 400
    message = _("The province, city and district do not match. Please choose them again.")


class FreightTemplateInvalid(SiyuError):
    """Raised when a freight template's numbers, regions or name cannot be saved as given."""

    code = "freight_template_invalid"
    status = 400
    message = _("The freight template is not valid.")
