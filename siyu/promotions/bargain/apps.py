from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BargainConfig(AppConfig):
    name = "siyu.promotions.bargain"
    label = "bargain"
    verbose_name = _("Bargains")

    def ready(self) -> None:
        from siyu.orders import hooks
        from siyu.promotions.activities import register, register_conflicts
        from siyu.promotions.bargain.hooks import BargainHooks
        from siyu.promotions.bargain.provider import BargainProvider
        from siyu.promotions.bargain.selectors import live_on_skus

        register_conflicts("groupbuy", live_on_skus)  # the group-buy family: they refuse each other
        register(BargainProvider())
        hooks.register(BargainHooks(), order=70)
