from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BargainConfig(AppConfig):
    name = "siyu.promotions.bargain"
    label = "bargain"
    verbose_name = _("Bargains")
