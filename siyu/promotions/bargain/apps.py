from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BargainConfig(AppConfig):
    name = "siyu.promotions.bargain"
    label = "bargain"
    verbose_name = _("Bargains")

    def ready(self) -> None:
        from siyu.orders import hooks
        from siyu.promotions.activities import register
        from siyu.promotions.bargain.hooks import BargainHooks
        from siyu.promotions.bargain.provider import BargainProvider

        register(BargainProvider())
        hooks.register(BargainHooks(), order=70)
