from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PromotionsConfig(AppConfig):
    name = "siyu.promotions"
    label = "promotions"
    verbose_name = _("Promotions")

    def ready(self) -> None:
        from siyu.promotions.services import orders, triggers  # noqa: F401 - connect the signal receivers
