from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FlashSaleConfig(AppConfig):
    name = "siyu.promotions.flashsale"
    label = "flashsale"
    verbose_name = _("Flash sales")

    def ready(self) -> None:
        from siyu.orders import hooks
        from siyu.promotions import activities
        from siyu.promotions.flashsale.hooks import FlashSaleHooks
        from siyu.promotions.flashsale.provider import provider

        activities.register(provider)
        from siyu.promotions.flashsale.services.manage import live_on_skus

        activities.register_conflicts("flashsale", live_on_skus)
        hooks.register(FlashSaleHooks(), order=50)
