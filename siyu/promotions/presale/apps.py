from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PresaleConfig(AppConfig):
    name = "siyu.promotions.presale"
    label = "presale"
    verbose_name = _("Presales")
