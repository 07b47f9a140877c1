from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PromotionsConfig(AppConfig):
    name = "siyu.promotions"
    label = "promotions"
    verbose_name = _("Promotions")

    def ready(self) -> None:
        from siyu.orders import hooks
        from siyu.promotions.hooks import CouponHooks
        from siyu.promotions.services import triggers  # noqa: F401 - connect the event and customer receivers

        hooks.register(CouponHooks(), order=40)
