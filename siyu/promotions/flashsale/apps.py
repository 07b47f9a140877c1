from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FlashSaleConfig(AppConfig):
    name = "siyu.promotions.flashsale"
    label = "flashsale"
    verbose_name = _("Flash sales")
