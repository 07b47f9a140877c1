from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FreightConfig(AppConfig):
    name = "siyu.freight"
    label = "freight"
    verbose_name = _("Freight")
